// A minimal openai-ws client on the `ws` package as a benchmark peer. Pool
// mode (the docs' way, librealm's default): a request takes an idle
// connection or opens one, sends its JSON and counts chunks until the one
// with a finish_reason, then gives the connection back. Mux mode: one
// connection, requests tagged with request_id, routed by one message handler.
//   node ws-client.mjs --url ws://127.0.0.1:PORT/v1/chat/completions --workload 1|2|3|5 [--mode mux]
import WebSocket from 'ws';
import { MESSAGES, MODEL, checkStream, parseArgs, run } from './workloads.mjs';

const { url, workload, mode } = parseArgs();

function body(n, requestId) {
  const b = { model: MODEL, messages: MESSAGES, max_tokens: n, stream: true };
  if (requestId !== undefined) b.request_id = requestId;
  return JSON.stringify(b);
}

// One request's chunks; feed() returns true at the chunk with a finish_reason.
class Tally {
  constructor(n, resolve, reject) {
    Object.assign(this, { n, resolve, reject, tokens: 0, first: 0n, completion: undefined, finish: undefined });
  }
  feed(msg) {
    if (msg.error) {
      this.reject(new Error(JSON.stringify(msg.error)));
      return true;
    }
    const choice = msg.choices[0];
    if (choice.delta.content) {
      if (!this.tokens) this.first = process.hrtime.bigint();
      this.tokens++;
    }
    if (choice.finish_reason == null) return false;
    this.finish = choice.finish_reason;
    if (msg.usage) this.completion = msg.usage.completion_tokens;
    try {
      checkStream(this.tokens, this.n, this.completion, this.finish);
      this.resolve(this.first);
    } catch (e) {
      this.reject(e);
    }
    return true;
  }
}

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const idle = [];
const pool = {
  async stream(n) {
    const ws = idle.pop() ?? (await open());
    const first = await new Promise((resolve, reject) => {
      const t = new Tally(n, resolve, reject);
      const onMessage = (data) => {
        if (t.feed(JSON.parse(data))) ws.off('message', onMessage);
      };
      ws.on('message', onMessage);
      ws.send(body(n));
    });
    idle.push(ws);
    return first;
  },
  close: () => idle.forEach((ws) => ws.close()),
};

let muxWs = null, nextId = 0;
const pending = new Map();
const mux = {
  async stream(n) {
    if (!muxWs) {
      muxWs = await open();
      muxWs.on('message', (data) => {
        const msg = JSON.parse(data);
        const t = pending.get(msg.request_id);
        if (t && t.feed(msg)) pending.delete(msg.request_id);
      });
    }
    const id = `r${++nextId}`;
    return new Promise((resolve, reject) => {
      pending.set(id, new Tally(n, resolve, reject));
      muxWs.send(body(n, id));
    });
  },
  close: () => muxWs.close(),
};

const client = mode === 'mux' ? mux : pool;
run(client, 'ws-node', workload)
  .then(() => client.close())
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
