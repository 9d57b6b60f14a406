// Retries, failover and configuration from the environment through the Node
// SDK on the core: server-side counts prove what was sent, and a generation
// that started is never sent twice.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer } from './helpers.mjs';

const COMPLETION = JSON.stringify({
  id: 'c', object: 'chat.completion', model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});
const messages = [{ role: 'user', content: 'hi' }];

// An OpenAI-compatible server playing a script: the n-th POST gets answers[n]
// (the last repeats); GET /v1/models (the connect probe) gets a list.
async function scripted(answers) {
  const state = { posts: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
        return;
      }
      const answer = answers[Math.min(state.posts, answers.length - 1)];
      state.posts += 1;
      answer(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/v1`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return state;
}
const status = (code, headers = {}) => (res) =>
  res.writeHead(code, { 'content-type': 'application/json', ...headers }).end('{"error":{"message":"not now"}}');
const ok = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
const oneTokenThenCut = (res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] })}\n\n`);
  setTimeout(() => res.socket.resetAndDestroy(), 50); // a reset, not an end
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const client = (url, extra) => new RealmWebSocketClient({ url, model: 'm', retryBase: 10, ...extra });

test('a 503 is sent again until the server answers', async () => {
  const s = await scripted([status(503), status(503), ok]);
  const c = client(s.url, { maxRetries: 2 });
  await c.connect();
  const r = await c.chat(messages);
  assert.equal(r.text, 'ok');
  assert.equal(s.posts, 3);
  await c.disconnect();
  await s.close();
});

test('the default is two retries', async () => {
  const saved = process.env.REALM_MAX_RETRIES;
  delete process.env.REALM_MAX_RETRIES;
  try {
    const s = await scripted([status(503)]);
    const c = client(s.url);
    await c.connect();
    await assert.rejects(c.chat(messages), (e) => e instanceof RealmError && e.httpStatus === 503);
    assert.equal(s.posts, 3);
    await c.disconnect();
    await s.close();
  } finally {
    process.env.REALM_MAX_RETRIES = saved;
  }
});

test('a 429 waits for its Retry-After', async () => {
  const s = await scripted([status(429, { 'retry-after': '1' }), ok]);
  const c = client(s.url, { maxRetries: 1 });
  await c.connect();
  const started = performance.now();
  assert.equal((await c.chat(messages)).text, 'ok');
  assert.ok(performance.now() - started >= 1000); // a lower bound: the server asked for a second
  assert.equal(s.posts, 2);
  await c.disconnect();
  await s.close();
});

test('a stream that delivered a token is never sent again', async () => {
  const s = await scripted([oneTokenThenCut, ok]);
  const c = client(s.url, { maxRetries: 2 });
  await c.connect();
  const tokens = [];
  await assert.rejects(async () => {
    for await (const t of c.chatStream(messages)) tokens.push(t);
  }, (e) => e.code === 'CONNECTION_LOST');
  assert.deepEqual(tokens, ['Hel']);
  assert.equal(s.posts, 1);
  await c.disconnect();
  await s.close();
});

test('the environment configures the client and options win', async () => {
  const server = await startServer();
  const saved = { ...process.env };
  try {
    process.env.REALM_URL = `http://127.0.0.1:${server.port}/v1`;
    process.env.REALM_TIMEOUT = '5';
    const c = new RealmWebSocketClient({ model: 'realm-sim' }); // no url: the environment's
    await c.connect();
    assert.ok((await c.chat(messages, { maxTokens: 2 })).text.length > 0);
    await c.disconnect();
    process.env.REALM_DIALECT = 'realm'; // the Realm protocol cannot run on an http:// URL
    assert.throws(() => new RealmWebSocketClient({ model: 'realm-sim' }), /dialect/);
    // The option wins over the environment.
    const d = new RealmWebSocketClient({ model: 'realm-sim', dialect: 'openai-http' });
    await d.connect();
    await d.disconnect();
    process.env.REALM_TIMEOUT = 'soon';
    assert.throws(() => new RealmWebSocketClient({ model: 'realm-sim' }), /REALM_TIMEOUT/);
  } finally {
    for (const k of ['REALM_URL', 'REALM_TIMEOUT', 'REALM_DIALECT']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await server.stop();
  }
});

test('urls: the first that answers, and failover when it goes away', async () => {
  const first = await startServer();
  const second = await startServer();
  const dead = `ws://127.0.0.1:${await freePort()}`;
  const c = new RealmWebSocketClient({ urls: [dead, first.url, second.url], model: 'm', reconnectInterval: 50 });
  await c.connect();
  const reconnected = new Promise((resolve) => c.on('connected', resolve));
  const tokens = [];
  await assert.rejects(async () => {
    for await (const t of c.generateStream({ prompt: 'Hello there', maxTokens: 200, extraParams: { delay_ms: 20 } })) {
      tokens.push(t);
      if (tokens.length === 2) first.proc.kill('SIGKILL');
    }
  }, (e) => e.code === 'CONNECTION_LOST');
  assert.ok(tokens.length >= 2); // it had started: it ends here, it is not sent to the next server
  await reconnected;
  const r = await c.generate({ prompt: 'Hello again', maxTokens: 3 });
  assert.match(r.text, /Hello again/); // answered by the second server: the first is gone
  await c.disconnect();
  await second.stop();
  await first.stop('SIGKILL');
});

test('urls are checked', () => {
  assert.throws(() => new RealmWebSocketClient({ url: 'ws://a:1', urls: ['ws://b:2'], model: 'm' }), /url or urls/);
  assert.throws(() => new RealmWebSocketClient({ urls: ['ws://a:1/x', 'http://b:2/x'], model: 'm' }), /urls/);
  assert.throws(() => new RealmWebSocketClient({ urls: [], model: 'm' }), /urls/);
});
