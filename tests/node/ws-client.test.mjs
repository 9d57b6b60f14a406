// WSClient (the upstream ws-system client's API) against
// `realm-server --dialect ws-system`: auth, the failures that must not loop,
// rate-limited auth, stop before / during / after a generation, 100
// concurrent generations, the server killed mid-stream and a reconnect with
// a fresh challenge, batches, models, ping, generateStream. Every generation
// must end with exactly one generation_end or one error (Tracker).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { WSClient, RealmError, ConnectionStatus } from '@realm-ai/ws-client';
import { startServer, waitFor } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'realm-ws-client-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// A client key pair, its private key written as PKCS#8 PEM (as upstream's CLI does).
function makeKey(name) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = path.join(dir, `${name}_key.pem`);
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { file, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) };
}

const alice = { id: crypto.randomBytes(16).toString('hex'), ...makeKey('alice') };
const bob = { id: crypto.randomBytes(16).toString('hex'), ...makeKey('bob') }; // rate-limit test only
const stranger = makeKey('stranger'); // registered nowhere
const registry = path.join(dir, 'authorized_clients.json');
fs.writeFileSync(
  registry,
  JSON.stringify(
    [alice, bob].map((c) => ({ id: c.id, name: 'test', publicKey: c.publicPem, createdAt: new Date(0).toISOString() })),
  ),
);

function wsServer(extra = [], opts) {
  return startServer(['--dialect', 'ws-system', '--ws-clients', registry, ...extra], opts);
}

function newClient(server, who = alice, more = {}) {
  return new WSClient({ serverUrl: server.url, clientId: who.id, privateKeyPath: who.file, ...more });
}

// Records what a client reports per generation and checks that each one
// ended with exactly one generation_end or one error.
class Tracker {
  constructor(client) {
    this.ends = new Map(); // id -> [{ kind: 'end' | 'error', event }]
    this.tokens = new Map(); // id -> [token]
    this.started = new Map(); // id -> model
    this.statuses = [];
    this.connErrors = [];
    this.waiters = [];
    client.onToken((e) => {
      if (!this.tokens.has(e.id)) this.tokens.set(e.id, []);
      this.tokens.get(e.id).push(e.token);
    });
    client.onGenerationStart((e) => {
      assert.ok(!this.started.has(e.id), `two generation_start events for ${e.id}`);
      this.started.set(e.id, e.model);
    });
    client.onGenerationEnd((e) => this.#end(e.id, 'end', e));
    client.onError((e) => {
      assert.ok(e instanceof RealmError);
      if (e.id !== undefined) this.#end(e.id, 'error', e);
      else this.connErrors.push(e);
    });
    client.onConnectionChange((s) => this.statuses.push(s));
  }

  #end(id, kind, event) {
    if (!this.ends.has(id)) this.ends.set(id, []);
    this.ends.get(id).push({ kind, event });
    for (const w of this.waiters.slice()) w();
  }

  text(id) {
    return (this.tokens.get(id) || []).join('');
  }

  /** Resolves with the single terminal { kind, event } of generation `id`. */
  ended(id, ms = 10000) {
    return waitFor(() => this.ends.get(id) && this.ends.get(id)[0], { timeout: ms, what: `the end of ${id}` });
  }

  /** Every generation seen ended exactly once (call after waiting for them). */
  checkExactlyOnce() {
    for (const [id, list] of this.ends) assert.equal(list.length, 1, `${id} ended ${list.length} times: ${list.map((x) => x.kind)}`);
  }
}

