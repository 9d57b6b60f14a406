// Server crashes, restarts, timeouts and malformed frames.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, expectedToken, nextEvent } from './helpers.mjs';

async function consume(stream, onToken = () => {}) {
  const got = [];
  for await (const t of stream) {
    got.push(t);
    onToken(t, got.length);
  }
  return got;
}

describe('connect failures', () => {
  test('an unreachable server rejects connect (refused port)', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address();
    probe.close();
    await once(probe, 'close');
    const client = new RealmWebSocketClient({ url: `ws://127.0.0.1:${port}`, model: 'm', connectTimeout: 2000 });
    // CONNECT_FAILED (not TIMEOUT) shows the refusal ended it, not the 2 s timeout.
    await assert.rejects(client.connect(), (e) => e instanceof RealmError && e.code === 'CONNECT_FAILED');
    assert.equal(client.isConnected(), false);
  });

  test('a server that never answers the upgrade rejects within the connect timeout', async () => {
    const sockets = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, never speaks
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const client = new RealmWebSocketClient({ url: `ws://127.0.0.1:${silent.address().port}`, model: 'm', connectTimeout: 300 });
    const started = Date.now();
    await assert.rejects(client.connect(), (e) => e instanceof RealmError && e.code === 'TIMEOUT');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250, `rejected early, after ${elapsed} ms`); // the timeout did not fire early
    sockets.forEach((s) => s.destroy());
    silent.close();
  });

  test('a server that never sends the welcome rejects within the connect timeout', async () => {
    const server = await startServer(['--enable-faults']);
    try {
      const client = new RealmWebSocketClient({ url: `${server.url}/?fault=no_welcome`, model: 'm', connectTimeout: 300 });
      await assert.rejects(client.connect(), (e) => e.code === 'TIMEOUT');
    } finally {
      await server.stop();
    }
  });

  test('aborting a pending connect rejects it with CANCELLED', async () => {
    const sockets = [];
    const silent = net.createServer((s) => sockets.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const client = new RealmWebSocketClient({ url: `ws://127.0.0.1:${silent.address().port}`, model: 'm', connectTimeout: 10000 });
    const ac = new AbortController();
    const p = client.connect({ signal: ac.signal });
    setImmediate(() => ac.abort());
    await assert.rejects(p, (e) => e.code === 'CANCELLED');
    sockets.forEach((s) => s.destroy());
    silent.close();
  });
});

describe('server killed mid-stream', () => {
  test('the generator throws, pending promises reject, nothing hangs', async () => {
    const server = await startServer();
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', reconnect: false });
    await client.connect();
    const disconnected = nextEvent(client, 'disconnected');
    const slow = { delay_ms: 5 };
    const pendingGenerate = assert.rejects(
      client.generate({ prompt: 'a b', max_tokens: 10000, stream: true, extraParams: slow }),
      (e) => e instanceof RealmError && e.code === 'CONNECTION_LOST',
    );
    const pendingHealth = [];
    const streamResult = consume(client.generateStream({ prompt: 'killed mid', max_tokens: 10000, extraParams: slow }), (t, n) => {
      if (n === 3) {
        server.proc.kill('SIGKILL');
        // Started while the connection dies: rejects with CONNECTION_LOST or NOT_CONNECTED.
        pendingHealth.push(client.health().then(() => null, (e) => e));
      }
    });
    await assert.rejects(streamResult, (e) => e instanceof RealmError && e.code === 'CONNECTION_LOST');
    await pendingGenerate;
    assert.equal(pendingHealth.length, 1);
    const late = await pendingHealth[0];
    assert.ok(late instanceof RealmError && ['CONNECTION_LOST', 'NOT_CONNECTED'].includes(late.code), String(late));
    const ev = await disconnected;
    assert.equal(ev.code, 1006);
    assert.ok(ev.error instanceof RealmError);
    assert.equal(client.isConnected(), false);
    await assert.rejects(client.generate({ prompt: 'x' }), (e) => e.code === 'NOT_CONNECTED');
    await server.stop();
  });
});

describe('reconnect', () => {
  test('the client reconnects after a server restart', async () => {
    const first = await startServer();
    const port = first.port;
    const client = new RealmWebSocketClient({ url: first.url, model: 'm', reconnectInterval: 20, backoffCap: 100, backoffMaxAttempts: 0 });
    await client.connect();
    const tenant = client.getTenantId();
    const reconnecting = nextEvent(client, 'reconnecting');
    const disconnected = nextEvent(client, 'disconnected');
    await first.stop('SIGTERM');
    const d = await disconnected;
    assert.ok(d.error instanceof RealmError);
    const r = await reconnecting;
    assert.ok(r.attempt >= 1 && typeof r.delay === 'number');
    const connected = nextEvent(client, 'connected');
    const second = await startServer([], { port });
    try {
      const c = await connected;
      assert.equal(c.tenantId, tenant, 'the tenant survives reconnection');
      assert.equal(client.isConnected(), true);
      assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
    } finally {
      await client.disconnect();
      await second.stop();
    }
  });

  test('with reconnect:false a drop ends the client', async () => {
    const server = await startServer();
    const client = new RealmWebSocketClient({ url: server.url, model: 'm', reconnect: false });
    await client.connect();
    let reconnects = 0;
    client.on('reconnecting', () => reconnects++);
    const disconnected = nextEvent(client, 'disconnected');
    await server.stop();
    await disconnected;
    assert.equal(reconnects, 0);
    assert.equal(client.getState(), 'disconnected');
  });
});

