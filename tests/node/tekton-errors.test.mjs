// TektonLLMClient's errors (tekton.md 6.4: the status mapping, connection
// refused, timeouts, retries), the fallback hook (6.2) and configuration (1),
// against realm-server's Tekton HTTP routes and a recording HTTP stub for the
// statuses realm-server never sends. Requests, cancellation and the token
// utilities: tekton.test.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  TektonLLMClient, TektonLLMError, ConnectionError, TimeoutError, AuthenticationError,
  ServiceUnavailableError, RateLimitError, InvalidRequestError, AdapterError, FallbackError, CancelledError,
  RealmError,
} from '@realm-ai/ws-client';
import {
  startServer, writeKeyStore, KEYS, clearRhetorEnv, fileServer, httpUrl, freePort, stub, collect,
} from './helpers.mjs';

clearRhetorEnv();

const shared = fileServer(['--token-delay-ms', '1']); // streams at 1 ms per token

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
