// Every public method and event of RealmWebSocketClient against a plain realm-server.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

import defaultExport, { RealmWebSocketClient, RealmError, ErrorCodes, errorTable, coreVersion } from '@realm-ai/ws-client';
import { startServer, expectedToken, nextEvent } from './helpers.mjs';

const require = createRequire(import.meta.url);
const TENANT_RULE = /^[\p{L}\p{N}_-]+$/u; // realm.md 8.1
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';

let server;
before(async () => {
  server = await startServer(['--enable-faults', '--pipeline', 'summarize:m1,m2']);
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, 'realm-server exits cleanly on SIGTERM');
});

describe('module', () => {
  test('CommonJS and ESM expose the same classes', () => {
    const cjs = require('@realm-ai/ws-client');
    assert.equal(cjs.RealmWebSocketClient, RealmWebSocketClient);
    assert.equal(cjs.RealmError, RealmError);
    assert.equal(defaultExport, RealmWebSocketClient);
    assert.equal(typeof coreVersion, 'string');
  });

  test('the addon exports only its N-API entry points', async () => {
    // The core is linked in statically. Its realm_* symbols (and any of our
    // C++ ones) must stay local: exported, they would be interposed by another
    // copy of librealm in the process (an embedding application, another addon).
    const addon = Object.keys(require.cache).find((p) => p.endsWith('.node'));
    assert.ok(addon, 'the addon is loaded');
    const { execFileSync } = await import('node:child_process');
    const names = execFileSync('nm', ['-D', '--defined-only', '-C', addon], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').slice(2).join(' '));
    assert.ok(names.includes('napi_register_module_v1'), names.join('\n'));
    const ours = names.filter((n) => /realm|lws_|cJSON/.test(n));
    assert.deepEqual(ours, []);
  });

  test('ErrorCodes mirror the core error table', () => {
    assert.equal(ErrorCodes.RATE_LIMIT_EXCEEDED, 'RATE_LIMIT_EXCEEDED');
    assert.equal(ErrorCodes.UNAUTHORIZED, 'UNAUTHORIZED');
    assert.equal(ErrorCodes.CONNECTION_LOST, 'CONNECTION_LOST');
    assert.equal(ErrorCodes.TIMEOUT, 'TIMEOUT');
    assert.equal(ErrorCodes.PROTOCOL_ERROR, 'PROTOCOL_ERROR');
    assert.equal(ErrorCodes.CANCELLED, 'CANCELLED');
    for (const row of errorTable) if (row.status !== 0) assert.equal(ErrorCodes[row.name], row.name);
    const e = new RealmError('RATE_LIMIT_EXCEEDED', 'slow down', { retryAfter: 1500 });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'RealmError');
    assert.equal(e.retryAfter, 1500);
    assert.equal(e.retryable, true);
    assert.equal(e.category, 'rate_limit');
  });
});

