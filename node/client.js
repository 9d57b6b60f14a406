'use strict';
// RealmWebSocketClient: the public client. It starts requests through the
// addon's NativeClient and routes what the addon delivers (one call per
// burst: event words in a shared Int32Array, the burst's token text as one
// string, other values in an array) to the requests and event listeners.
const native = require('./native.js');
const { fromNative, toRealmError, abortedError, invalid, statusOf } = require('./errors.js');
const { checkSignal, checkOptions, checkChatOptions, either, extraJson, toJson } = require('./arguments.js');
const { MODE_TEXT, MODE_STREAM, MODE_JSON, Call, TokenStream } = require('./requests.js');

// Event words written by the addon into the shared Int32Array (bindings/node/burst.h).
const W_TOKENS = 1; // [1, id, count, utf16len x count]      text: the burst's token text
const W_COMPLETE = 2; // [2, id]                              vals: result (array, JSON text or token count)
const W_FAILED = 3; // [3, id, outcome]                       vals: error object
const W_CLIENT = 4; // [4, type, closeCode, attempt, delayMs] vals: info object
const W_OP_DONE = 5; // [5, token, status]                     vals: error object or null

const EV_CONNECTED = 1;
const EV_DISCONNECTED = 2;
const EV_RECONNECTING = 3;
const EV_ERROR = 4;

const STATE_NAMES = ['disconnected', 'connecting', 'connected', 'reconnecting', 'closed'];
const EVENTS = ['connected', 'disconnected', 'reconnecting', 'error', 'token'];

// Reports an exception thrown by user code (an event listener) the way an
// EventEmitter would, without breaking delivery of the rest of the burst.
function reportListenerError(e) {
  process.nextTick(() => {
    throw e;
  });
}

// Clients with work in flight, so that GC cannot collect a client whose
// promises are still pending.
const busy = new Set();

// Key of the constructor option that hands the core's own option names
// ([[key, value], ...], realm_options_set) to the addon instead of this
// class's options: how TektonLLMClient (node/tekton_client.js) runs this
// client on the "tekton" dialect. A symbol, so it is not part of the public options.
const CORE_OPTIONS = Symbol('coreOptions');

class RealmWebSocketClient {
  #native;
  #onNative;
  #meta;
  #reqs = new Map();
  #ops = new Map();
  #nextOp = 0;
  #active = 0;
  #listeners = { connected: [], disconnected: [], reconnecting: [], error: [], token: [] };

