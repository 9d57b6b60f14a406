// TektonLLMClient (docs/node.md "TektonLLMClient", tekton.md 1, 2, 6, 7) against
// realm-server's Tekton HTTP routes (/api/v1/health, /providers, /chat,
// /chat/stream on its usual port), plus a small recording HTTP stub where a
// test must see the request bytes or wait for a server that never answers:
// the documented example, requests and results, cancellation and the token
// utilities. Errors, fallback and configuration: tekton-errors.test.mjs. The
// Python side is tests/python/test_tekton_client.py.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  TektonLLMClient, TektonChunkStream, TektonLLMError, ConnectionError, ServiceUnavailableError,
  InvalidRequestError, CancelledError, countTokens, countMessageTokens, truncateTextToTokenLimit,
  optimizeMessagesForTokenLimit, setTokenizer,
} from '@realm-ai/ws-client';
import {
  startServer, expectedToken, runNode, repoRoot, clearRhetorEnv, fileServer, httpUrl, freePort, stub, collect,
} from './helpers.mjs';

clearRhetorEnv();

const tokens = (prompt, n) => Array.from({ length: n }, (_, i) => expectedToken(i, prompt));

const shared = fileServer(['--token-delay-ms', '1']); // streams at 1 ms per token

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
