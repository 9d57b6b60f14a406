// Baseline for the Node benchmark: a minimal Realm client written directly on
// the `ws` package, speaking the same protocol (welcome, generate, streaming
// frames, complete/error) with the same public shape as RealmWebSocketClient
// (generate() promise, generateStream() pull iterator over a JS buffer).
// It has no reconnection, timeouts or auth: a lower bound on work, so a fair
// opponent.
import crypto from 'node:crypto';
import WebSocket from 'ws';

class Stream {
  constructor(client, params) {
    this.client = client;
    this.params = params;
    this.started = false;
    this.done = false;
    this.error = null;
    this.buf = [];
    this.head = 0;
    this.resolve = null;
    this.reject = null;
    this.id = null;
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
      this.id = this.client._send('generate', { ...this.params, stream: true }, this);
    }
    if (this.done) {
      if (this.error) {
        const e = this.error;
        this.error = null;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  return() {
    this.done = true;
    if (this.id) this.client._forget(this.id);
    return Promise.resolve({ value: undefined, done: true });
  }
  token(text) {
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = this.reject = null;
      r({ value: text, done: false });
    } else this.buf.push(text);
  }
  complete() {
    this.done = true;
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = this.reject = null;
      r({ value: undefined, done: true });
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

class Call {
  constructor(resolve, reject) {
    this.resolve = resolve;
    this.reject = reject;
    this.text = '';
  }
  token(text) {
    this.text += text;
  }
  complete(data) {
    this.resolve(data && typeof data.text === 'string' ? data : { ...data, text: this.text });
  }
  fail(err) {
    this.reject(err);
  }
}

export class WsRealmClient {
  constructor({ url, model }) {
    this.url = url;
    this.model = model;
    this.tenant = crypto.randomUUID();
    this.reqs = new Map();
    this.nextId = 0;
    this.ws = null;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      let welcomed = false;
      ws.on('error', (e) => {
        if (!welcomed) reject(e);
      });
      ws.on('close', () => {
        const err = new Error('connection lost');
        for (const rec of this.reqs.values()) rec.fail(err);
        this.reqs.clear();
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(data);
        if (msg.id === undefined) {
          if (msg.status === 'connected' && !welcomed) {
            welcomed = true;
            resolve();
          }
          return;
        }
        const rec = this.reqs.get(msg.id);
        if (rec === undefined) return;
        const status = msg.status;
        if (status === 'streaming') {
          rec.token(msg.data.text);
        } else if (status === 'complete') {
          this.reqs.delete(msg.id);
          rec.complete(msg.data);
        } else if (status === 'error' || status === 'cancelled') {
          this.reqs.delete(msg.id);
          const e = new Error(msg.error ? msg.error.message : 'cancelled');
          e.code = msg.error ? msg.error.code : 'CANCELLED';
          rec.fail(e);
        }
      });
    });
  }

  _send(fn, params, rec) {
    const id = `r${++this.nextId}`;
    this.reqs.set(id, rec);
    this.ws.send(JSON.stringify({ id, function: fn, params, tenant_id: this.tenant }));
    return id;
  }

  _forget(id) {
    this.reqs.delete(id);
  }

  generate(options) {
    const { extraParams, ...params } = options;
    if (params.model === undefined) params.model = this.model;
    return new Promise((resolve, reject) => this._send('generate', { ...params, ...extraParams }, new Call(resolve, reject)));
  }

  generateStream(options) {
    const { extraParams, ...params } = options;
    if (params.model === undefined) params.model = this.model;
    return new Stream(this, { ...params, ...extraParams });
  }

  disconnect() {
    this.ws.close(1000);
  }
}
