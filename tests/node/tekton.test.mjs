// TektonLLMClient (docs/node.md "TektonLLMClient", tekton.md 1, 2, 6, 7) against
// realm-server's Tekton HTTP routes (/api/v1/health, /providers, /chat,
// /chat/stream on its usual port), plus a small recording HTTP stub where a
// test must see the request bytes, get a status realm-server never sends, or
// wait for a server that never answers. The Python side is
// tests/python/test_tekton_client.py.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import {
  TektonLLMClient, TektonChunkStream, TektonLLMError, ConnectionError, TimeoutError, AuthenticationError,
  ServiceUnavailableError, RateLimitError, InvalidRequestError, AdapterError, FallbackError, CancelledError,
  countTokens, countMessageTokens, truncateTextToTokenLimit, optimizeMessagesForTokenLimit, setTokenizer,
  RealmError,
} from '@realm-ai/ws-client';
import { startServer, writeKeyStore, KEYS, expectedToken, runNode, repoRoot } from './helpers.mjs';

const RHETOR_ENV = ['RHETOR_URL', 'RHETOR_WS_URL', 'RHETOR_AUTH_TOKEN', 'RHETOR_DEFAULT_PROVIDER',
  'RHETOR_DEFAULT_MODEL', 'RHETOR_TIMEOUT', 'RHETOR_MAX_RETRIES'];
for (const name of RHETOR_ENV) delete process.env[name];
// Clients of error tests pass maxRetries: 0 (the default, 3, would send each
// failing request four times); a test below shows the retries themselves.

const httpUrl = (server) => `http://127.0.0.1:${server.port}`;
const tokens = (prompt, n) => Array.from({ length: n }, (_, i) => expectedToken(i, prompt));

/** A loopback port nobody listens on (bound, then closed). */
async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * A recording HTTP/1.1 server: GET /api/v1/health answers 200, every other
 * request `reply(path, body)` -> { status, type, body }, never an answer
 * when reply returns null, or what a function reply(path, body)(res) writes.
 */
async function stub(reply) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, path: req.url, headers: req.headers, body });
      const answer = req.url === '/api/v1/health'
        ? { status: 200, type: 'application/json', body: '{"status":"healthy"}' }
        : reply(req.url, body);
      if (answer === null) return; // never answers
      if (typeof answer === 'function') return answer(res);
      res.writeHead(answer.status, { 'Content-Type': answer.type, Connection: 'close' });
      res.end(answer.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    requests,
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

let shared; // realm-server, streams at 1 ms per token
before(async () => {
  shared = await startServer(['--token-delay-ms', '1']);
});
after(async () => {
  await shared.stop();
});

// ---------------------------------------------------------------- the documented example

describe('docs/node.md', () => {
  test('the TektonLLMClient example runs as written (only its URL pointed at realm-server)', async () => {
    const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'node.md'), 'utf8');
    const section = guide.slice(guide.indexOf('### `TektonLLMClient`'));
    const code = /```js\n([\s\S]*?)```/.exec(section)[1].replaceAll('http://localhost:8003', httpUrl(shared));
    // Evaluated in the checkout, where '@realm-ai/ws-client' names the package
    // under test (or the installed copy, with tests/node/installed-package.mjs).
    const r = await runNode(['--input-type=module', '-e', code], { timeout: 30000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^The capital of France is Paris\. .* length \{ promptTokens: \d+, completionTokens: 100, totalTokens: \d+ \}\n/);
    assert.match(r.stdout, /The capital of France is Paris\./);
    assert.match(r.stderr, /^CancelledError Request my-component_\d+_[0-9a-z]{8} was cancelled\n$/);
  });
});

// ---------------------------------------------------------------- requests and results