  /**
   * @param {object} options { model (required), url, urls, dialect, maxRetries, retryBase, maxConnections,
   *   multiplex, apiKey,
   *   tenantId, reconnect, reconnectInterval,
   *   timeout, connectTimeout, idleTimeout, backoffCap, backoffMaxAttempts, backoffJitterPercent,
   *   pingInterval, tlsCaFile, tlsInsecure, maxMessageSize, maxQueuedRequests, busyPollUs }
   */
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw invalid('new RealmWebSocketClient(options): options must be an object, e.g. { model: "llama-2-7b" }');
    }
    const core = options[CORE_OPTIONS];
    if (core !== undefined) options = { coreOptions: core };
    else if (typeof options.model !== 'string' || options.model.length === 0) {
      throw invalid(
        'new RealmWebSocketClient(options): options.model is required ' +
          '(a non-empty string naming the model, e.g. { model: "llama-2-7b" })',
      );
    }
    // Small at first: the addon replaces it with a larger one when a burst
    // needs more (an idle client then costs ~1 KiB here, not 64 KiB).
    this.#meta = new Int32Array(256);
    // The addon holds this function weakly: the client must keep it.
    this.#onNative = (n, vals, fresh, text) => this.#dispatch(n, vals, fresh, text);
    try {
      this.#native = new native.NativeClient(options, this.#onNative, this.#meta);
    } catch (e) {
      throw toRealmError(e);
    }
  }

  // ---- connection

  /** Connects (TCP, upgrade, auth); rejects with a RealmError within the connect timeout. */
  connect(options = {}) {
    let signal;
    try {
      signal = checkSignal(options && options.signal, 'connect');
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal && signal.aborted) return Promise.reject(abortedError(signal));
    return this.#op('connect', signal);
  }

  /** Closes the connection and stops reconnecting; in-flight requests end as CANCELLED. */
  disconnect() {
    return this.#op('disconnect', undefined);
  }

  /** Destroys the native client now; the client cannot be used afterwards. */
  close() {
    this.#native.close(); // ends every request in the core without calling back
    const cancelled = { code: 'CANCELLED', message: 'the client was closed', status: statusOf('CANCELLED') };
    const reqs = [...this.#reqs.values()];
    const ops = [...this.#ops.values()];
    this.#reqs.clear();
    this.#ops.clear();
    this.#active = 0;
    busy.delete(this);
    for (const rec of reqs) rec.fail({ ...cancelled });
    for (const op of ops) {
      if (op.onAbort) op.signal.removeEventListener('abort', op.onAbort);
      op.reject(fromNative({ ...cancelled }));
    }
  }

  isConnected() {
    return this.#native.state() === 2;
  }

  /** 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed' */
  getState() {
    return STATE_NAMES[this.#native.state()] || 'closed';
  }

  /** The tenant id in effect (set once connected), or undefined before the first connection. */
  getTenantId() {
    return this.#native.tenantId();
  }

  /** Version string from the server's last welcome, or undefined. */
  getServerVersion() {
    return this.#native.serverVersion();
  }

  /** Whether the server announced a protocol extension ("interleave", "cancel", "retry_after", "terminal"). */
  hasExtension(name) {
    try {
      return this.#native.hasExtension(String(name));
    } catch (e) {
      throw toRealmError(e);
    }
  }

  // ---- requests

  /**
   * Text generation; resolves with { text, finishReason, usage, model, timeToFirstTokenMs,
   * tokensPerSecond, totalTimeMs, tokens_generated, prompt_tokens?, cost_usd?, time_ms? }.
   */
  generate(options) {
    return settle((resolve, reject) => {
      const o = checkOptions(options, 'generate');
      const signal = checkSignal(o.signal, 'generate');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#generate(MODE_TEXT, o, undefined), MODE_TEXT, resolve, reject, signal);
    });
  }

  /** Streaming generation: an async iterator of token strings (use with `for await`). */
  generateStream(options) {
    const o = checkOptions(options, 'generateStream');
    const signal = checkSignal(o.signal, 'generateStream');
    return new TokenStream(this, o, signal);
  }

  /** Chat completion of `messages` ([{ role, content }, ...]); resolves with generate's result shape. */
  chat(messages, options) {
    return settle((resolve, reject) => {
      const o = checkChatOptions(messages, options, 'chat');
      const signal = checkSignal(o.signal, 'chat');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#generate(MODE_TEXT, o, messages), MODE_TEXT, resolve, reject, signal);
    });
  }

  /** Streaming chat completion: an async iterator of token strings; `.result` once finished. */
  chatStream(messages, options) {
    const o = checkChatOptions(messages, options, 'chatStream');
    const signal = checkSignal(o.signal, 'chatStream');
    const stream = new TokenStream(this, o, signal);
    stream._messages = messages;
    return stream;
  }

  /** The server's model list (openai-http: GET {base}/models), as the server sent it. */
  models(options = {}) {
    return settle((resolve, reject) => {
      const o = checkOptions(options, 'models');
      const signal = checkSignal(o.signal, 'models');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#native.models(o.timeout, o.idleTimeout), MODE_JSON, resolve, reject, signal);
    });
  }

  /** Runs a server pipeline; resolves with the server's result data. */
  executePipeline(name, input, options = {}) {
    return this.#namedJsonCall('executePipeline', 'name', 'input', name, input, options, (n, json, o) =>
      this.#native.pipeline(n, json, o.timeout, o.idleTimeout),
    );
  }

  /**
   * Calls any server function by name with JSON params (undefined = {});
   * resolves with the server's result data.
   */
  call(functionName, params, options = {}) {
    return this.#namedJsonCall('call', 'function name', 'params', functionName, params, options, (n, json, o) =>
      this.#native.call(n, json, o.timeout, o.idleTimeout),
    );
  }

  /** Server health object. */
  health(options = {}) {
    return settle((resolve, reject) => {
      const o = checkOptions(options, 'health');
      const signal = checkSignal(o.signal, 'health');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#native.health(o.timeout, o.idleTimeout), MODE_JSON, resolve, reject, signal);
    });
  }

  /** Server function catalogue. */
  metadata(options = {}) {
    return settle((resolve, reject) => {
      const o = checkOptions(options, 'metadata');
      const signal = checkSignal(o.signal, 'metadata');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#native.metadata(o.timeout, o.idleTimeout), MODE_JSON, resolve, reject, signal);
    });
  }

  // ---- events

  on(event, listener) {
    this.#listenersOf(event, listener).push(listener);
    if (event === 'token') this.#native.setTokenEvents(true);
    return this;
  }

  off(event, listener) {
    const list = this.#listenersOf(event, listener);
    const i = list.lastIndexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (event === 'token' && list.length === 0) this.#native.setTokenEvents(false);
    return this;
  }

  #listenersOf(event, listener) {
    if (!EVENTS.includes(event)) {
      throw invalid(`unknown event '${event}' (expected one of ${EVENTS.join(', ')})`);
    }
    if (typeof listener !== 'function') throw invalid(`listener for '${event}' must be a function`);
    return this.#listeners[event];
  }

  #emit(event, ...args) {
    const list = this.#listeners[event];
    if (list.length === 0) return;
    for (const fn of list.slice()) {
      try {
        fn.apply(this, args);
      } catch (e) {
        reportListenerError(e);
      }
    }
  }

  // ---- internals (also used by TokenStream)

  _startStream(stream) {
    const id = this.#generate(MODE_STREAM, stream._options, stream._messages);
    if (typeof id === 'number') {
      this.#reqs.set(id, stream);
      this.#retain();
    }
    return id;
  }

  // generate, generateStream, chat (messages set) and chatStream.
  #generate(mode, o, messages) {
    return this.#native.generate(
      mode,
      o.prompt,
      o.model,
      either(o, 'maxTokens', 'max_tokens'),
      o.temperature,
      either(o, 'topP', 'top_p'),
      either(o, 'topK', 'top_k'),
      either(o, 'repetitionPenalty', 'repetition_penalty'),
      o.stream,
      extraJson(o.extraParams),
      o.timeout,
      o.idleTimeout,
      messages,
      o.stop,
      o.presencePenalty,
      o.frequencyPenalty,
      o.seed,
      o.systemPrompt,
    );
  }

  _cancel(id) {
    this.#native.cancel(id);
  }

  // executePipeline and call: a name, a JSON value, one JSON result.
  #namedJsonCall(what, nameWhat, valueWhat, name, value, options, start) {
    return settle((resolve, reject) => {
      if (typeof name !== 'string') throw invalid(`${what}: ${nameWhat} must be a string`);
      const o = checkOptions(options, what);
      const signal = checkSignal(o.signal, what);
      if (signal && signal.aborted) throw abortedError(signal);
      const json = value === undefined ? undefined : toJson(value, `${what}: ${valueWhat}`);
      this.#startCall(() => start(name, json, o), MODE_JSON, resolve, reject, signal);
    });
  }

  #startCall(start, mode, resolve, reject, signal) {
    const id = start();
    if (typeof id !== 'number') {
      reject(fromNative(id));
      return;
    }
    const call = new Call(mode, resolve, reject, signal);
    this.#reqs.set(id, call);
    this.#retain();
    if (signal) {
      call.onAbort = () => this.#native.cancel(id);
      signal.addEventListener('abort', call.onAbort, { once: true });
    }
  }

  #op(kind, signal) {
    return new Promise((resolve, reject) => {
      const token = ++this.#nextOp;
      const err = kind === 'connect' ? this.#native.connect(token) : this.#native.disconnect(token);
      if (err) {
        reject(fromNative(err));
        return;
      }
      const op = { resolve, reject, signal, onAbort: null };
      if (signal) {
        // Aborting a pending connect gives up connecting (the core's disconnect).
        op.onAbort = () => {
          if (this.#ops.has(token)) this.#op('disconnect', undefined).catch(() => {});
        };
        signal.addEventListener('abort', op.onAbort, { once: true });
      }
      this.#ops.set(token, op);
      this.#retain();
    }).catch((e) => {
      throw toRealmError(e);
    });
  }

  #retain() {
    if (this.#active++ === 0) {
      busy.add(this);
      this.#native.setRef(true);
    }
  }

  #release() {
    if (--this.#active === 0) {
      this.#native.setRef(false);
      busy.delete(this);
    }
  }

  // Called by the addon once per burst with everything the core delivered.
  #dispatch(n, vals, fresh, text) {
    if (fresh !== undefined) this.#meta = fresh;
    const m = this.#meta;
    const reqs = this.#reqs;
    let i = 0;
    let v = 0;
    let p = 0; // offset in `text`
    while (i < n) {
      const kind = m[i];
      if (kind === W_TOKENS) {
        const id = m[i + 1];
        const count = m[i + 2];
        i += 3;
        const rec = reqs.get(id);
        if (rec !== undefined) rec.tokens(text, p, m, i, count);
        if (this.#listeners.token.length !== 0) this.#emitTokens(text, p, m, i, count);
        for (let k = 0; k < count; k++) p += m[i + k];
        i += count;
      } else if (kind === W_COMPLETE) {
        const id = m[i + 1];
        i += 2;
        const val = vals[v++];
        const rec = reqs.get(id);
        if (rec !== undefined) {
          reqs.delete(id);
          this.#release();
          rec.complete(val);
        }
      } else if (kind === W_FAILED) {
        const id = m[i + 1];
        i += 3;
        const err = vals[v++];
        const rec = reqs.get(id);
        if (rec !== undefined) {
          reqs.delete(id);
          this.#release();
          rec.fail(err);
        }
      } else if (kind === W_CLIENT) {
        const type = m[i + 1];
        const closeCode = m[i + 2];
        const attempt = m[i + 3];
        const delay = m[i + 4];
        i += 5;
        this.#clientEvent(type, closeCode, attempt, delay, vals[v++]);
      } else if (kind === W_OP_DONE) {
        const token = m[i + 1];
        const status = m[i + 2];
        i += 3;
        const err = vals[v++];
        const op = this.#ops.get(token);
        if (op !== undefined) {
          this.#ops.delete(token);
          this.#release();
          if (op.onAbort) op.signal.removeEventListener('abort', op.onAbort);
          if (status === 0) op.resolve();
          else op.reject(fromNative(err, op.signal && op.signal.aborted ? op.signal.reason : undefined));
        }
      } else {
        break; // unknown word: the addon and this file disagree
      }
    }
  }

  #emitTokens(text, p, m, at, count) {
    for (let k = 0; k < count; k++) {
      const len = m[at + k];
      this.#emit('token', text.slice(p, p + len));
      p += len;
    }
  }

  #clientEvent(type, closeCode, attempt, delay, info) {
    const error = info.error ? fromNative(info.error) : undefined;
    if (type === EV_CONNECTED) {
      this.#emit('connected', { tenantId: info.tenantId, serverVersion: info.serverVersion });
    } else if (type === EV_DISCONNECTED) {
      this.#emit('disconnected', { code: closeCode, reason: info.reason || '', error });
    } else if (type === EV_RECONNECTING) {
      this.#emit('reconnecting', { attempt, delay, error });
    } else if (type === EV_ERROR) {
      if (error) this.#emit('error', error);
    }
  }
}

// new Promise whose executor's exceptions become RealmErrors.
function settle(executor) {
  return new Promise((resolve, reject) => {
    try {
      executor(resolve, reject);
    } catch (e) {
      reject(toRealmError(e));
    }
  });
}

module.exports = { RealmWebSocketClient, CORE_OPTIONS, reportListenerError };