describe('timeouts and faults', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer(['--enable-faults']);
    client = new RealmWebSocketClient({ url: server.url, model: 'm', timeout: 5000 });
    await client.connect();
  });
  after(async () => {
    await client.disconnect();
    await server.stop();
  });

  test('request timeout (client option)', async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', timeout: 200 });
    await c.connect();
    // The stream would take 50 s; TIMEOUT shows the 200 ms option ended it.
    await assert.rejects(
      c.generate({ prompt: 'slow', max_tokens: 1000, stream: true, extraParams: { delay_ms: 50 } }),
      (e) => e instanceof RealmError && e.code === 'TIMEOUT' && e.retryable === true,
    );
    await c.disconnect();
  });

  test('request timeout (per call) on a stream', async () => {
    await assert.rejects(
      consume(client.generateStream({ prompt: 'slow', max_tokens: 1000, extraParams: { delay_ms: 50 }, timeout: 150 })),
      (e) => e.code === 'TIMEOUT',
    );
  });

  test('idle timeout on a stalled stream', async () => {
    const got = [];
    await assert.rejects(
      consume(
        client.generateStream({
          prompt: 'stall here',
          max_tokens: 10,
          idleTimeout: 150,
          extraParams: { fault: { type: 'stall', after: 2, ms: 3000 } },
        }),
        (t) => got.push(t),
      ),
      (e) => e.code === 'IDLE_TIMEOUT',
    );
    assert.deepEqual(got, [expectedToken(0, 'stall here'), expectedToken(1, 'stall here')]);
  });

  test('a malformed frame fails the request with PROTOCOL_ERROR', async () => {
    const got = [];
    await assert.rejects(
      consume(client.generateStream({ prompt: 'bad frames', max_tokens: 10, extraParams: { fault: { type: 'malformed', after: 2 } } }), (t) =>
        got.push(t),
      ),
      (e) => e instanceof RealmError && e.code === 'PROTOCOL_ERROR' && e.message.length > 0,
    );
    assert.equal(got.length, 2);
    assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
  });

  test('invalid UTF-8 and wrong types are protocol errors too', async () => {
    await assert.rejects(
      client.generate({ prompt: 'x', max_tokens: 5, stream: true, extraParams: { fault: { type: 'invalid_utf8', after: 1 } } }),
      (e) => e.code === 'PROTOCOL_ERROR',
    );
    await assert.rejects(
      client.generate({ prompt: 'x', max_tokens: 5, stream: true, extraParams: { fault: { type: 'wrong_types', after: 1 } } }),
      (e) => e.code === 'PROTOCOL_ERROR',
    );
  });

  test('a backend failure mid-stream is BACKEND_ERROR', async () => {
    await assert.rejects(
      consume(client.generateStream({ prompt: 'x', max_tokens: 10, extraParams: { fault: { type: 'backend_error', after: 3 } } })),
      (e) => e.code === 'BACKEND_ERROR',
    );
  });

  test('an oversized message is MESSAGE_TOO_LARGE', async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', maxMessageSize: 4096, reconnect: false });
    await c.connect();
    await assert.rejects(
      c.generate({ prompt: 'x', max_tokens: 5, stream: true, extraParams: { fault: { type: 'oversized', after: 1, bytes: 100000 } } }),
      (e) => e.code === 'MESSAGE_TOO_LARGE',
    );
    await c.disconnect();
  });

  test('a request over maxMessageSize fails alone with MESSAGE_TOO_LARGE; the connection stays', async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', maxMessageSize: 4096, reconnect: false });
    await c.connect();
    const bystander = c.generate({ prompt: 'Other', max_tokens: 20, stream: true, extraParams: { delay_ms: 2 } });
    await assert.rejects(c.generate({ prompt: 'x'.repeat(5000), max_tokens: 5 }), (e) => e.code === 'MESSAGE_TOO_LARGE' && /4096/.test(e.message));
    assert.equal((await bystander).tokens_generated, 20);
    assert.match((await c.generate({ prompt: 'Still here', max_tokens: 2 })).text, /Still here/);
    assert.equal(c.isConnected(), true);
    await c.disconnect();
  });

  test('a dropped connection fails the stream with CONNECTION_LOST', async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', reconnect: false });
    await c.connect();
    await assert.rejects(
      consume(c.generateStream({ prompt: 'x', max_tokens: 10, extraParams: { fault: { type: 'drop', after: 2 } } })),
      (e) => e.code === 'CONNECTION_LOST',
    );
  });

  test('a server close code is reported', async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', reconnect: false });
    await c.connect();
    const disconnected = nextEvent(c, 'disconnected');
    await assert.rejects(
      consume(c.generateStream({ prompt: 'x', max_tokens: 10, extraParams: { fault: { type: 'close', after: 1, code: 4001, reason: 'go away' } } })),
      (e) => e.code === 'CONNECTION_LOST' && e.closeCode === 4001,
    );
    const ev = await disconnected;
    assert.equal(ev.code, 4001);
    assert.equal(ev.reason, 'go away');
  });
});