describe('requests', () => {
  test('generateText awaited, as a for-await stream and with callbacks', async () => {
    const client = new TektonLLMClient({ componentId: 'comp', rhetorUrl: httpUrl(shared), providerId: 'realm' });
    assert.equal(client.available, false);
    assert.equal(await client.initialize(), true);
    assert.equal(client.available, true);
    assert.equal(client.modelId, 'realm-sim'); // the provider's default_model (no model configured)

    const response = await client.generateText('Hello world', { maxTokens: 5 });
    assert.equal(response.content, tokens('Hello world', 5).join(''));
    assert.deepEqual([response.model, response.provider, response.contextId], ['realm-sim', 'realm', 'comp']);
    assert.equal(response.finishReason, 'length');
    assert.deepEqual(response.usage, { promptTokens: 2, completionTokens: 5, totalTokens: 7 });
    assert.equal(response.success, true);
    assert.equal(response.fallback, false);
    assert.equal(response.error, null);
    assert.ok(response.latency >= 0);
    assert.match(response.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const stream = client.textStream('Hello world', { contextId: 'ctx', maxTokens: 4 });
    assert.ok(stream instanceof TektonChunkStream);
    assert.match(stream.requestId, /^comp_\d+_[0-9a-z]{8}$/);
    const chunks = await collect(stream);
    assert.deepEqual(chunks.map((c) => c.chunk), [...tokens('Hello world', 4), '']);
    assert.deepEqual(chunks.map((c) => c.done), [false, false, false, false, true]);
    assert.ok(chunks.every((c) => c.contextId === 'ctx' && c.provider === 'realm' && c.model === 'realm-sim' && !c.fallback));
    assert.equal(stream.text, tokens('Hello world', 4).join(''));
    assert.equal(stream.finishReason, 'length');
    assert.equal(stream.error, null);
    assert.equal(stream.done, true);
    assert.deepEqual(stream.usage, { promptTokens: 2, completionTokens: 4, totalTokens: 6 });
    assert.equal(stream.result.content, stream.text);

    const seen = [];
    const ended = new Promise((resolve, reject) => {
      const id = client.streamText('Hi there', {
        maxTokens: 3,
        systemPrompt: 'Be brief',
        onChunk: (c) => seen.push(c),
        onComplete: resolve,
        onError: reject,
      });
      assert.equal(typeof id, 'string');
    });
    const done = await ended;
    assert.deepEqual(seen.map((c) => c.chunk), [...tokens('Hi there', 3), '']);
    assert.equal(done.content, tokens('Hi there', 3).join(''));
    assert.equal(done.finishReason, 'length');
    await client.shutdown();
    assert.equal(client.available, false);
  });

  test('a request without initialize() checks health first', async () => {
    const client = new TektonLLMClient({ rhetorUrl: httpUrl(shared), modelId: 'realm-sim' });
    const response = await client.generateText('Hello', { maxTokens: 1 });
    assert.equal(response.content, 'The ');
    assert.equal(response.contextId, 'browser-client'); // upstream JS client's default component id
    assert.equal(client.available, true);
    await client.shutdown();
  });

  test('chat messages, options and argument errors', async () => {
    const client = new TektonLLMClient({ componentId: 'comp', rhetorUrl: httpUrl(shared) });
    const response = await client.generateChatResponse(
      [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Paris please' }],
      { maxTokens: 8, stopSequences: ['Paris.'] },
    );
    assert.equal(response.content, 'The capital of France is ');
    assert.equal(response.finishReason, 'stop');
    await assert.rejects(client.generateChatResponse([{ role: 'robot', content: 'x' }]), InvalidRequestError);
    await assert.rejects(client.generateChatResponse([{ role: 'user' }]), InvalidRequestError);
    await assert.rejects(client.generateText('x', { temprature: 0.1 }), (e) => e instanceof InvalidRequestError && /temprature/.test(e.message));
    await assert.rejects(client.generateText('x', { maxTokens: -1 }), InvalidRequestError);
    await assert.rejects(client.generateText(42), InvalidRequestError);
    assert.throws(() => client.chatStream('not an array'), InvalidRequestError);
    assert.throws(() => client.streamText('x', { onChunk: 'no' }), InvalidRequestError);
    assert.throws(() => client.textStream('x', { onChunk: () => {} }), InvalidRequestError); // callbacks: streamText only
    await client.shutdown();
  });

  test('the request on the wire (tekton.md 2.3)', async () => {
    const answer = JSON.stringify({ content: 'Paris.', model: 'm1', provider: 'p1', finish_reason: 'stop',
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } });
    const s = await stub(() => ({ status: 200, type: 'application/json', body: answer }));
    try {
      const client = new TektonLLMClient({ componentId: 'my-component', rhetorUrl: `${s.url}/prefix`,
        providerId: 'anthropic', modelId: 'claude-3-haiku-20240307', authToken: 'tok' });
      assert.equal(await client.initialize(), true);
      const response = await client.generateChatResponse(
        [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is the capital of France?' }],
        { maxTokens: 100, stopSequences: ['\n\n'], topP: 0.9, topK: 40, presencePenalty: 0.1, frequencyPenalty: 0.1,
          fallbackProvider: 'x', retryCount: 2, retryDelay: 10 },
      );
      assert.equal(response.content, 'Paris.');
      assert.deepEqual(response.usage, { promptTokens: 12, completionTokens: 2, totalTokens: 14 });
      const sent = s.requests.at(-1);
      assert.deepEqual([sent.method, sent.path], ['POST', '/api/v1/chat']); // absolute: the prefix is dropped
      assert.equal(sent.headers.authorization, 'Bearer tok');
      assert.equal(sent.headers['content-type'], 'application/json');
      assert.equal(sent.headers.accept, 'application/json');
      assert.deepEqual(JSON.parse(sent.body), {
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
        context_id: 'my-component', provider_id: 'anthropic', model_id: 'claude-3-haiku-20240307',
        streaming: false, system_prompt: 'You are terse.',
        options: { temperature: 0.7, fallback_provider: null, fallback_model: null, max_tokens: 100, stop: ['\n\n'],
          top_p: 0.9, top_k: 40, presence_penalty: 0.1, frequency_penalty: 0.1 },
      });
      await client.generateText('Hi', { contextId: 'c2', provider: 'p2', model: 'm2', temperature: 0.2 });
      const body = JSON.parse(s.requests.at(-1).body);
      assert.deepEqual([body.context_id, body.provider_id, body.model_id], ['c2', 'p2', 'm2']);
      assert.equal(body.options.temperature, 0.2);
      assert.equal('system_prompt' in body, false);
      await client.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('a 200 answer with an error member is an unsuccessful response', async () => {
    const s = await stub(() => ({ status: 200, type: 'application/json', body: '{"content":"","error":"model overloaded"}' }));
    try {
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url });
      const response = await client.generateText('Hi');
      assert.equal(response.success, false);
      assert.equal(response.error, 'model overloaded');
      await client.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('the SSE vector of tekton.md 7.2', async () => {
    const server = await startServer(['--enable-faults']);
    try {
      const client = new TektonLLMClient({ maxRetries: 0, componentId: 'c1', rhetorUrl: httpUrl(server) });
      const stream = client.textStream('vector', { extraBody: { fault: { type: 'sse_vector' } } });
      const chunks = await collect(stream);
      assert.deepEqual(chunks.map((c) => [c.chunk, c.done]), [['A', false], ['B', false], ['', true]]);
      assert.equal(stream.text, 'AB');
      assert.equal(stream.error, null);
      await client.shutdown();
    } finally {
      await server.stop();
    }
  });

  test('getProviders: camelCase, cached, and failures reject with the mapped error', async () => {
    const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(shared) });
    const providers = await client.getProviders();
    assert.equal(typeof providers.defaultProvider, 'string');
    const realm = providers.providers.realm;
    assert.equal(realm.available, true);
    assert.equal(realm.defaultModel, 'realm-sim');
    assert.ok(realm.models.some((m) => m.id === 'realm-sim' && Array.isArray(m.capabilities) && 'contextLength' in m));
    assert.equal(await client.getProviders(), providers); // read once
    await client.shutdown();

    const down = new TektonLLMClient({ maxRetries: 0, rhetorUrl: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(down.getProviders(), ConnectionError); // no hard-coded provider list
  });
});

// ---------------------------------------------------------------- cancellation

// A Rhetor whose streams never end: a chunk "t " every 10 ms (realm-server's
// Tekton routes stream without delay). POST /api/v1/chat answers "The ".
function endlessStreams() {
  return stub((route) => {
    if (route !== '/api/v1/chat/stream') return { status: 200, type: 'application/json', body: '{"content":"The "}' };
    return (res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: {"chunk":"t ","done":false}\n\n'), 10);
      res.on('close', () => clearInterval(timer));
    };
  });
}

describe('cancel', () => {
  let slow;
  before(async () => {
    slow = await endlessStreams();
  });
  after(async () => {
    await slow.stop();
  });

  test('cancelRequest reports cancellation, not a timeout', async () => {
    const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: slow.url });
    let completed = false;
    const chunks = [];
    let id;
    const error = await new Promise((resolve) => {
      id = client.streamText('Count', {
        maxTokens: 500,
        onChunk: (c) => {
          chunks.push(c);
          if (chunks.length === 2) assert.equal(client.cancelRequest(id), true);
        },
        onComplete: () => (completed = true),
        onError: resolve,
      });
    });
    assert.ok(error instanceof CancelledError && error instanceof TektonLLMError);
    assert.equal(error.code, 'CANCELLED');
    assert.match(error.message, /was cancelled/);
    assert.equal(chunks.length, 2);
    assert.equal(completed, false);
    assert.equal(client.cancelRequest(id), false); // ended
    assert.equal(client.cancelRequest('nope'), false);
    // The client carries on.
    assert.equal((await client.generateText('Hello', { maxTokens: 1 })).content, 'The ');
    await client.shutdown();
  });

  test('for await: cancelRequest throws CancelledError, break ends quietly, a signal aborts', async () => {
    const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: slow.url });
    const stream = client.textStream('Count', { maxTokens: 500 });
    await assert.rejects(async () => {
      for await (const c of stream) if (!c.done) client.cancelRequest(stream.requestId);
    }, CancelledError);
    assert.equal(stream.result, undefined);
    assert.ok(stream.error instanceof CancelledError);

    const quiet = client.textStream('Count', { maxTokens: 500 });
    for await (const c of quiet) if (c.chunk) break;
    assert.equal(quiet.error, null);
    assert.equal(quiet.done, true);
    assert.deepEqual(await collect(quiet), []);

    await assert.rejects(collect(client.textStream('Count', { maxTokens: 500, signal: AbortSignal.timeout(100) })), CancelledError);
    const aborted = AbortSignal.abort();
    await assert.rejects(client.generateText('Count', { signal: aborted }), CancelledError);
    await assert.rejects(collect(client.textStream('Count', { signal: aborted })), CancelledError);
    await client.shutdown();

    const s = await stub(() => null); // never answers the chat
    try {
      const waiting = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url });
      const e = await waiting.generateText('Hi', { signal: AbortSignal.timeout(100) }).catch((x) => x);
      assert.ok(e instanceof CancelledError, String(e));
      await waiting.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('an exception in onChunk cancels the stream and is reported as uncaught', async () => {
    // In a child process: the test runner fails any test that has an uncaught exception.
    const code = `
      import { TektonLLMClient } from '@realm-ai/ws-client';
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: ${JSON.stringify(slow.url)} });
      let chunks = 0, others = 0;
      process.on('uncaughtException', (e) => {
        setTimeout(() => { console.log(e.message, chunks, others); client.shutdown(); }, 200);
      });
      client.streamText('Count', { maxTokens: 500, onChunk: () => { chunks++; throw new Error('boom'); },
        onComplete: () => others++, onError: () => others++ });`;
    const r = await runNode(['--input-type=module', '-e', code]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'boom 1 0\n'); // cancelled: no more chunks, neither onComplete nor onError
  });

  test('shutdown ends streams with CancelledError; requests then fail until initialize()', async () => {
    const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: slow.url });
    const stream = client.textStream('Count', { maxTokens: 500 });
    const first = await stream.next();
    assert.equal(first.done, false);
    await client.shutdown();
    await assert.rejects(collect(stream), CancelledError);
    await assert.rejects(client.generateText('Hi'), ServiceUnavailableError);
    assert.equal(await client.initialize(), true);
    assert.equal((await client.generateText('Hello', { maxTokens: 1 })).content, 'The ');
    await client.shutdown();
  });
});

// ---------------------------------------------------------------- token utilities (7.3)

describe('token utilities', () => {
  const S = { role: 'system', content: 'You are terse.' };
  const U1 = { role: 'user', content: 'Tell me about the Moon.' };
  const A1 = { role: 'assistant', content: 'The Moon orbits Earth every 27.3 days.' };
  const U2 = { role: 'user', content: 'And Mars?' };

  test('countTokens: the 7.3 vector, on the core estimate (code points)', () => {
    const vector = [['', 1], ['abc', 1], ['abcd', 2], ['hello world', 3], ['é'.repeat(8), 3], ['a\0bc', 2], ['🙂'.repeat(4), 2]];
    for (const [text, expected] of vector) {
      assert.equal(countTokens(text), expected, JSON.stringify(text));
      assert.equal(countTokens(text, 'claude-3-haiku-20240307'), expected);
    }
    assert.throws(() => countTokens('a\uD800b'), InvalidRequestError); // a lone surrogate
    assert.throws(() => countTokens(5), InvalidRequestError);
  });

  test('countMessageTokens and optimizeMessagesForTokenLimit: the 7.3 vector', () => {
    assert.deepEqual([S, U1, A1, U2].map((m) => countTokens(m.content)), [4, 6, 10, 3]);
    assert.deepEqual(countMessageTokens([S, U1, A1, U2]), { promptTokens: 42, totalTokens: 42 });
    const vector = { 23: [S, U1, A1, U2], 22: [S, A1, U2], 17: [S, A1, U2], 13: [S, U2], 3: [S] };
    for (const [max, expected] of Object.entries(vector)) {
      const result = optimizeMessagesForTokenLimit([S, U1, A1, U2], Number(max), 'gpt-4', true);
      assert.equal(result.length, expected.length, max);
      assert.ok(result.every((m, i) => m === expected[i]), max); // the caller's objects
    }
    const S2 = { role: 'system', content: 'Second.' };
    assert.deepEqual(optimizeMessagesForTokenLimit([S, U1, S2, U2], 100), [S2, U1, U2]);
    assert.deepEqual(optimizeMessagesForTokenLimit([U1, A1, U2, S], 9, 'gpt-4', false), [U2, S]);
    assert.deepEqual(optimizeMessagesForTokenLimit([U1, A1, U2], 13, 'gpt-4', false), [A1, U2]);
    assert.deepEqual(optimizeMessagesForTokenLimit([U1, A1, U2], 9, 'gpt-4', false), [U2]);
  });

  test('truncateTextToTokenLimit and a plugged tokenizer', () => {
    assert.equal(truncateTextToTokenLimit('abcdefghij', 2), 'abcdefgh');
    assert.equal(truncateTextToTokenLimit('abc', 2), 'abc');
    assert.equal(truncateTextToTokenLimit('🙂🙂🙂🙂🙂', 1), '🙂🙂🙂🙂'); // characters are code points
    try {
      setTokenizer((text) => text.split(/\s+/).filter(Boolean).length);
      assert.equal(countTokens('one two three'), 3);
      assert.equal(truncateTextToTokenLimit('one two three four', 2), 'one two ');
      assert.deepEqual(countMessageTokens([U2]), { promptTokens: 2 + 4 + 3, totalTokens: 9 });
    } finally {
      setTokenizer(null);
    }
    assert.equal(countTokens('one two three'), 4);
  });
});

// ---------------------------------------------------------------- errors (6.4)

describe('errors', () => {
  test('401 is AuthenticationError (requests, streams, getProviders)', async () => {
    const server = await startServer(['--api-keys', writeKeyStore(KEYS)]);
    try {
      const bad = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(server), authToken: 'sk_wrong' });
      assert.equal(await bad.initialize(), true); // health needs no key
      const e = await bad.generateText('Hi').catch((x) => x);
      assert.ok(e instanceof AuthenticationError && e instanceof TektonLLMError && e instanceof Error);
      assert.deepEqual([e.name, e.code, e.httpStatus, e.coreCode, e.message],
        ['AuthenticationError', 'AUTHENTICATION', 401, 'UNAUTHORIZED', 'Authentication failed']);
      assert.ok(e.cause instanceof RealmError);
      const stream = bad.textStream('Hi');
      await assert.rejects(collect(stream), AuthenticationError);
      assert.ok(stream.error instanceof AuthenticationError);
      const viaCallback = await new Promise((resolve) => bad.streamText('Hi', { onError: resolve }));
      assert.ok(viaCallback instanceof AuthenticationError);
      await assert.rejects(bad.getProviders(), AuthenticationError);
      await bad.shutdown();

      const good = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(server), authToken: 'sk_test_123' });
      assert.equal((await good.generateText('Hi', { maxTokens: 1 })).content, 'The ');
      await good.shutdown();
    } finally {
      await server.stop();
    }
  });

  test('429 is RateLimitError with retryAfter in seconds', async () => {
    const server = await startServer(['--api-keys', writeKeyStore(KEYS), '--rate-limit-rpm', '1', '--rate-limit-burst', '1']);
    try {
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(server), authToken: 'sk_test_123' });
      assert.equal((await client.generateText('Hi', { maxTokens: 1 })).content, 'The ');
      const e = await client.generateText('Hi', { maxTokens: 1 }).catch((x) => x);
      assert.ok(e instanceof RateLimitError, String(e));
      assert.equal(e.httpStatus, 429);
      assert.equal(e.code, 'RATE_LIMITED');
      assert.ok(e.retryAfter >= 1, String(e.retryAfter));
      await client.shutdown();
    } finally {
      await server.stop();
    }
  });

  test('400 is InvalidRequestError, 503 ServiceUnavailableError, 500 AdapterError', async () => {
    const server = await startServer(['--enable-faults', '--models', 'realm-sim']);
    try {
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(server), modelId: 'nope' });
      const bad = await client.generateText('Hi').catch((x) => x);
      assert.ok(bad instanceof InvalidRequestError);
      assert.equal(bad.message, 'Unknown model: nope');
      assert.equal(bad.httpStatus, 400);
      const busy = await client.generateText('Hi', { model: 'realm-sim', extraBody: { fault: { type: 'overload' } } }).catch((x) => x);
      assert.ok(busy instanceof ServiceUnavailableError);
      assert.equal(busy.httpStatus, 503);
      assert.equal(busy.code, 'SERVICE_UNAVAILABLE');
      await client.shutdown();
    } finally {
      await server.stop();
    }
    const s = await stub(() => ({ status: 500, type: 'application/json', body: '{"error":"boom"}' }));
    try {
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url });
      const other = await client.generateText('Hi').catch((x) => x);
      assert.ok(other instanceof AdapterError);
      assert.equal(other.message, "Adapter 'rhetor' error: HTTP error 500: boom");
      assert.equal(other.adapterId, 'rhetor');
      assert.equal(other.httpStatus, 500);
      await client.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('an OpenAI-compatible URL works too', async () => {
    const client = new TektonLLMClient({ rhetorUrl: `${httpUrl(shared)}/v1` });
    assert.equal(client.openaiCompatible, true);
    assert.equal(await client.initialize(), true);
    const providers = await client.getProviders();
    assert.equal(providers.defaultModel, 'realm-sim'); // the server's first model
    const r = await client.generateText('Hello', { systemPrompt: 'Be brief.', maxTokens: 3 });
    assert.equal(r.content.trim(), 'The capital of');
    assert.equal(r.finishReason, 'length');
    const chunks = await collect(client.textStream('Hello', { maxTokens: 2 }));
    assert.equal(chunks.map((c) => c.chunk).join('').trim(), 'The capital');
    assert.ok(chunks.at(-1).done);
    await client.shutdown();
    assert.equal(new TektonLLMClient({ rhetorUrl: 'http://127.0.0.1:1/api' }).openaiCompatible, false);
  });

  test('rhetorWsUrl: streams go over the WebSocket, and over HTTP when it cannot connect', async () => {
    // The HTTP side is a recording stub: a stream that reached it shows there.
    const sse = 'data: {"chunk":"via http","done":false}\n\ndata: {"chunk":"","done":true}\n\n';
    const s = await stub(() => ({ status: 200, type: 'text/event-stream', body: sse }));
    try {
      const ws = `ws://127.0.0.1:${shared.port}/ws`;
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url, rhetorWsUrl: ws, modelId: 'realm-sim' });
      const chunks = await collect(client.textStream('Hello there', { maxTokens: 3 }));
      assert.equal(chunks.map((c) => c.chunk).join('').trim(), 'The capital of'); // realm-server's words
      assert.ok(chunks.at(-1).done);
      assert.ok(!s.requests.some((r) => r.path === '/api/v1/chat/stream'));
      await client.shutdown();

      const dead = `ws://127.0.0.1:${await freePort()}/ws`;
      const fallback = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url, rhetorWsUrl: dead, modelId: 'm' });
      const viaHttp = await collect(fallback.textStream('Hello'));
      assert.equal(viaHttp.map((c) => c.chunk).join(''), 'via http');
      assert.ok(s.requests.some((r) => r.path === '/api/v1/chat/stream'));
      await fallback.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('maxRetries: a 503 before any answer is sent again by the core', async () => {
    let calls = 0;
    const answer = '{"content":"ok","model":"m","provider":"p","finish_reason":"stop"}';
    const s = await stub(() => (++calls === 1
      ? { status: 503, type: 'application/json', body: '{"error":"Service unavailable"}' }
      : { status: 200, type: 'application/json', body: answer }));
    try {
      const client = new TektonLLMClient({ maxRetries: 1, rhetorUrl: s.url, modelId: 'm' });
      assert.equal((await client.generateText('Hi')).content, 'ok');
      assert.deepEqual(s.requests.map((r) => r.path).filter((p) => p !== '/api/v1/health'), ['/api/v1/chat', '/api/v1/chat']);
      await client.shutdown();
    } finally {
      await s.stop();
    }
  });

  test('connection refused and a server that went away are ConnectionError', async () => {
    const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: `http://127.0.0.1:${await freePort()}` });
    assert.equal(await client.initialize(), false); // never rejects
    const e = await client.generateText('Hi').catch((x) => x);
    assert.ok(e instanceof ConnectionError, String(e));
    assert.equal(e.code, 'CONNECTION');

    const server = await startServer();
    const live = new TektonLLMClient({ maxRetries: 0, rhetorUrl: httpUrl(server) });
    assert.equal(await live.initialize(), true);
    await server.stop('SIGKILL');
    await assert.rejects(live.generateText('Hi'), ConnectionError);
    await assert.rejects(collect(live.textStream('Hi')), ConnectionError);
    const viaCallback = await new Promise((resolve) => live.streamText('Hi', { onError: resolve }));
    assert.ok(viaCallback instanceof ConnectionError);
    await live.shutdown();
  });

  test('a request that outlives its timeout is TimeoutError', async () => {
    const s = await stub(() => null); // answers health only
    try {
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: s.url, timeout: 5 });
      const e = await client.generateText('Hi', { timeout: 0.3 }).catch((x) => x);
      assert.ok(e instanceof TimeoutError, String(e));
      assert.equal(e.message, 'Request timed out after 0.3 seconds');
      assert.equal(e.code, 'TIMEOUT');
      await client.shutdown();
    } finally {
      await s.stop();
    }
  });
});

