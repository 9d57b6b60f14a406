'use strict';
// WSClient: the API of the upstream ws-system client (WSClient of
// monkeyscanjump/ollama-ws-system, documented in its docs/CLIENT.md;
// ws-system.md 6) on the librealm core with the "ws-system" dialect.
//
// Everything the protocol needs is the core's: the challenge signature,
// timeouts, keepalive pings, reconnection with backoff, stop, batches and the
// error codes. This file maps option names onto the core's, derives the
// seven status names from the core's connection events, and turns the
// addon's bursts into the seed's events (token, generation_start,
// generation_end, error, pong, ack, ...).
const { EventEmitter } = require('node:events');
const native = require('./native.js');
const { ERROR_TABLE, fromNative, toRealmError, invalid, statusOf } = require('./errors.js');
const { checkSignal, toJson } = require('./arguments.js');
const { GenerationStream } = require('./requests.js');
const { ConnectionStatus, STATUS_NAMES, coreOptions } = require('./ws_options.js');

// Event words written by the addon (bindings/node/burst.h).
const W_TOKENS = 1;
const W_COMPLETE = 2;
const W_FAILED = 3;
const W_CLIENT = 4;
const W_OP_DONE = 5;
const W_STARTED = 6;
// Delivery modes (burst.h): ws-system requests, without / with the generated text.
const MODE_WS = 3;
const MODE_WS_TEXT = 4;

const EV_CONNECTED = 1;
const EV_DISCONNECTED = 2;
const EV_RECONNECTING = 3;
const EV_ERROR = 4;
const STATE_DISCONNECTED = 0;
const STATE_CONNECTED = 2;
const OUTCOME_CANCELLED = 3;

// The ws-system dialect's reconnect attempts (the core's default for it;
// WSClient has no option for it, as upstream has none).
const MAX_RECONNECT_ATTEMPTS = 10;

const DESCRIPTIONS = new Map(ERROR_TABLE.map((row) => [row.status, row.description]));

// Listener exceptions are reported like uncaught ones, without breaking the
// delivery of the rest of a burst.
function reportListenerError(e) {
  process.nextTick(() => {
    throw e;
  });
}

// Clients with work in flight, so that GC cannot collect one whose promises
// or events are still pending.
const busy = new Set();

class WSClient extends EventEmitter {
  #native;
  #onNative;
  #meta;
  #status = ConnectionStatus.DISCONNECTED;
  #reqs = new Map(); // addon request id -> record
  #byWire = new Map(); // generation id -> addon request id
  #ops = new Map();
  #nextOp = 0;
  #active = 0;
  #connecting = null; // the pending connect() promise
  #closing = 0; // disconnect() calls in progress: their close is reported by disconnect() itself
  #host;

