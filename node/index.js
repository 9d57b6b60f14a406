'use strict';
// @realm-ai/ws-client: the Realm WebSocket client for Node, on the librealm core.
//
// This file only adapts the core to JavaScript: types, errors, promises,
// AbortSignal, events and a pull iterator for token streams. Protocol,
// timeouts, reconnection, tenant rules and defaults are the core's
// (include/realm/realm.h); the addon (bindings/node/addon.cpp) delivers the
// core's events in one call per burst, described below.
const native = require('./native.js');

// Event words written by the addon into the shared Int32Array (bindings/node/burst.h).
const W_TOKENS = 1; // [1, id, count, utf16len x count]      text: the burst's token text
const W_COMPLETE = 2; // [2, id]                              vals: result (array, JSON text or token count)
const W_FAILED = 3; // [3, id, outcome]                       vals: error object
const W_CLIENT = 4; // [4, type, closeCode, attempt, delayMs] vals: info object
const W_OP_DONE = 5; // [5, token, status]                     vals: error object or null

const MODE_TEXT = 0;
const MODE_STREAM = 1;
const MODE_JSON = 2;

const EV_CONNECTED = 1;
const EV_DISCONNECTED = 2;
const EV_RECONNECTING = 3;
const EV_ERROR = 4;

const STATE_NAMES = ['disconnected', 'connecting', 'connected', 'reconnecting', 'closed'];
const EVENTS = ['connected', 'disconnected', 'reconnecting', 'error', 'token'];

// ---------------------------------------------------------------- errors

const ERROR_TABLE = Object.freeze(native.errorTable().map((row) => Object.freeze(row)));
const BY_NAME = new Map(ERROR_TABLE.map((row) => [row.name, row]));
const BY_STATUS = new Map(ERROR_TABLE.map((row) => [row.status, row]));

/** Every code of the core's error table, e.g. ErrorCodes.RATE_LIMIT_EXCEEDED === "RATE_LIMIT_EXCEEDED". */
const ErrorCodes = Object.freeze(
  Object.fromEntries(ERROR_TABLE.filter((row) => row.status !== 0).map((row) => [row.name, row.name])),
);

class RealmError extends Error {
  /**
   * @param {string} code     core error code (see ErrorCodes) or the server's code verbatim
   * @param {string} message
   * @param {object} [details] { status, retryAfter, retryable, httpStatus, closeCode, cause }
   */
  constructor(code, message, details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    const row = (details.status !== undefined && BY_STATUS.get(details.status)) || BY_NAME.get(code);
    this.name = 'RealmError';
    this.code = code;
    this.retryAfter = details.retryAfter;
    this.retryable = details.retryable !== undefined ? Boolean(details.retryable) : Boolean(row && row.retryable);
    this.status = details.status !== undefined ? details.status : row ? row.status : undefined;
    this.category = row ? row.category : 'server';
    this.httpStatus = details.httpStatus;
    this.closeCode = details.closeCode;
  }
}

function fromNative(obj, cause) {
  const details = obj;
  if (cause !== undefined) details.cause = cause;
  return new RealmError(obj.code, obj.message, details);
}

// Errors thrown by the addon itself (argument validation) carry .code/.status.
function toRealmError(e) {
  if (e instanceof RealmError) return e;
  if (e && typeof e.code === 'string' && typeof e.status === 'number') {
    return new RealmError(e.code, e.message, { status: e.status });
  }
  return e;
}

function abortedError(signal) {
  return new RealmError('CANCELLED', 'the request was aborted', {
    status: BY_NAME.get('CANCELLED').status,
    cause: signal.reason,
  });
}

function invalid(message) {
  return new RealmError('INVALID_ARGUMENT', message, { status: BY_NAME.get('INVALID_ARGUMENT').status });
}

function checkSignal(signal, what) {
  if (signal === undefined || signal === null) return undefined;
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid(`${what}: 'signal' must be an AbortSignal`);
  }
  return signal;
}

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

// ---------------------------------------------------------------- requests

// One promise-returning request (generate, health, metadata, pipeline).
class Call {
  constructor(mode, resolve, reject, signal) {
    this.mode = mode;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = signal;
    this.onAbort = null;
  }
  tokens() {}
  complete(val) {
    this.unlisten();
    if (this.mode === MODE_JSON) {
      let parsed;
      try {
        parsed = JSON.parse(val);
      } catch (e) {
        this.reject(new RealmError('PROTOCOL_ERROR', `result is not valid JSON: ${e.message}`));
        return;
      }
      this.resolve(parsed);
    } else {
      // [text, tokens_generated, prompt_tokens, cost_usd, time_ms] (bindings/node/client.cpp, ResultValue)
      const result = { text: val[0], tokens_generated: val[1] };
      if (val[2] !== undefined) result.prompt_tokens = val[2];
      if (val[3] !== undefined) result.cost_usd = val[3];
      if (val[4] !== undefined) result.time_ms = val[4];
      this.resolve(result);
    }
  }
  fail(errObj) {
    this.unlisten();
    this.reject(fromNative(errObj, this.signal && this.signal.aborted ? this.signal.reason : undefined));
  }
  unlisten() {
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}

const DONE_RESULT = Object.freeze({ value: undefined, done: true });

// Fewer buffered tokens of a burst than this are sliced into strings at once.
const kMinRun = 8;

// Consecutive tokens of one burst for one stream, sliced when taken.
class TokenRun {
  constructor(text, p, lens) {
    this.text = text;
    this.p = p; // offset of the next token in text
    this.lens = lens; // Int32Array of UTF-16 lengths
    this.k = 0; // index of the next token
  }

