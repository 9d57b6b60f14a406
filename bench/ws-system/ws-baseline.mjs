// Baseline of the ws-system benchmark: the client a Node user would write
// without librealm, directly on the `ws` package (ws-system.md 3, 4, 6), with
// the public shape of the upstream WSClient that matters here:
//   new WsSystemBaseline({ serverUrl, clientId, privateKeyPath })
//   await connect()                       challenge -> createSign('SHA256') -> auth_result
//   await generate(prompt, model?, options?)   resolves with the generation id
//   onToken(({ id, token, timestamp }) => ...), onGenerationEnd(({ id, totalTokens,
//     elapsedTime, isCancelled, timestamp }) => ...), onError(...)
//   generateStream(prompt, model?, options?)   async iterator of tokens
//   await ping()                          pong, { latency (round trip, ms), id, timestamp }
//   disconnect()
// It has no reconnection, timeouts, keepalive or stop: a lower bound on work,
// so a fair opponent. Every frame is JSON.parse'd once and dispatched by `id`.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import WebSocket from 'ws';

// Pull iterator over one generation's tokens (a JS buffer between the socket
// and `for await`), as RealmWebSocketClient's baseline in bench/node does.
class TokenStream {
  constructor(client, prompt, model, options) {
    this.client = client;
    this.args = [prompt, model, options];
    this.started = false;
    this.done = false;
    this.error = null;
    this.buf = [];
    this.head = 0;
    this.resolve = null;
    this.reject = null;
    this.id = undefined;
    this.result = undefined;
  }
  [Symbol.asyncIterator]() {
    return this;
  }
  next() {
    if (this.head < this.buf.length) {
      const value = this.buf[this.head++];
      if (this.head === this.buf.length) {
        this.buf.length = 0;
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (!this.started) {
      this.started = true;
      this.id = this.client._sendGenerate(...this.args, this);
    }
    if (this.done) {
      if (this.error) {
        const e = this.error;
        this.error = null;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: this.result, done: true });
    }
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  return() {
    this.done = true;
    if (this.id) this.client.streams.delete(this.id);
    return Promise.resolve({ value: undefined, done: true });
  }
  token(text) {
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = this.reject = null;
      r({ value: text, done: false });
    } else this.buf.push(text);
  }
  end(msg) {
    this.done = true;
    this.result = { totalTokens: msg.totalTokens, elapsedTime: msg.elapsedTime };
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = this.reject = null;
      r({ value: this.result, done: true });
    }
  }
  fail(err) {
    this.done = true;
    if (this.reject) {
      const r = this.reject;
      this.resolve = this.reject = null;
      r(err);
    } else this.error = err;
  }
}

export class WsSystemBaseline extends EventEmitter {
  constructor({ serverUrl, clientId, privateKeyPath, signatureAlgorithm = 'SHA256' }) {
    super();
    this.url = serverUrl;
    this.clientId = clientId;
    this.privateKey = fs.readFileSync(privateKeyPath, 'utf8');
    this.algorithm = signatureAlgorithm;
    this.ws = null;
    this.streams = new Map(); // generation id -> TokenStream (generateStream only)
    this.pings = new Map(); // ping id -> { resolve, reject, sentAt }
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      let ready = false;
      ws.on('error', (e) => {
        if (!ready) reject(e);
        else this.emit('error', { message: e.message, code: 'connection_error' });
      });
      ws.on('close', () => {
        const err = new Error('Connection closed');
        for (const s of this.streams.values()) s.fail(err);
        this.streams.clear();
        for (const p of this.pings.values()) p.reject(err);
        this.pings.clear();
        if (!ready) reject(err);
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(data);
        switch (msg.type) {
          case 'stream_token': {
            const s = this.streams.get(msg.id);
            if (s !== undefined) s.token(msg.token);
            this.emit('token', { id: msg.id, token: msg.token, timestamp: msg.timestamp });
            break;
          }
          case 'stream_end': {
            const s = this.streams.get(msg.id);
            if (s !== undefined) {
              this.streams.delete(msg.id);
              s.end(msg);
            }
            this.emit('generation_end', {
              id: msg.id,
              totalTokens: msg.totalTokens,
              elapsedTime: msg.elapsedTime,
              isCancelled: msg.isCancelled === true,
              timestamp: msg.timestamp,
            });
            break;
          }
          case 'stream_start':
            this.emit('generation_start', { id: msg.id, model: msg.model, timestamp: msg.timestamp });
            break;
          case 'pong': {
            const p = this.pings.get(msg.id);
            if (p !== undefined) {
              this.pings.delete(msg.id);
              p.resolve({ latency: Date.now() - p.sentAt, id: msg.id, timestamp: msg.timestamp });
            }
            break;
          }
          case 'challenge': {
            const signature = crypto.createSign(this.algorithm).update(msg.challenge).sign(this.privateKey, 'base64');
            ws.send(JSON.stringify({ type: 'authenticate', clientId: this.clientId, signature, timestamp: Date.now() }));
            break;
          }
          case 'auth_result':
            if (msg.success) {
              ready = true;
              resolve();
            } else {
              ws.close();
              reject(new Error(`Authentication failed: ${msg.error}`));
            }
            break;
          case 'error': {
            const err = { message: msg.error, code: msg.code, id: msg.id };
            const s = msg.id !== undefined ? this.streams.get(msg.id) : undefined;
            if (s !== undefined) {
              this.streams.delete(msg.id);
              s.fail(Object.assign(new Error(msg.error), err));
            }
            const p = msg.id !== undefined ? this.pings.get(msg.id) : undefined;
            if (p !== undefined) {
              this.pings.delete(msg.id);
              p.reject(Object.assign(new Error(msg.error), err));
            }
            this.emit('error', err);
            break;
          }
          default:
            break;
        }
      });
    });
  }

  _id(prefix) {
    return `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 9)}`;
  }

  _sendGenerate(prompt, model, options, stream) {
    const id = this._id('gen');
    if (stream !== undefined) this.streams.set(id, stream);
    const msg = { type: 'generate', id, prompt, timestamp: Date.now() };
    if (model !== undefined) msg.model = model;
    if (options !== undefined) msg.options = options;
    this.ws.send(JSON.stringify(msg));
    return id;
  }

  async generate(prompt, model, options) {
    return this._sendGenerate(prompt, model, options, undefined);
  }

  generateStream(prompt, model, options) {
    return new TokenStream(this, prompt, model, options);
  }

  ping() {
    return new Promise((resolve, reject) => {
      const id = this._id('ping');
      this.pings.set(id, { resolve, reject, sentAt: Date.now() });
      this.ws.send(JSON.stringify({ type: 'ping', id, timestamp: Date.now() }));
    });
  }

  onToken(cb) {
    this.on('token', cb);
    return () => this.off('token', cb);
  }

  onGenerationEnd(cb) {
    this.on('generation_end', cb);
    return () => this.off('generation_end', cb);
  }

  onError(cb) {
    this.on('error', cb);
    return () => this.off('error', cb);
  }

  disconnect() {
    this.ws.close(1000);
  }
}
