// Authentication, tenant adoption and rate limiting.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, writeKeyStore, KEYS } from './helpers.mjs';

describe('server with API keys', () => {
  let server;
  before(async () => {
    server = await startServer(['--api-keys', writeKeyStore(KEYS)]);
  });
  after(() => server.stop());

  test('a good key connects and adopts the tenant of auth_success', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'llama-2-7b', apiKey: 'sk_test_123' });
    await client.connect();
    assert.equal(client.getTenantId(), 'tenant1');
    const r = await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 });
    assert.equal(r.text, 'Paris');
    let n = 0;
    for await (const _ of client.generateStream({ prompt: 'Tell me a story', max_tokens: 10 })) n++;
    assert.equal(n, 10);
    await client.disconnect();
  });

  test('the matching explicit tenant is accepted', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey: 'sk_other_456', tenantId: 'tenant2' });
    await client.connect();
    assert.equal(client.getTenantId(), 'tenant2');
    await client.disconnect();
  });

  test('a different explicit tenant is rejected with UNAUTHORIZED', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey: 'sk_test_123', tenantId: 'someone-else' });
    await assert.rejects(client.connect(), (e) => e instanceof RealmError && e.code === 'UNAUTHORIZED' && /tenant/i.test(e.message));
    assert.equal(client.isConnected(), false);
  });

  for (const [label, apiKey, pattern] of [
    ['a bad key', 'sk_wrong', /Invalid API key/],
    ['a disabled key', 'sk_disabled', /disabled/],
  ]) {
    test(`${label} is rejected clearly, without a reconnect loop`, async () => {
      const client = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey, reconnectInterval: 1 });
      const reconnects = [];
      const errors = [];
      client.on('reconnecting', (e) => reconnects.push(e));
      client.on('error', (e) => errors.push(e));
      await assert.rejects(client.connect(), (e) => {
        assert.ok(e instanceof RealmError);
        assert.equal(e.code, 'UNAUTHORIZED');
        assert.match(e.message, pattern);
        assert.equal(e.retryable, false);
        assert.equal(e.message.includes(apiKey), false, 'the key never appears in messages');
        return true;
      });
      // Anything the core would do next happens on its event thread; a
      // request round trip on another client orders us after it.
      const probe = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey: 'sk_test_123' });
      await probe.connect();
      await probe.health();
      await probe.disconnect();
      assert.equal(reconnects.length, 0, 'no reconnect attempts after an auth failure');
      assert.equal(client.getState(), 'disconnected');
      assert.ok(errors.every((e) => e.code === 'UNAUTHORIZED'));
    });
  }

  test('no key against an auth server fails with UNAUTHORIZED', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
    await assert.rejects(client.connect(), (e) => e.code === 'UNAUTHORIZED');
  });
});

describe('rate limit', () => {
  let server;
  before(async () => {
    server = await startServer(['--api-keys', writeKeyStore(KEYS), '--rate-limit-rpm', '6', '--rate-limit-burst', '3']);
  });
  after(() => server.stop());

  test('RATE_LIMIT_EXCEEDED carries retryAfter in ms', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey: 'sk_test_123' });
    await client.connect();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.generate({ prompt: 'hi' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const limited = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    assert.equal(ok.length, 3, 'the burst passes');
    assert.equal(limited.length, 3);
    for (const error of limited) {
      // The documented usage:
      assert.ok(error instanceof RealmError);
      if (error.code === 'RATE_LIMIT_EXCEEDED') {
        assert.equal(typeof error.retryAfter, 'number');
        assert.ok(error.retryAfter > 0 && error.retryAfter <= 10000, `retryAfter ${error.retryAfter}`);
      } else {
        assert.fail(`unexpected code ${error.code}`);
      }
      assert.equal(error.retryable, true);
      assert.equal(error.category, 'rate_limit');
    }
    assert.ok(client.isConnected(), 'a rate limit does not drop the connection');
    await client.disconnect();
  });
});

describe('upstream-compatible server (no extensions)', () => {
  let server;
  before(async () => {
    server = await startServer(['--compat', 'upstream', '--token-delay-ms', '1']);
  });
  after(() => server.stop());

  // The compat server exposes no counters, so whether a cancel frame went out is not
  // observable here; the test checks that leaving a stream early is harmless.
  test('quick-start calls work without extensions; leaving a stream early leaves the connection usable', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'llama-2-7b', apiKey: 'your-api-key' });
    const events = [];
    client.on('error', (e) => events.push(['error', e]));
    client.on('disconnected', (e) => events.push(['disconnected', e]));
    await client.connect();
    assert.equal(client.hasExtension('cancel'), false);
    assert.equal((await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 })).text, 'Paris');
    const tokens = [];
    for await (const t of client.generateStream({ prompt: 'Tell me a story', max_tokens: 13 })) tokens.push(t);
    assert.equal(tokens.join('').trim(), 'The capital of France is Paris. This is a simulated response to: Tell');
    let n = 0;
    for await (const _ of client.generateStream({ prompt: 'Tell me a story', max_tokens: 50 })) if (++n === 2) break;
    // FIFO server: the next call waits for the abandoned stream to finish server-side, then works.
    assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
    assert.deepEqual(events, []);
    assert.ok(client.isConnected());
    await client.disconnect();
  });
});