// ---------------------------------------------------------------- fallback (6.2, the [LIBREALM] hook)

describe('fallback', () => {
  test('the hook is opt-in and its answers are flagged', async () => {
    const server = await startServer(['--api-keys', writeKeyStore(KEYS)]);
    const url = httpUrl(server);
    try {
      // No hook: nothing is invented (useFallback defaults to true).
      const plain = new TektonLLMClient({ maxRetries: 0, rhetorUrl: url, authToken: 'sk_wrong' });
      await assert.rejects(plain.generateText('Hi'), AuthenticationError);

      const calls = [];
      const hook = (request) => {
        calls.push(request);
        return 'offline answer';
      };
      const client = new TektonLLMClient({ maxRetries: 0, rhetorUrl: url, authToken: 'sk_wrong', fallback: hook });
      const response = await client.generateText('Hi', { systemPrompt: 'Sys' });
      assert.deepEqual([response.content, response.fallback, response.model, response.provider, response.finishReason],
        ['offline answer', true, 'fallback', 'fallback', 'fallback']);
      const request = calls.at(-1);
      assert.ok(request.error instanceof AuthenticationError);
      assert.equal(request.streaming, false);
      assert.equal(request.systemPrompt, 'Sys');
      assert.equal(request.messages.at(-1).content, 'Hi');
      const stream = client.textStream('Hi');
      const chunks = await collect(stream);
      assert.deepEqual(chunks.map((c) => [c.chunk, c.done, c.fallback]), [['offline answer', false, true], ['', true, true]]);
      assert.equal(stream.fallback, true);
      assert.ok(stream.error instanceof AuthenticationError);
      assert.equal(stream.result.content, 'offline answer');
      await assert.rejects(client.getProviders(), AuthenticationError); // no fallback for providers
      await assert.rejects(client.generateText('Hi', { maxTokens: -1 }), InvalidRequestError); // arguments: never the hook

      const failing = new TektonLLMClient({ maxRetries: 0, rhetorUrl: url, authToken: 'sk_wrong', fallback: async () => { throw new Error('no luck'); } });
      const fe = await failing.generateText('Hi').catch((x) => x);
      assert.ok(fe instanceof FallbackError);
      assert.equal(fe.message, 'Primary error: Authentication failed. Fallback error: no luck');

      const off = new TektonLLMClient({ maxRetries: 0, rhetorUrl: url, authToken: 'sk_wrong', fallback: hook, useFallback: false });
      await assert.rejects(off.generateText('Hi'), AuthenticationError);

      // An unreachable service goes to the hook with the connect error.
      const down = new TektonLLMClient({ maxRetries: 0, rhetorUrl: `http://127.0.0.1:${await freePort()}`, fallback: hook });
      assert.equal((await down.generateText('Hi')).fallback, true);
      assert.ok(calls.at(-1).error instanceof ConnectionError);
      for (const c of [plain, client, failing, off, down]) await c.shutdown();
    } finally {
      await server.stop();
    }
  });
});

