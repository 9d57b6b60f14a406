// Abort, early break and concurrency on one client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, expectedToken, waitFor } from './helpers.mjs';

let server;
let client;
let observer; // a second connection that reads the server's counters

before(async () => {
  server = await startServer();
  client = new RealmWebSocketClient({ url: server.url, model: 'llama-2-7b' });
  observer = new RealmWebSocketClient({ url: server.url, model: 'llama-2-7b' });
  await Promise.all([client.connect(), observer.connect()]);
});
after(async () => {
  await client.disconnect();
  await observer.disconnect();
  await server.stop();
});

// Waits until the server saw `n` more cancellations than `base` and runs nothing.
async function serverCancelled(base, n = 1) {
  return waitFor(
    async () => {
      const h = await observer.health();
      return h.cancelled_total >= base + n && h.active_requests === 0 ? h : null;
    },
    { what: 'server-side cancellation' },
  );
}

const SLOW = { delay_ms: 10 }; // 10 ms per token: a 1000-token stream would take 10 s

test('the server supports cancel', () => {
  assert.equal(client.hasExtension('cancel'), true);
});

test('aborting generate cancels it server-side', async () => {
  const base = (await observer.health()).cancelled_total;
  const ac = new AbortController();
  const started = Date.now();
  const p = client.generate({ prompt: 'slow one', max_tokens: 1000, stream: true, extraParams: SLOW, signal: ac.signal });
  const firstToken = new Promise((resolve) => client.on('token', function on() {
    client.off('token', on);
    resolve();
  }));
  await firstToken; // the server is generating
  ac.abort(new Error('user gave up'));
  await assert.rejects(p, (e) => e instanceof RealmError && e.code === 'CANCELLED' && e.cause?.message === 'user gave up');
  assert.ok(Date.now() - started < 5000, 'abort ends the call promptly');
  await serverCancelled(base);
});

test('aborting a stream mid-way throws CANCELLED from the loop and cancels server-side', async () => {
  const base = (await observer.health()).cancelled_total;
  const ac = new AbortController();
  const got = [];
  await assert.rejects(
    (async () => {
      for await (const t of client.generateStream({ prompt: 'slow two', max_tokens: 1000, extraParams: SLOW, signal: ac.signal })) {
        got.push(t);
        if (got.length === 3) ac.abort();
      }
    })(),
    (e) => e instanceof RealmError && e.code === 'CANCELLED',
  );
  assert.ok(got.length >= 3 && got.length < 1000);
  got.forEach((t, i) => assert.equal(t, expectedToken(i, 'slow two')));
  await serverCancelled(base);
});

test('leaving a for await loop early cancels server-side', async () => {
  const base = (await observer.health()).cancelled_total;
  let n = 0;
  for await (const t of client.generateStream({ prompt: 'slow three', max_tokens: 1000, extraParams: SLOW })) {
    assert.equal(t, expectedToken(n, 'slow three'));
    if (++n === 5) break;
  }
  assert.equal(n, 5);
  await serverCancelled(base);
  // The connection is still fine.
  assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
});

test('an already aborted signal rejects at once without sending', async () => {
  const base = await observer.health();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(client.generate({ prompt: 'x', signal: ac.signal }), (e) => e.code === 'CANCELLED');
  await assert.rejects(client.generateStream({ prompt: 'x', signal: ac.signal }).next(), (e) => e.code === 'CANCELLED');
  await assert.rejects(client.health({ signal: ac.signal }), (e) => e.code === 'CANCELLED');
  await assert.rejects(client.metadata({ signal: ac.signal }), (e) => e.code === 'CANCELLED');
  await assert.rejects(client.executePipeline('p', {}, { signal: ac.signal }), (e) => e.code === 'CANCELLED');
  const after = await observer.health();
  assert.equal(after.cancelled_total, base.cancelled_total);
});

// health() goes over the same connection as the calls before it, so the server has
// processed anything they sent by the time it answers.
test('cancel() and return() on a stream that has not started send nothing', async () => {
  const base = await client.health();
  const returned = client.generateStream({ prompt: 'never one', max_tokens: 1000, extraParams: SLOW });
  assert.deepEqual(await returned.return(), { value: undefined, done: true });
  assert.deepEqual(await returned.next(), { value: undefined, done: true });
  const cancelled = client.generateStream({ prompt: 'never two', max_tokens: 1000, extraParams: SLOW });
  assert.equal(await cancelled.cancel(), undefined);
  assert.deepEqual(await cancelled.next(), { value: undefined, done: true });
  const after = await client.health();
  // A generate sent for either stream would still be running (10 s); a cancel would count.
  assert.equal(after.active_requests, 0);
  assert.equal(after.cancelled_total, base.cancelled_total);
});

test('aborting after completion is harmless', async () => {
  const base = await client.health();
  const events = [];
  const onError = (e) => events.push(['error', e]);
  const onDisconnected = (e) => events.push(['disconnected', e]);
  client.on('error', onError);
  client.on('disconnected', onDisconnected);
  try {
    const ac = new AbortController();
    const r = await client.generate({ prompt: 'What is the capital of France?', signal: ac.signal });
    const snapshot = structuredClone(r);
    ac.abort();
    assert.equal(r.text, 'Paris');
    assert.deepEqual(r, snapshot, 'the completed result is unchanged');
    // Same connection: a cancel sent by the abort would be counted before this answer.
    const after = await client.health();
    assert.equal(after.cancelled_total, base.cancelled_total, 'no cancel was sent');
    assert.equal(after.active_requests, 0);
    assert.deepEqual(events, [], 'no error or disconnect followed the abort');
    assert.ok(client.isConnected());
  } finally {
    client.off('error', onError);
    client.off('disconnected', onDisconnected);
  }
});

test('1,000 concurrent generate calls on one client', async () => {
  const n = 1000;
  const calls = [];
  for (let i = 0; i < n; i++) calls.push(client.generate({ prompt: `prompt number ${i}` }));
  const results = await Promise.all(calls);
  results.forEach((r, i) => assert.equal(r.text, `Simulated response to: prompt number ${i}`));
});

test('100 concurrent streams on one client keep their own order', async () => {
  const streams = [];
  for (let s = 0; s < 100; s++) {
    streams.push(
      (async () => {
        const prompt = `stream${s} go`;
        let i = 0;
        for await (const t of client.generateStream({ prompt, max_tokens: 200 })) {
          if (t !== expectedToken(i, prompt)) throw new Error(`stream ${s} token ${i}: ${t}`);
          i++;
        }
        return i;
      })(),
    );
  }
  const counts = await Promise.all(streams);
  assert.deepEqual(counts, new Array(100).fill(200));
});