  /**
   * @param {object} options { serverUrl, clientId, privateKeyPath (or privateKey), signatureAlgorithm,
   *   autoReconnect, reconnectDelay, pingInterval, requestTimeout, autoConnect, privateKeyPassphrase }
   */
  constructor(options) {
    super();
    const pairs = coreOptions(options);
    this.#meta = new Int32Array(256);  // grown by the addon when a burst needs more
    // The addon holds this function weakly: the client must keep it.
    this.#onNative = (n, vals, fresh, text) => this.#dispatch(n, vals, fresh, text);
    try {
      this.#native = new native.NativeClient({ coreOptions: pairs }, this.#onNative, this.#meta);
    } catch (e) {
      throw toRealmError(e);
    }
    // What generateStream()'s iterator calls (TokenStream's client interface).
    this.#host = {
      _startStream: (stream) => this.#startStream(stream),
      _cancel: (id) => this.#native.cancel(id),
      ensureConnected: () => this.#ensureConnected(),
    };
    if (options.autoConnect) {
      // Failures are reported through the 'error' event (the core's).
      process.nextTick(() => this.connect().catch(() => {}));
    }
  }

  // ---- connection

  /** Connects and authenticates; resolves once authenticated. */
  connect() {
    if (this.#native.state() === STATE_CONNECTED) return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    this.#setStatus(ConnectionStatus.CONNECTING);
    const p = this.#op('connect').then(
      () => {
        this.#connecting = null;
      },
      (e) => {
        this.#connecting = null;
        if (e.category === 'auth' || e.category === 'rate_limit') {
          this.#setStatus(ConnectionStatus.AUTH_FAILED, e.message);
        } else if (this.#status === ConnectionStatus.CONNECTING) {
          this.#status = ConnectionStatus.DISCONNECTED;
        }
        throw e;
      },
    );
    this.#connecting = p;
    return p;
  }

  /**
   * Closes the connection and stops reconnecting; generations in flight end
   * as cancelled. Emits 'disconnected' { code: 1000, reason: 'Client disconnected' }.
   * Returns a promise that resolves once closed.
   */
  disconnect() {
    this.#closing++;
    const p = this.#op('disconnect').finally(() => {
      this.#closing--;
    });
    this.#setStatus(ConnectionStatus.DISCONNECTED, { code: 1000, reason: 'Client disconnected' });
    return p;
  }

  /** Destroys the native client now; the client cannot be used afterwards. */
  close() {
    this.#native.close();
    const reqs = [...this.#reqs.values()];
    const ops = [...this.#ops.values()];
    this.#reqs.clear();
    this.#byWire.clear();
    this.#ops.clear();
    this.#active = 0;
    busy.delete(this);
    const cancelled = { code: 'CANCELLED', message: 'the client was closed', status: statusOf('CANCELLED') };
    for (const rec of reqs) this.#ended(rec, OUTCOME_CANCELLED, { ...cancelled });
    for (const op of ops) op.reject(fromNative({ ...cancelled }));
    this.#status = ConnectionStatus.DISCONNECTED;
  }

  /**
   * 'disconnected', 'connecting', 'connected', 'authenticated', 'auth_failed',
   * 'reconnecting' or 'reconnect_failed'.
   */
  getStatus() {
    return this.#status;
  }

  /** Connected and authenticated. */
  isReady() {
    return this.#native.state() === STATE_CONNECTED;
  }

  // ---- requests

  /**
   * Starts a generation; resolves with its id as soon as it is sent (tokens
   * arrive as 'token' events, then one 'generation_end' or one 'error').
   */
  async generate(prompt, model, options) {
    await this.#ensureConnected();
    const id = this.#startGeneration(prompt, model, options, MODE_WS, null);
    return this.#reqs.get(id).id;
  }

  /**
   * Streams a generation: an async iterator of tokens. `options.signal`
   * (AbortSignal) stops it; leaving the loop early stops it too. Once done,
   * the iterator's final value and `.result` are { text, totalTokens, elapsedTime, model }.
   */
  generateStream(prompt, model, options) {
    let signal;
    let rest = options;
    if (options !== undefined && options !== null && typeof options === 'object' && 'signal' in options) {
      ({ signal, ...rest } = options);
    }
    signal = checkSignal(signal, 'generateStream');
    return new GenerationStream(this.#host, { prompt, model, options: rest }, signal);
  }

  /** Stops a generation (the core sends `stop` at once, also before stream_start). Unknown ids are ignored. */
  async stopGeneration(generationId) {
    const id = this.#byWire.get(generationId);
    if (id !== undefined) this.#native.cancel(id);
  }

  /** The server's models (Ollama model objects). */
  async listModels() {
    await this.#ensureConnected();
    return new Promise((resolve, reject) => {
      this.#track(this.#native.models(undefined, undefined, MODE_WS), 'models', { resolve, reject });
    });
  }

  /** Sends a ping; resolves with (and emits 'pong') { latency (round trip, ms), id, timestamp (server's) }. */
  async ping() {
    await this.#ensureConnected();
    return new Promise((resolve, reject) => {
      this.#track(this.#native.call('ping', '{}', undefined, undefined, MODE_WS), 'ping', { resolve, reject });
    });
  }

  /**
   * Sends messages ({ type: 'generate' | 'models' | 'ping' | 'stop', ... })
   * as one `batch` frame; resolves with their ids once sent. Their answers
   * arrive as events: token / generation_start / generation_end / error for
   * generations, 'models' ({ id, models }), 'pong', and 'ack' for stops.
   * A stop naming a generation of this client stops it at once (a stop
   * placed in the batch would run only after the batch's earlier items).
   */
  async sendBatch(messages) {
    if (!Array.isArray(messages)) throw invalid('sendBatch(messages): messages must be an array');
    await this.#ensureConnected();
    const err = this.#native.batchBegin();
    if (err) throw fromNative(err);
    const ids = [];
    const started = [];
    const stops = [];
    try {
      for (const m of messages) {
        if (m === null || typeof m !== 'object') throw invalid('sendBatch: every message must be an object');
        let id;
        if (m.type === 'generate') {
          id = this.#startGeneration(m.prompt, m.model, m.options, MODE_WS, null);
        } else if (m.type === 'models') {
          id = this.#track(this.#native.models(undefined, undefined, MODE_WS), 'models', null);
        } else if (m.type === 'ping') {
          id = this.#track(this.#native.call('ping', '{}', undefined, undefined, MODE_WS), 'ping', null);
        } else if (m.type === 'stop') {
          const target = this.#byWire.get(m.requestId);
          if (target !== undefined) {
            stops.push(target);
            ids.push(m.requestId);
            continue;
          }
          if (typeof m.requestId !== 'string') throw invalid("sendBatch: a 'stop' message needs requestId");
          const params = toJson({ requestId: m.requestId }, 'sendBatch: stop');
          id = this.#track(this.#native.call('stop', params, undefined, undefined, MODE_WS), 'stop', null);
        } else {
          throw invalid(`sendBatch: unsupported message type '${m.type}' (expected generate, models, ping or stop)`);
        }
        started.push(id);
        ids.push(this.#reqs.get(id).id);
      }
    } catch (e) {
      for (const id of started) {
        const rec = this.#reqs.get(id);
        if (rec) rec.silent = true;
      }
      this.#native.batchDiscard();
      throw toRealmError(e);
    }
    if (started.length > 0) {
      const sendErr = this.#native.batchSend();
      if (sendErr) throw fromNative(sendErr);
    } else {
      this.#native.batchDiscard();
    }
    for (const id of stops) this.#native.cancel(id);
    return ids;
  }

  // ---- subscriptions (each returns its unsubscribe function)

  onToken(callback) {
    return this.#subscribe('token', callback);
  }

  onGenerationStart(callback) {
    return this.#subscribe('generation_start', callback);
  }

  onGenerationEnd(callback) {
    return this.#subscribe('generation_end', callback);
  }

  onError(callback) {
    return this.#subscribe('error', callback);
  }

  /** Calls back with the new status on each of the seven connection events. */
  onConnectionChange(callback) {
    if (typeof callback !== 'function') throw invalid('onConnectionChange: callback must be a function');
    const handlers = STATUS_NAMES.map((name) => [name, () => callback(name)]);
    for (const [name, h] of handlers) this.on(name, h);
    return () => {
      for (const [name, h] of handlers) this.off(name, h);
    };
  }

  #subscribe(event, callback) {
    if (typeof callback !== 'function') throw invalid(`${event} callback must be a function`);
    const handler = (e) => callback(e);
    this.on(event, handler);
    return () => this.off(event, handler);
  }

  // ---- internals

  // A connect() to wait for when the core is not connected and not trying
  // to (it queues requests while it connects or reconnects); else null.
  #ensureConnected() {
    if (this.#native.state() !== STATE_DISCONNECTED) return null;
    return this.connect();
  }

  #startGeneration(prompt, model, options, mode, stream) {
    if (typeof prompt !== 'string') throw invalid('generate: prompt must be a string');
    if (model !== undefined && model !== null && typeof model !== 'string') {
      throw invalid('generate: model must be a string');
    }
    let extra;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || Array.isArray(options)) throw invalid('generate: options must be an object');
      extra = toJson(options, 'generate: options');
    }
    // Generations are not bounded by requestTimeout (upstream's is for
    // requests that wait for one answer); stop or abort them instead.
    let r;
    try {
      // (mode, prompt, model, max_tokens, temperature, top_p, top_k,
      //  repetition_penalty, stream, extraJson, timeout, idleTimeout)
      const u = undefined;
      r = this.#native.generate(mode, prompt, model, u, u, u, u, u, true, extra, Infinity, u);
    } catch (e) {
      throw toRealmError(e);
    }
    return this.#track(r, 'generate', null, stream);
  }

  #startStream(stream) {
    const o = stream._options;
    try {
      const id = this.#startGeneration(o.prompt, o.model, o.options, MODE_WS_TEXT, stream);
      stream.id = this.#reqs.get(id).id;
      return id;
    } catch (e) {
      const err = toRealmError(e);
      return { code: err.code, message: err.message, status: err.status };
    }
  }

  // Registers a started request (r = addon id, or an error object) and returns its addon id.
  #track(r, kind, promise, stream) {
    if (typeof r !== 'number') {
      const err = fromNative(r);
      if (promise) {
        promise.reject(err);
        return undefined;
      }
      throw err;
    }
    const wire = this.#native.wireId(r);
    const rec = {
      id: wire,
      kind,
      tokens: 0,
      resolve: promise ? promise.resolve : null,
      reject: promise ? promise.reject : null,
      stream: stream || null,
      silent: false,
    };
    this.#reqs.set(r, rec);
    if (kind === 'generate') this.#byWire.set(wire, r);
    this.#retain();
    return r;
  }

  #op(kind) {
    return new Promise((resolve, reject) => {
      const token = ++this.#nextOp;
      const err = kind === 'connect' ? this.#native.connect(token) : this.#native.disconnect(token);
      if (err) {
        reject(fromNative(err));
        return;
      }
      this.#ops.set(token, { resolve, reject });
      this.#retain();
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

  #emitSafe(event, arg) {
    if (event === 'error' && this.listenerCount('error') === 0) return; // not thrown, unlike EventEmitter
    try {
      this.emit(event, arg);
    } catch (e) {
      reportListenerError(e);
    }
  }

  #setStatus(status, payload) {
    this.#status = status;
    this.#emitSafe(status, payload);
  }

  // A RealmError carrying the seed's ErrorObject members (message, code, description, id).
  #errorEvent(errObj, id) {
    const err = fromNative(errObj);
    err.description = DESCRIPTIONS.get(err.status) || err.message;
    if (id !== undefined) err.id = id;
    return err;
  }

  // Called by the addon once per burst with everything the core delivered.
  #dispatch(n, vals, fresh, text) {
    if (fresh !== undefined) this.#meta = fresh;
    const m = this.#meta;
    let i = 0;
    let v = 0;
    let p = 0;
    while (i < n) {
      const kind = m[i];
      if (kind === W_TOKENS) {
        const id = m[i + 1];
        const count = m[i + 2];
        i += 3;
        const rec = this.#reqs.get(id);
        if (rec !== undefined) {
          rec.tokens += count;
          if (rec.stream !== null) rec.stream.tokens(text, p, m, i, count);
          if (!rec.silent && this.listenerCount('token') !== 0) this.#emitTokens(rec.id, text, p, m, i, count);
        }
        for (let k = 0; k < count; k++) p += m[i + k];
        i += count;
      } else if (kind === W_STARTED) {
        const rec = this.#reqs.get(m[i + 1]);
        i += 2;
        const model = vals[v++];
        if (rec !== undefined && !rec.silent) {
          this.#emitSafe('generation_start', { id: rec.id, model, timestamp: Date.now() });
        }
      } else if (kind === W_COMPLETE || kind === W_FAILED) {
        const id = m[i + 1];
        const outcome = kind === W_FAILED ? m[i + 2] : 0;
        i += kind === W_FAILED ? 3 : 2;
        const val = vals[v++];
        const rec = this.#reqs.get(id);
        if (rec !== undefined) {
          this.#reqs.delete(id);
          if (rec.kind === 'generate') this.#byWire.delete(rec.id);
          this.#release();
          if (kind === W_COMPLETE) this.#completed(rec, val);
          else this.#ended(rec, outcome, val);
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
          if (status === 0) op.resolve();
          else op.reject(fromNative(err));
        }
      } else {
        break; // unknown word: the addon and this file disagree
      }
    }
  }

  #emitTokens(id, text, p, m, at, count) {
    const timestamp = Date.now();
    for (let k = 0; k < count; k++) {
      const len = m[at + k];
      this.#emitSafe('token', { id, token: text.slice(p, p + len), timestamp });
      p += len;
    }
  }

  // val: [json, tokens_generated, time_ms?, model, elapsed_ms, text?] (bindings/node/client_delivery.cpp)
  #completed(rec, val) {
    if (rec.kind === 'generate') {
      if (rec.stream !== null) rec.stream.complete(val);
      if (!rec.silent) {
        this.#emitSafe('generation_end', {
          id: rec.id,
          totalTokens: val[1],
          elapsedTime: val[2],
          isCancelled: false,
          timestamp: Date.now(),
        });
      }
      return;
    }
    let data;
    try {
      data = JSON.parse(val[0]);
    } catch (e) {
      const message = `result is not valid JSON: ${e.message}`;
      const err = { code: 'PROTOCOL_ERROR', message, status: statusOf('PROTOCOL_ERROR') };
      this.#ended(rec, 0, err);
      return;
    }
    let result = data;
    if (rec.kind === 'ping') {
      result = { latency: val[4], id: rec.id, timestamp: data && data.timestamp };
      if (!rec.silent) this.#emitSafe('pong', result);
    } else if (rec.kind === 'stop') {
      if (!rec.silent) this.#emitSafe('ack', data);
    } else if (rec.kind === 'models' && rec.resolve === null && !rec.silent) {
      this.#emitSafe('models', { id: rec.id, models: data });
    }
    if (rec.resolve !== null) rec.resolve(result);
  }

  #ended(rec, outcome, errObj) {
    if (rec.kind === 'generate' && outcome === OUTCOME_CANCELLED) {
      if (rec.stream !== null) rec.stream.fail(errObj);
      if (!rec.silent) {
        this.#emitSafe('generation_end', {
          id: rec.id,
          totalTokens: rec.tokens,
          elapsedTime: undefined,
          isCancelled: true,
          timestamp: Date.now(),
        });
      }
      return;
    }
    if (rec.stream !== null) rec.stream.fail(errObj);
    const err = this.#errorEvent(errObj, rec.id);
    if (!rec.silent) this.#emitSafe('error', err);
    if (rec.reject !== null) rec.reject(err);
  }

  #clientEvent(type, closeCode, attempt, delay, info) {
    if (type === EV_CONNECTED) {
      // The core reports the connection once authenticated: both steps now.
      this.#setStatus(ConnectionStatus.CONNECTED);
      this.#setStatus(ConnectionStatus.AUTHENTICATED);
    } else if (type === EV_DISCONNECTED) {
      if (this.#closing > 0) return; // disconnect() reported it
      this.#setStatus(ConnectionStatus.DISCONNECTED, { code: closeCode, reason: info.reason || '' });
    } else if (type === EV_RECONNECTING) {
      this.#setStatus(ConnectionStatus.RECONNECTING, { attempt, delay, maxAttempts: MAX_RECONNECT_ATTEMPTS });
    } else if (type === EV_ERROR && info.error) {
      const err = this.#errorEvent(info.error);
      if (err.code === 'reconnect_failed') this.#setStatus(ConnectionStatus.RECONNECT_FAILED, err);
      this.#emitSafe('error', err);
    }
  }
}

module.exports = { WSClient, ConnectionStatus, GenerationStream };