describe('authentication', () => {
  let server;
  before(async () => {
    server = await wsServer();
  });
  after(() => server.stop());

  test('a registered key authenticates; statuses follow the seed', async () => {
    const client = newClient(server);
    const t = new Tracker(client);
    assert.equal(client.getStatus(), 'disconnected');
    assert.equal(client.isReady(), false);
    const pending = client.connect();
    assert.equal(client.getStatus(), 'connecting');
    assert.equal(client.connect(), pending); // a second call while connecting: the same promise
    await pending;
    assert.equal(client.getStatus(), ConnectionStatus.AUTHENTICATED);
    assert.equal(client.isReady(), true);
    assert.deepEqual(t.statuses, ['connecting', 'connected', 'authenticated']);
    await client.connect(); // connected: resolves at once
    await client.disconnect();
    assert.equal(client.getStatus(), 'disconnected');
    assert.equal(client.isReady(), false);
    await new Promise((r) => setTimeout(r, 100)); // the core's own close event is not reported twice
    assert.deepEqual(t.statuses, ['connecting', 'connected', 'authenticated', 'disconnected']);
  });

  test('an error without listeners is dropped, not thrown (unlike a bare EventEmitter)', async () => {
    const client = newClient(server, { id: 'e'.repeat(32), file: stranger.file });
    assert.equal(client.listenerCount('error'), 0);
    await assert.rejects(client.connect(), (e) => e.code === 'invalid_auth');
    await new Promise((r) => setTimeout(r, 100));
  });

  for (const [what, who] of [
    ['a registered id with the wrong key (bad signature)', { id: alice.id, file: stranger.file }],
    ['an unknown client id', { id: 'f'.repeat(32), file: stranger.file }],
  ]) {
    test(`${what}: invalid_auth, auth_failed, no reconnect loop`, async () => {
      const client = newClient(server, who);
      const t = new Tracker(client);
      const reasons = [];
      const reconnects = [];
      client.on('auth_failed', (why) => reasons.push(why));
      client.on('reconnecting', (info) => reconnects.push(info));
      await assert.rejects(client.connect(), (e) => {
        assert.ok(e instanceof RealmError);
        assert.equal(e.code, 'invalid_auth');
        assert.equal(e.message, 'Authentication failed: Invalid signature');
        assert.equal(e.retryable, false);
        return true;
      });
      assert.equal(client.getStatus(), 'auth_failed');
      assert.deepEqual(reasons, ['Authentication failed: Invalid signature']);
      assert.deepEqual(t.statuses, ['connecting', 'auth_failed']);
      await new Promise((r) => setTimeout(r, 1200)); // a reconnect loop would have started by now
      assert.deepEqual(reconnects, []);
      // The core reported it as a connection error as well (possibly in a
      // later burst than the rejection).
      assert.equal(t.connErrors.length, 1);
      assert.equal(t.connErrors[0].code, 'invalid_auth');
      assert.equal(typeof t.connErrors[0].description, 'string');
      assert.equal(client.getStatus(), 'auth_failed');
      assert.equal(client.isReady(), false);
    });
  }

  test('a missing key file is a clear error at construction, before any connection', () => {
    const missing = path.join(dir, 'nope', 'client_key.pem');
    assert.throws(
      () => new WSClient({ serverUrl: server.url, clientId: alice.id, privateKeyPath: missing }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && e.message.includes(missing),
    );
    const garbled = path.join(dir, 'garbled.pem');
    fs.writeFileSync(garbled, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    assert.throws(
      () => new WSClient({ serverUrl: server.url, clientId: alice.id, privateKeyPath: garbled }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /could not be parsed/.test(e.message),
    );
    assert.throws(
      () => new WSClient({ clientId: alice.id, privateKeyPath: alice.file }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && /serverUrl/.test(e.message),
    );
    assert.throws(
      () => new WSClient({ serverUrl: server.url, clientId: alice.id, privateKeyPath: alice.file, signatureAlgorithm: 'MD5' }),
      (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT',
    );
  });

  test('rate-limited auth: the 5th bad attempt answers retryAfter 16 s, then even the right key waits', async () => {
    const wrong = { id: bob.id, file: stranger.file };
    for (let i = 1; i <= 5; i++) {
      const client = newClient(server, wrong);
      const reconnects = [];
      client.on('reconnecting', (info) => reconnects.push(info));
      const e = await client.connect().then(
        () => assert.fail('connected with a wrong key'),
        (err) => err,
      );
      assert.ok(e instanceof RealmError);
      if (i < 5) {
        assert.equal(e.code, 'invalid_auth', `attempt ${i}: ${e.message}`);
        assert.equal(e.retryAfter, undefined);
      } else {
        assert.equal(e.code, 'rate_limited', e.message);
        assert.equal(e.retryAfter, 16000);
        assert.match(e.message, /16 seconds/);
        assert.equal(e.category, 'rate_limit');
      }
      assert.equal(client.getStatus(), 'auth_failed');
      assert.deepEqual(reconnects, []);
    }
    const right = newClient(server, bob);
    await assert.rejects(right.connect(), (e) => e.code === 'rate_limited' && e.retryAfter > 0);
    assert.equal(right.getStatus(), 'auth_failed');
  });

  test('generate, generateStream and listModels connect a disconnected client first', async () => {
    const a = newClient(server);
    const t = new Tracker(a);
    const id = await a.generate('x');
    assert.equal(a.getStatus(), 'authenticated');
    assert.equal((await t.ended(id)).kind, 'end');
    const b = newClient(server);
    const tokens = [];
    for await (const tok of b.generateStream('x')) tokens.push(tok);
    assert.equal(tokens.length, 13);
    const c = newClient(server);
    assert.ok((await c.listModels()).length > 0);
    const bad = newClient(server, { id: 'd'.repeat(32), file: stranger.file });
    await assert.rejects(bad.generateStream('x').next(), (e) => e.code === 'invalid_auth');
    await assert.rejects(bad.generate('x'), (e) => e.code === 'invalid_auth');
    await Promise.all([a.disconnect(), b.disconnect(), c.disconnect()]);
  });

  test('autoConnect connects on the next tick', async () => {
    const client = newClient(server, alice, { autoConnect: true });
    const t = new Tracker(client);
    await waitFor(() => client.getStatus() === 'authenticated', { what: 'authenticated' });
    assert.deepEqual(t.statuses, ['connecting', 'connected', 'authenticated']);
    await client.disconnect();
  });
});

describe('generations', () => {
  let server;
  let client;
  let t;
  before(async () => {
    server = await wsServer(['--token-delay-ms', '5']);
    client = newClient(server);
    t = new Tracker(client);
    await client.connect();
  });
  after(async () => {
    t.checkExactlyOnce();
    await client.disconnect();
    await server.stop();
  });

  test('generate resolves with the generation id; start, tokens and one end follow as events', async () => {
    const id = await client.generate('Say hi', 'llama2', { temperature: 0.7, max_tokens: 50 });
    assert.equal(typeof id, 'string');
    assert.ok(id.length > 0);
    const { kind, event } = await t.ended(id);
    assert.equal(kind, 'end');
    assert.equal(event.id, id);
    assert.equal(event.isCancelled, false);
    assert.equal(event.totalTokens, t.tokens.get(id).length);
    assert.equal(typeof event.elapsedTime, 'number');
    assert.equal(t.started.get(id), 'llama2');
    assert.equal(t.text(id), 'The capital of France is Paris. This is a simulated response to: Say ');
  });

  test('generate without a model uses the server default', async () => {
    const id = await client.generate('x');
    assert.equal((await t.ended(id)).kind, 'end');
    assert.equal(t.started.get(id), 'llama2');
  });

  test('stop before stream_start, mid-stream and after the end', async () => {
    // Before: stopGeneration in the same tick as the generate frame (the core
    // sends `stop` at once; upstream's client would drop it).
    const early = await client.generate('Count to 100', undefined, { delay_ms: 50 });
    await client.stopGeneration(early);
    const e1 = await t.ended(early);
    assert.equal(e1.kind, 'end');
    assert.equal(e1.event.isCancelled, true);
    assert.equal(e1.event.totalTokens, 0);

    // Mid-stream: after the first token.
    let mid;
    const first = new Promise((resolve) => {
      const off = client.onToken((e) => {
        if (e.id === mid) {
          off();
          resolve();
        }
      });
    });
    mid = await client.generate('Count to 100', undefined, { delay_ms: 30 });
    await first;
    await client.stopGeneration(mid);
    const e2 = await t.ended(mid);
    assert.equal(e2.kind, 'end');
    assert.equal(e2.event.isCancelled, true);
    assert.ok(e2.event.totalTokens >= 1 && e2.event.totalTokens < 13, String(e2.event.totalTokens));

    // After the end: nothing happens.
    const done = await client.generate('x', undefined, { delay_ms: 0 });
    assert.equal((await t.ended(done)).kind, 'end');
    await client.stopGeneration(done);
    await client.stopGeneration('no-such-generation');

    // The connection carries on; nothing was reported as an error.
    const after = await client.generate('x', undefined, { delay_ms: 0 });
    assert.equal((await t.ended(after)).kind, 'end');
    assert.deepEqual(t.connErrors, []);
    for (const id of [early, mid, done, after]) assert.equal(t.ends.get(id).length, 1);
  });

  test('100 concurrent generations on one connection, each with its own tokens', async () => {
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => client.generate(`p${i} go`, undefined, { delay_ms: 1 })));
    assert.equal(new Set(ids).size, 100);
    for (let i = 0; i < 100; i++) {
      const { kind, event } = await t.ended(ids[i], 30000);
      assert.equal(kind, 'end', event.message);
      assert.equal(t.text(ids[i]), `The capital of France is Paris. This is a simulated response to: p${i} `);
      assert.equal(event.totalTokens, 13);
    }
  });

  test('an unknown model: model_not_found, after its start', async () => {
    const id = await client.generate('x', 'nope');
    const { kind, event } = await t.ended(id);
    assert.equal(kind, 'error');
    assert.equal(event.code, 'model_not_found');
    assert.equal(event.id, id);
    assert.match(event.message, /not found/);
    assert.equal(typeof event.description, 'string');
    assert.equal(t.started.get(id), 'nope');
  });

  test('listModels resolves with the Ollama model objects', async () => {
    const models = await client.listModels();
    assert.ok(Array.isArray(models));
    assert.deepEqual(
      models.map((m) => m.name),
      ['llama2:latest', 'mistral:latest'],
    );
    assert.equal(typeof models[0].details, 'object');
  });

  test('ping measures the round trip and emits pong', async () => {
    const pongs = [];
    client.on('pong', (p) => pongs.push(p));
    const before = Date.now();
    const p = await client.ping();
    assert.equal(typeof p.latency, 'number');
    assert.ok(p.latency >= 0 && p.latency < 5000, String(p.latency));
    assert.equal(typeof p.id, 'string');
    assert.ok(p.timestamp >= before - 1000 && p.timestamp <= Date.now() + 1000, String(p.timestamp));
    assert.deepEqual(pongs, [p]);
  });

  test('a batch goes out as one frame; items run in order', async () => {
    const order = [];
    const onStart = (e) => order.push(`start ${e.id}`);
    const onEnd = (e) => order.push(`end ${e.id}`);
    const onModels = (e) => order.push(`models ${e.id}`);
    const onPong = (e) => order.push(`pong ${e.id}`);
    client.on('generation_start', onStart).on('generation_end', onEnd).on('models', onModels).on('pong', onPong);
    try {
      const ids = await client.sendBatch([
        { type: 'generate', prompt: 'one', options: { delay_ms: 2 } },
        { type: 'models' },
        { type: 'generate', prompt: 'two', options: { delay_ms: 2 } },
        { type: 'ping' },
      ]);
      assert.equal(ids.length, 4);
      const [g1, m, g2, p] = ids;
      await t.ended(g2);
      await waitFor(() => order.includes(`pong ${p}`), { what: 'the pong' });
      assert.deepEqual(order, [`start ${g1}`, `end ${g1}`, `models ${m}`, `start ${g2}`, `end ${g2}`, `pong ${p}`]);
      assert.match(t.text(g1), /response to: one $/);
      assert.match(t.text(g2), /response to: two $/);
    } finally {
      client.off('generation_start', onStart).off('generation_end', onEnd).off('models', onModels).off('pong', onPong);
    }
  });

  test('a stop in a batch stops a running generation; an unknown one gets the server error', async () => {
    const id = await client.generate('Count to 100', undefined, { delay_ms: 50 });
    const acks = [];
    client.on('ack', (a) => acks.push(a));
    const ids = await client.sendBatch([{ type: 'stop', requestId: id }, { type: 'stop', requestId: 'gen_unknown' }]);
    const e = await t.ended(id);
    assert.equal(e.event.isCancelled, true);
    const { kind, event } = await t.ended(ids[1]);
    assert.equal(kind, 'error');
    assert.equal(event.message, 'No active generation with that ID');
    assert.deepEqual(acks, []);
  });

  test('sendBatch refuses unknown message types and sends nothing', async () => {
    await assert.rejects(client.sendBatch([{ type: 'models' }, { type: 'hello' }]), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(client.sendBatch('nope'), (e) => e.code === 'INVALID_ARGUMENT');
  });

  test('generateStream: tokens, then a result with text, totalTokens, elapsedTime and model', async () => {
    const stream = client.generateStream('Hello there', 'llama2', { delay_ms: 1 });
    const tokens = [];
    for await (const tok of stream) tokens.push(tok);
    assert.equal(tokens.join(''), 'The capital of France is Paris. This is a simulated response to: Hello ');
    assert.deepEqual(stream.result, {
      text: tokens.join(''),
      totalTokens: 13,
      elapsedTime: stream.result.elapsedTime,
      model: 'llama2',
    });
    assert.equal(typeof stream.result.elapsedTime, 'number');
    assert.equal((await t.ended(stream.id)).kind, 'end');
    // The iterator's final value is the result too.
    const it = client.generateStream('x', undefined, { delay_ms: 0 });
    let r;
    do r = await it.next();
    while (!r.done);
    assert.equal(r.value, it.result);
    assert.equal(r.value.totalTokens, 13);
  });

  test('generateStream: aborting the signal stops the generation; leaving the loop early too', async () => {
    const controller = new AbortController();
    const stream = client.generateStream('Count to 100', undefined, { delay_ms: 20, signal: controller.signal });
    const got = [];
    await assert.rejects(
      (async () => {
        for await (const tok of stream) {
          got.push(tok);
          if (got.length === 2) controller.abort();
        }
      })(),
      (e) => e instanceof RealmError && e.code === 'CANCELLED',
    );
    assert.equal(got.length, 2);
    const e = await t.ended(stream.id);
    assert.equal(e.event.isCancelled, true);

    const early = client.generateStream('Count to 100', undefined, { delay_ms: 20 });
    for await (const tok of early) {
      assert.equal(tok, 'The ');
      break;
    }
    assert.equal((await t.ended(early.id)).event.isCancelled, true);
    assert.equal(early.result, undefined);
  });
});

test('the server killed mid-stream: connection_lost for the generation, then a reconnect with a fresh challenge', async () => {
  const server = await wsServer(['--token-delay-ms', '10']);
  const port = server.port;
  const client = newClient(server, alice, { reconnectDelay: 50 });
  const t = new Tracker(client);
  const reconnects = [];
  const disconnects = [];
  client.on('reconnecting', (info) => reconnects.push(info));
  client.on('disconnected', (info) => disconnects.push(info));
  await client.connect();
  let again;
  try {
    let id;
    const first = new Promise((resolve) => {
      const off = client.onToken((e) => {
        if (e.id === id) {
          off();
          resolve();
        }
      });
    });
    id = await client.generate('Count to 100');
    await first;
    await server.stop('SIGKILL');
    const { kind, event } = await t.ended(id);
    assert.equal(kind, 'error');
    assert.equal(event.code, 'connection_lost');
    assert.equal(event.id, id);
    await waitFor(() => reconnects.length > 0, { what: 'a reconnecting event' });
    assert.equal(disconnects.length, 1);
    assert.equal(reconnects[0].attempt, 1);
    assert.equal(reconnects[0].maxAttempts, 10);
    assert.ok(['reconnecting', 'disconnected'].includes(client.getStatus()));
    // A new process on the same port: a new challenge the client signs again.
    again = await wsServer([], { port });
    await waitFor(() => client.getStatus() === 'authenticated', { timeout: 20000, what: 'the reconnection' });
    assert.deepEqual(t.statuses.slice(0, 3), ['connecting', 'connected', 'authenticated']);
    assert.equal(t.statuses.at(-1), 'authenticated');
    assert.ok(t.statuses.includes('disconnected') && t.statuses.includes('reconnecting'));
    const after = await client.generate('x');
    assert.equal((await t.ended(after)).kind, 'end');
    t.checkExactlyOnce();
  } finally {
    await client.disconnect();
    if (again) await again.stop();
    await server.stop();
  }
});

test('giving up reconnecting: reconnect_failed status, event and error', async () => {
  const server = await wsServer();
  const client = newClient(server, alice, { reconnectDelay: 1 });
  const t = new Tracker(client);
  const failed = [];
  client.on('reconnect_failed', (e) => failed.push(e));
  await client.connect();
  await server.stop('SIGKILL');
  // Ten attempts at 1, 2, 4 ... 512 ms (+/-20 %), then it gives up.
  await waitFor(() => failed.length > 0, { timeout: 20000, what: 'reconnect_failed' });
  assert.equal(client.getStatus(), 'reconnect_failed');
  assert.equal(failed[0].code, 'reconnect_failed');
  assert.ok(t.connErrors.some((e) => e.code === 'reconnect_failed'));
  assert.equal(t.statuses.filter((s) => s === 'reconnecting').length, 10);
  await client.disconnect();
});