  take() {
    const len = this.lens[this.k++];
    const tok = this.text.slice(this.p, this.p + len);
    this.p += len;
    return tok;
  }
}

/**
 * The object returned by generateStream(): an async iterator of token strings
 * over a JS-side buffer. The request starts on the first next(); leaving a
 * `for await` loop early (return()) or aborting the signal cancels it.
 */
class TokenStream {
  constructor(client, options, signal) {
    this._client = client;
    this._options = options;
    this._signal = signal;
    this._onAbort = null;
    this._id = 0; // request id while in flight
    this._started = false;
    this._finished = false; // no more tokens for the consumer
    this._error = null; // thrown after the buffered tokens
    // Tokens not yet taken: strings, and TokenRun chunks sliced on demand.
    this._buf = [];
    this._head = 0;
    this._resolve = null; // the parked next()
    this._reject = null;
    this._more = null; // further parked next() calls (rare)
    this._onDone = null; // return() waiting for the request to end
    this.result = undefined; // { tokens_generated } once complete
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    const buf = this._buf;
    if (this._head < buf.length) {
      const item = buf[this._head];
      let value;
      if (typeof item === 'string') {
        value = item;
        this._head++;
      } else {
        value = item.take();
        if (item.k === item.lens.length) this._head++;
      }
      if (this._head === buf.length) {
        buf.length = 0;
        this._head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (!this._started) {
      const err = this._start();
      if (err) return Promise.reject(err);
    }
    if (this._finished) {
      if (this._error !== null) {
        const e = this._error;
        this._error = null;
        return Promise.reject(e);
      }
      return Promise.resolve(DONE_RESULT);
    }
    return new Promise((resolve, reject) => {
      if (this._resolve === null) {
        this._resolve = resolve;
        this._reject = reject;
      } else {
        (this._more || (this._more = [])).push([resolve, reject]);
      }
    });
  }

  return(value) {
    const done = { value, done: true };
    this._started = true;
    if (this._finished && this._id === 0) return Promise.resolve(done);
    this._finished = true;
    this._error = null;
    this._buf.length = 0;
    this._head = 0;
    this._settleWaiters(done, null);
    if (this._id === 0) return Promise.resolve(done);
    const id = this._id;
    return new Promise((resolve) => {
      this._onDone = () => resolve(done);
      this._client._cancel(id);
    });
  }

  throw(err) {
    return this.return(undefined).then(() => Promise.reject(err));
  }

  /** Cancels the stream (same as leaving the loop); resolves once the request ended. */
  cancel() {
    return this.return(undefined).then(() => undefined);
  }

  // ---- internal

  _start() {
    this._started = true;
    const signal = this._signal;
    if (signal && signal.aborted) {
      this._finished = true;
      return abortedError(signal);
    }
    let id;
    try {
      id = this._client._startStream(this);
    } catch (e) {
      this._finished = true;
      return toRealmError(e);
    }
    if (typeof id !== 'number') {
      this._finished = true;
      return fromNative(id);
    }
    this._id = id;
    if (signal) {
      this._onAbort = () => this._client._cancel(id);
      signal.addEventListener('abort', this._onAbort, { once: true });
    }
    return null;
  }

  _settleWaiters(result, error) {
    if (this._resolve === null) return;
    const resolve = this._resolve;
    const reject = this._reject;
    this._resolve = this._reject = null;
    if (error) reject(error);
    else resolve(result);
    if (this._more) {
      const more = this._more;
      this._more = null;
      for (const [res, rej] of more) {
        if (error) rej(error);
        else res(DONE_RESULT);
      }
    }
  }

  tokens(text, p, m, at, count) {
    if (this._finished) return;
    // Tokens for waiting next() calls (normally one), and short bursts, are
    // sliced at once. Longer bursts stay one run: the burst's text and a copy
    // of the lengths, each token sliced when taken. A consumer that falls
    // behind then holds a few objects per burst instead of one string per
    // token (which kept V8's young generation growing: +15-20 MB peak RSS
    // with 100 streams).
    let k = 0;
    while (k < count && (this._resolve !== null || count - k < kMinRun)) {
      const len = m[at + k++];
      this._push(text.slice(p, p + len));
      p += len;
    }
    if (k < count) this._buf.push(new TokenRun(text, p, m.slice(at + k, at + count)));
  }

  _push(tok) {
    if (this._resolve !== null) {
      const resolve = this._resolve;
      if (this._more) {
        const [res, rej] = this._more.shift();
        this._resolve = res;
        this._reject = rej;
        if (this._more.length === 0) this._more = null;
      } else {
        this._resolve = this._reject = null;
      }
      resolve({ value: tok, done: false });
    } else {
      this._buf.push(tok);
    }
  }

  _ended() {
    this._id = 0;
    if (this._onAbort) this._signal.removeEventListener('abort', this._onAbort);
    if (this._onDone) {
      const f = this._onDone;
      this._onDone = null;
      f();
    }
  }

  complete(tokensGenerated) {
    this.result = { tokens_generated: tokensGenerated };
    const wasFinished = this._finished;
    this._finished = true;
    if (!wasFinished) this._settleWaiters(DONE_RESULT, null);
    this._ended();
  }

  fail(errObj) {
    const wasFinished = this._finished;
    this._finished = true;
    if (!wasFinished) {
      const err = fromNative(errObj, this._signal && this._signal.aborted ? this._signal.reason : undefined);
      if (this._resolve !== null) this._settleWaiters(null, err);
      else this._error = err;
    }
    this._ended();
  }
}

// ---------------------------------------------------------------- the client

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
   * @param {object} options { model (required), url, apiKey, tenantId, reconnect, reconnectInterval,
   *   timeout, connectTimeout, idleTimeout, backoffCap, backoffMaxAttempts, backoffJitterPercent,
   *   pingInterval, tlsCaFile, tlsInsecure, maxMessageSize, maxQueuedRequests }
   */
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw invalid('new RealmWebSocketClient(options): options must be an object, e.g. { model: "llama-2-7b" }');
    }
    if (typeof options.model !== 'string' || options.model.length === 0) {
      throw invalid(
        'new RealmWebSocketClient(options): options.model is required ' +
          '(a non-empty string naming the model, e.g. { model: "llama-2-7b" })',
      );
    }
    this.#meta = new Int32Array(16384);
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
    const cancelled = { code: 'CANCELLED', message: 'the client was closed', status: BY_NAME.get('CANCELLED').status };
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
    return this.#native.hasExtension(String(name));
  }