describe('constructor', () => {
  test('model is required, with a clear error', () => {
    assert.throws(
      () => new RealmWebSocketClient({ url: server.url }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /options\.model is required/.test(e.message),
    );
    assert.throws(() => new RealmWebSocketClient(), (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT');
    assert.throws(() => new RealmWebSocketClient({ model: '' }), /model is required/);
  });

  test('invalid options are rejected by the core', () => {
    assert.throws(
      () => new RealmWebSocketClient({ model: 'm', url: 'ftp://example.com' }),
      (e) => e instanceof RealmError && e.code === 'INVALID_URL',
    );
    assert.throws(
      () => new RealmWebSocketClient({ model: 'm', timeout: 'soon' }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /timeout/.test(e.message),
    );
    assert.throws(
      () => new RealmWebSocketClient({ model: 'm', tenantId: 'a b' }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /tenantId/.test(e.message),
    );
    assert.throws(
      () => new RealmWebSocketClient({ model: 'm', maxMessageSize: 10 }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /maxMessageSize/.test(e.message),
    );
    for (const busyPollUs of [-1, 1.5, 1000001, 'fast']) {
      assert.throws(
        () => new RealmWebSocketClient({ model: 'm', busyPollUs }),
        (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /busyPollUs/.test(e.message),
        `busyPollUs: ${busyPollUs}`,
      );
    }
  });

  test('while the JS thread busy-polls, timers and other callbacks keep running', async () => {
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', busyPollUs: 1000000 });
    await client.connect();
    // A slow stream keeps a request in flight (the poller active, nothing
    // arriving for 30 ms at a time) throughout.
    const stream = client.generateStream({ prompt: 'x', max_tokens: 4, extraParams: { delay_ms: 30 } });
    const drained = (async () => {
      let n = 0;
      for await (const t of stream) n += t.length > 0 ? 1 : 0;
      return n;
    })();
    // Count timer callbacks for as long as the stream runs (at least 3 x 30 ms
    // of server pacing): a JS thread blocked by the poller would see none.
    let ticks = 0;
    let done = false;
    drained.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((r) => setTimeout(r, 0));
      ticks++;
    }
    assert.equal(await drained, 4);
    assert.ok(ticks >= 3, `only ${ticks} timer callbacks while the stream ran`);
    await client.disconnect();
  });

  // Busy polling changes how the threads wait, never what is delivered.
  for (const busyPollUs of [0, 1000000]) {
    test(`busyPollUs ${busyPollUs}: round trips, a stream and concurrent calls complete`, async () => {
      const client = new RealmWebSocketClient({ url: server.url, model: 'm', busyPollUs });
      await client.connect();
      for (let i = 0; i < 50; i++) {
        const r = await client.generate({ prompt: 'x', max_tokens: 1, stream: true });
        assert.equal(r.text, expectedToken(0, 'x'));
      }
      let text = '';
      for await (const t of client.generateStream({ prompt: 'Tell me a story', max_tokens: 300 })) text += t;
      assert.equal(text, Array.from({ length: 300 }, (_, i) => expectedToken(i, 'Tell me a story')).join(''));
      const all = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.generate({ prompt: `p${i}`, max_tokens: 3, stream: true })),
      );
      all.forEach((r, i) => assert.equal(r.text, [0, 1, 2].map((k) => expectedToken(k, `p${i}`)).join(''), `call ${i}`));
      await client.disconnect();
    });
  }

  test('every documented option is accepted', async () => {
    const client = new RealmWebSocketClient({
      url: server.url,
      model: 'llama-2-7b',
      apiKey: 'your-api-key',
      tenantId: 'my-tenant_1',
      reconnect: true,
      reconnectInterval: 5000,
      timeout: 30000,
      connectTimeout: 5000,
      idleTimeout: 0,
      backoffCap: 30000,
      backoffMaxAttempts: 3,
      backoffJitterPercent: 10,
      pingInterval: 1000,
      ...(fs.existsSync(SYSTEM_CA) ? { tlsCaFile: SYSTEM_CA } : {}), // the core reads it when connecting
      tlsInsecure: false,
      maxMessageSize: 1 << 20,
      maxQueuedRequests: 100,
      busyPollUs: 200,
    });
    assert.equal(client.isConnected(), false);
    assert.equal(client.getState(), 'disconnected');
    await client.connect();
    assert.equal(client.getTenantId(), 'my-tenant_1', 'a configured tenant is used against a server without auth');
    await client.disconnect();
  });
});

describe('connected client', () => {
  let client;
  before(async () => {
    client = new RealmWebSocketClient({ url: server.url, model: 'llama-2-7b' });
    const connected = nextEvent(client, 'connected');
    await client.connect();
    const ev = await connected;
    assert.equal(ev.tenantId, client.getTenantId());
    assert.equal(typeof ev.serverVersion, 'string');
  });
  after(async () => {
    const disconnected = nextEvent(client, 'disconnected');
    await client.disconnect();
    const ev = await disconnected;
    assert.equal(ev.code, 1000);
    assert.equal(client.isConnected(), false);
  });

  test('connect / isConnected / getTenantId / server info', async () => {
    assert.equal(client.isConnected(), true);
    assert.equal(client.getState(), 'connected');
    const tenant = client.getTenantId();
    assert.equal(typeof tenant, 'string');
    assert.ok(tenant.length >= 3 && tenant.length <= 64 && TENANT_RULE.test(tenant), `tenant ${tenant} satisfies realm.md 8.1`);
    assert.equal(typeof client.getServerVersion(), 'string');
    assert.equal(client.hasExtension('cancel'), true);
    assert.equal(client.hasExtension('no-such-thing'), false);
    await client.connect(); // connecting a connected client resolves at once
    assert.equal(client.getTenantId(), tenant);
  });

  test('generate returns the documented result shape', async () => {
    const result = await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 });
    assert.equal(result.text, 'Paris');
    assert.equal(result.tokens_generated, 1);
    assert.equal(result.prompt_tokens, 6);
    assert.equal(typeof result.cost_usd, 'number');
    assert.equal(typeof result.time_ms, 'number');
    const other = await client.generate({
      prompt: 'hello there',
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      repetition_penalty: 1.1,
      model: 'other-model',
    });
    assert.equal(other.text, 'Simulated response to: hello there');
  });

  test('generate with stream:true concatenates the streamed tokens', async () => {
    const result = await client.generate({ prompt: 'Tell me a story', max_tokens: 20, stream: true });
    let expected = '';
    for (let i = 0; i < 20; i++) expected += expectedToken(i, 'Tell me a story');
    assert.equal(result.text, expected);
    assert.equal(result.tokens_generated, 20);
  });

  test('generateStream yields every token in order', async () => {
    const tokens = [];
    const stream = client.generateStream({ prompt: 'Tell me a story', max_tokens: 100 });
    for await (const token of stream) tokens.push(token);
    assert.equal(tokens.length, 100);
    tokens.forEach((t, i) => assert.equal(t, expectedToken(i, 'Tell me a story'), `token ${i}`));
    assert.equal(stream.result.tokens_generated, 100);
    assert.equal(stream.result.text, tokens.join(''));
    assert.equal(stream.result.usage.completionTokens, 100);
  });

  test('long stream keeps order; non-ASCII tokens survive', async () => {
    const prompt = 'Grüße🙂 from Zürich';
    const n = 5000;
    let i = 0;
    for await (const token of client.generateStream({ prompt, max_tokens: n })) {
      assert.equal(token, expectedToken(i, prompt));
      i++;
    }
    assert.equal(i, n);
  });

  test('a consumer that falls behind gets every buffered token, in order', async () => {
    // The whole stream arrives while the loop sleeps, so most tokens sit in
    // the stream's buffer as runs of a burst, sliced when taken.
    const prompt = 'Grüße🙂 slow reader';
    const n = 3000;
    const stream = client.generateStream({ prompt, max_tokens: n });
    const first = await stream.next();
    assert.equal(first.value, expectedToken(0, prompt));
    await new Promise((resolve) => setTimeout(resolve, 200));
    let i = 1;
    for await (const token of stream) {
      assert.equal(token, expectedToken(i, prompt), `token ${i}`);
      i++;
    }
    assert.equal(i, n);
    assert.equal(stream.result.tokens_generated, n);
  });

  test('next() calls made without waiting resolve in order', async () => {
    const prompt = 'Eager reader';
    const stream = client.generateStream({ prompt, max_tokens: 40 });
    const pending = Array.from({ length: 45 }, () => stream.next());
    const results = await Promise.all(pending);
    results.slice(0, 40).forEach((r, i) => assert.deepEqual(r, { value: expectedToken(i, prompt), done: false }));
    results.slice(40).forEach((r) => assert.equal(r.done, true));
  });

  test('token events', async () => {
    const seen = [];
    const onToken = (t) => seen.push(t);
    client.on('token', onToken);
    const text = [];
    for await (const t of client.generateStream({ prompt: 'Events please', max_tokens: 30 })) text.push(t);
    await client.generate({ prompt: 'Events please', max_tokens: 5, stream: true });
    client.off('token', onToken);
    await client.generate({ prompt: 'Events please', max_tokens: 5, stream: true });
    assert.equal(seen.length, 35);
    assert.deepEqual(seen.slice(0, 30), text);
    assert.throws(() => client.on('nope', () => {}), (e) => e.code === 'INVALID_ARGUMENT');
  });

  test('executePipeline runs a server pipeline', async () => {
    const out = await client.executePipeline('summarize', { prompt: 'What is the capital of France?' });
    assert.equal(typeof out, 'object');
    assert.equal(typeof out.text, 'string');
    await assert.rejects(client.executePipeline('no-such-pipeline', {}), (e) => e instanceof RealmError && e.code === 'DISPATCH_ERROR');
  });

  test('call runs any server function by name', async () => {
    const h = await client.call('health');
    assert.equal(h.status, 'healthy');
    const g = await client.call('generate', { prompt: 'What is the capital of France?', max_tokens: 5 });
    assert.equal(typeof g.text, 'string');
    assert.ok(g.text.length > 0);
    await assert.rejects(
      client.call('embed', { text: 'x' }),
      (e) => e instanceof RealmError && e.code === 'DISPATCH_ERROR' && /Unknown function/.test(e.message),
    );
    await assert.rejects(client.call(7), (e) => e.code === 'INVALID_ARGUMENT' && /function name must be a string/.test(e.message));
    await assert.rejects(client.call('health', 1n), (e) => e.code === 'INVALID_ARGUMENT' && /params cannot be sent as JSON/.test(e.message));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(client.call('health', undefined, { signal: ac.signal }), (e) => e.code === 'CANCELLED');
  });

  test('health and metadata', async () => {
    const h = await client.health();
    assert.equal(h.status, 'healthy');
    assert.equal(typeof h.active_requests, 'number');
    const m = await client.metadata();
    assert.ok(Array.isArray(m.functions));
    assert.ok(m.functions.some((f) => f.name === 'generate'));
  });

  test('bad arguments reject with INVALID_ARGUMENT', async () => {
    await assert.rejects(client.generate({ max_tokens: 5 }), (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.generate({ prompt: 'x', max_tokens: 1.5 }), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.generate({ prompt: 'x', temperature: -1 }), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.generate({ prompt: 'x', signal: 'nope' }), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.generate(), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.generateStream({}).next(), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.executePipeline(42), (e) => e.code === 'INVALID_ARGUMENT');
    // Values JSON cannot carry are INVALID_ARGUMENT too, not a TypeError.
    const cycle = {};
    cycle.self = cycle;
    for (const [call, what] of [
      [() => client.generate({ prompt: 'x', extraParams: { seed: 1n } }), /'extraParams' cannot be sent as JSON: .*BigInt/],
      [() => client.generate({ prompt: 'x', extraParams: cycle }), /'extraParams' cannot be sent as JSON: .*circular/],
      [() => client.executePipeline('p', () => 1), /input cannot be sent as JSON \(a function\)/],
    ]) {
      await assert.rejects(call(), (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && what.test(e.message));
    }
  });

  test('server errors carry the server code', async () => {
    await assert.rejects(
      client.generate({ prompt: 'x', extraParams: { delay_ms: 'soon' } }),
      (e) => e instanceof RealmError && e.code === 'DISPATCH_ERROR' && /delay_ms/.test(e.message) && e.retryAfter === undefined,
    );
  });
});

test('requests on a client that never connected reject with NOT_CONNECTED', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await assert.rejects(client.generate({ prompt: 'x' }), (e) => e instanceof RealmError && e.code === 'NOT_CONNECTED');
  await assert.rejects(client.health(), (e) => e.code === 'NOT_CONNECTED');
  const stream = client.generateStream({ prompt: 'x' });
  await assert.rejects(stream.next(), (e) => e.code === 'NOT_CONNECTED');
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
  await client.disconnect();
});

test('disconnect rejects in-flight requests with CANCELLED', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  const pending = client.generate({ prompt: 'slow', max_tokens: 100, stream: true, extraParams: { delay_ms: 20 } });
  const stream = client.generateStream({ prompt: 'slow', max_tokens: 100, extraParams: { delay_ms: 20 } });
  const first = await stream.next();
  assert.equal(first.done, false);
  const pendingRejects = assert.rejects(pending, (e) => e instanceof RealmError && e.code === 'CANCELLED');
  await client.disconnect();
  await pendingRejects;
  await assert.rejects(
    (async () => {
      for await (const _ of stream);
    })(),
    (e) => e.code === 'CANCELLED',
  );
  // The client can connect again.
  await client.connect();
  assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
  await client.disconnect();
});

test('next() calls waiting for a token when the request fails all reject with its error', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  // The first token comes at once, the next one an hour later: the three
  // next() calls made after the first wait for it (TokenStream keeps only
  // their resolve functions, and rejects them through those).
  const stream = client.generateStream({ prompt: 'slow', max_tokens: 5, extraParams: { delay_ms: 3600000 } });
  assert.equal((await stream.next()).done, false);
  const waiting = [stream.next(), stream.next(), stream.next()];
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    // Handlers go on before the disconnect, as a caller awaiting these calls
    // would have them: the stream fails in an earlier native callback than
    // the one that resolves disconnect(), and Node reports a rejection with
    // no handler as soon as that callback's microtasks drain.
    const allSettled = Promise.allSettled(waiting);
    await client.disconnect();
    const settled = await allSettled;
    for (const s of settled) {
      assert.equal(s.status, 'rejected');
      assert.ok(s.reason instanceof RealmError);
      assert.equal(s.reason.code, 'CANCELLED');
    }
    assert.equal(settled[0].reason, settled[2].reason, 'one error for the request');
    assert.deepEqual(await stream.next(), { value: undefined, done: true });
    // Unhandled rejections are reported after the microtask queue drains: give it a macrotask turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('close() destroys the client and rejects what was pending', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  const pending = client.generate({ prompt: 'slow', max_tokens: 100, stream: true, extraParams: { delay_ms: 20 } });
  const stream = client.generateStream({ prompt: 'slow', max_tokens: 100, extraParams: { delay_ms: 20 } });
  assert.equal((await stream.next()).done, false);
  client.close();
  await assert.rejects(pending, (e) => e instanceof RealmError && e.code === 'CANCELLED');
  await assert.rejects(stream.next(), (e) => e.code === 'CANCELLED');
  assert.equal(client.getState(), 'closed');
  assert.equal(client.isConnected(), false);
  await assert.rejects(client.generate({ prompt: 'x' }), (e) => e instanceof RealmError && e.code === 'INVALID_STATE');
  await assert.rejects(client.connect(), (e) => e instanceof RealmError && e.code === 'INVALID_STATE');
  client.close(); // idempotent
});

test('disconnect() from inside a token listener', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  let seen = 0;
  let closing;
  client.on('token', () => {
    if (++seen === 3) closing = client.disconnect();
  });
  await assert.rejects(client.generate({ prompt: 'x', max_tokens: 1000, stream: true, extraParams: { delay_ms: 2 } }), (e) => e.code === 'CANCELLED');
  await closing;
  assert.equal(client.isConnected(), false);
});

test('close() from inside a token listener', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  let seen = 0;
  client.on('token', () => {
    if (++seen === 3) client.close();
  });
  const stream = client.generateStream({ prompt: 'x', max_tokens: 1000, extraParams: { delay_ms: 2 } });
  const other = client.generate({ prompt: 'y', max_tokens: 1000, stream: true, extraParams: { delay_ms: 2 } });
  await assert.rejects(
    (async () => {
      for await (const _ of stream);
    })(),
    (e) => e.code === 'CANCELLED',
  );
  await assert.rejects(other, (e) => e.code === 'CANCELLED');
  assert.equal(client.getState(), 'closed');
});