// ---------------------------------------------------------------- configuration (1)

describe('configuration', () => {
  function withEnv(vars, fn) {
    const saved = {};
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    try {
      return fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  test('argument > environment > default', async () => {
    const defaults = new TektonLLMClient();
    assert.deepEqual(
      [defaults.componentId, defaults.rhetorUrl, defaults.rhetorWsUrl, defaults.providerId, defaults.modelId,
        defaults.timeout, defaults.maxRetries, defaults.authToken, defaults.useFallback, defaults.fallback, defaults.debug],
      ['browser-client', 'http://localhost:8003', null, 'anthropic', null, 30, 3, null, true, null, false],
    );
    const server = await startServer(['--api-keys', writeKeyStore(KEYS)]);
    const dead = `http://127.0.0.1:${await freePort()}`;
    try {
      const env = { RHETOR_URL: httpUrl(server), RHETOR_AUTH_TOKEN: 'sk_test_123', RHETOR_DEFAULT_PROVIDER: 'realm',
        RHETOR_DEFAULT_MODEL: 'env-model', RHETOR_TIMEOUT: '12.5', RHETOR_MAX_RETRIES: '5' };
      const [fromEnv, explicit, wrongKey] = withEnv(env, () => [
        new TektonLLMClient(),
        new TektonLLMClient({ rhetorUrl: dead, providerId: 'p', modelId: 'm', timeout: 3, maxRetries: 0, authToken: 'sk_wrong' }),
        new TektonLLMClient({ authToken: 'sk_wrong' }), // $RHETOR_URL, the argument's token
      ]);
      assert.deepEqual([fromEnv.rhetorUrl, fromEnv.providerId, fromEnv.modelId, fromEnv.timeout, fromEnv.maxRetries, fromEnv.authToken],
        [httpUrl(server), 'realm', 'env-model', 12.5, 5, 'sk_test_123']);
      const response = await fromEnv.generateText('Hi', { maxTokens: 1 });
      assert.equal(response.content, 'The ');
      assert.equal(response.model, 'env-model');
      assert.deepEqual([explicit.rhetorUrl, explicit.providerId, explicit.modelId, explicit.timeout, explicit.maxRetries, explicit.authToken],
        [dead, 'p', 'm', 3, 0, 'sk_wrong']);
      assert.equal(await explicit.initialize(), false); // the argument's URL, not $RHETOR_URL
      await assert.rejects(wrongKey.generateText('Hi'), AuthenticationError);
      for (const c of [fromEnv, explicit, wrongKey]) await c.shutdown();
    } finally {
      await server.stop();
    }
    assert.throws(() => withEnv({ RHETOR_TIMEOUT: 'soon' }, () => new TektonLLMClient()), (e) => e instanceof InvalidRequestError && /RHETOR_TIMEOUT/.test(e.message));
    assert.equal(withEnv({ RHETOR_TIMEOUT: '' }, () => new TektonLLMClient()).timeout, 30); // empty = unset
    assert.throws(() => withEnv({ RHETOR_MAX_RETRIES: '-1' }, () => new TektonLLMClient()), (e) => e instanceof InvalidRequestError && /RHETOR_MAX_RETRIES/.test(e.message));
    assert.throws(() => new TektonLLMClient({ rhetorUrl: 'ftp://x' }), InvalidRequestError);
    assert.throws(() => new TektonLLMClient({ timeout: -1 }), InvalidRequestError);
    assert.throws(() => new TektonLLMClient({ rhetorURL: 'http://x' }), (e) => e instanceof InvalidRequestError && /rhetorURL/.test(e.message));
    assert.equal(new TektonLLMClient({ rhetorWsUrl: 'ws://h/ws' }).rhetorWsUrl, 'ws://h/ws');
  });

  test('the error classes carry their Tekton codes', () => {
    const classes = { TektonLLMError, ConnectionError, TimeoutError, AuthenticationError, ServiceUnavailableError,
      RateLimitError, InvalidRequestError, AdapterError, FallbackError, CancelledError };
    const codes = { TektonLLMError: 'TEKTON_LLM_ERROR', ConnectionError: 'CONNECTION', TimeoutError: 'TIMEOUT',
      AuthenticationError: 'AUTHENTICATION', ServiceUnavailableError: 'SERVICE_UNAVAILABLE', RateLimitError: 'RATE_LIMITED',
      InvalidRequestError: 'INVALID_REQUEST', AdapterError: 'ADAPTER', FallbackError: 'FALLBACK_FAILED', CancelledError: 'CANCELLED' };
    for (const [name, cls] of Object.entries(classes)) {
      const e = name === 'AdapterError' ? new cls('rhetor', 'x') : new cls('x', { httpStatus: 418, retryAfter: 2 });
      assert.equal(cls.code, codes[name]);
      assert.equal(e.code, codes[name]);
      assert.equal(e.name, name);
      assert.ok(e instanceof TektonLLMError && e instanceof Error);
    }
  });
});