  // ---- requests

  /** Text generation; resolves with { text, tokens_generated, prompt_tokens?, cost_usd?, time_ms? }. */
  generate(options) {
    return settle((resolve, reject) => {
      const o = checkOptions(options, 'generate');
      const signal = checkSignal(o.signal, 'generate');
      if (signal && signal.aborted) throw abortedError(signal);
      this.#startCall(() => this.#generate(MODE_TEXT, o), MODE_TEXT, resolve, reject, signal);
    });
  }

  /** Streaming generation: an async iterator of token strings (use with `for await`). */
  generateStream(options) {
    const o = checkOptions(options, 'generateStream');
    const signal = checkSignal(o.signal, 'generateStream');
    return new TokenStream(this, o, signal);
  }

  /** Runs a server pipeline; resolves with the server's result data. */
  executePipeline(name, input, options = {}) {
    return settle((resolve, reject) => {
      if (typeof name !== 'string') throw invalid('executePipeline: name must be a string');
      const o = checkOptions(options, 'executePipeline');
      const signal = checkSignal(o.signal, 'executePipeline');
      if (signal && signal.aborted) throw abortedError(signal);
      const json = input === undefined ? undefined : toJson(input, 'executePipeline: input');
      this.#startCall(() => this.#native.pipeline(name, json, o.timeout, o.idleTimeout), MODE_JSON, resolve, reject, signal);
    });
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
    const id = this.#generate(MODE_STREAM, stream._options);
    if (typeof id === 'number') {
      this.#reqs.set(id, stream);
      this.#retain();
    }
    return id;
  }

  #generate(mode, o) {
    return this.#native.generate(
      mode,
      o.prompt,
      o.model,
      o.max_tokens,
      o.temperature,
      o.top_p,
      o.top_k,
      o.repetition_penalty,
      o.stream,
      extraJson(o.extraParams),
      o.timeout,
      o.idleTimeout,
    );
  }

  _cancel(id) {
    this.#native.cancel(id);
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

function checkOptions(options, what) {
  if (options === undefined || options === null) {
    if (what === 'generate' || what === 'generateStream') throw invalid(`${what}: options with a 'prompt' are required`);
    return {};
  }
  if (typeof options !== 'object') throw invalid(`${what}: options must be an object`);
  return options;
}

function extraJson(extra) {
  if (extra === undefined || extra === null) return undefined;
  if (typeof extra !== 'object' || Array.isArray(extra)) throw invalid("'extraParams' must be a plain object");
  return toJson(extra, "'extraParams'");
}

// JSON text of a value the user sends; what JSON.stringify cannot write
// (a BigInt, a cycle, a function) is an INVALID_ARGUMENT, not a TypeError.
function toJson(value, what) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw invalid(`${what} cannot be sent as JSON: ${e.message.split('\n')[0]}`);
  }
  if (json === undefined) throw invalid(`${what} cannot be sent as JSON (a ${typeof value})`);
  return json;
}

module.exports = {
  RealmWebSocketClient,
  RealmError,
  ErrorCodes,
  TokenStream,
  errorTable: ERROR_TABLE,
  coreVersion: native.version,
};
module.exports.default = RealmWebSocketClient;
