// Scale with default options (issue 12, bug 3): 10,000 concurrent streams on
// one client and one connection all complete; none is refused QUEUE_FULL.
// The timeout is a hang guard, not a performance assertion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient } from '@realm-ai/ws-client';
import { startServer } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('10,000 concurrent streams on one connection all complete with defaults', { timeout: 120000 }, async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  try {
    const N = 10000;
    const TOKENS = 100;
    const one = async (i) => {
      let n = 0;
      for await (const _ of client.generateStream({ prompt: `S${i}`, max_tokens: TOKENS })) n += 1;
      return n;
    };
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => one(i)));
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 0, `${failed.length} failed, first: ${failed[0]?.reason?.code} ${failed[0]?.reason?.message}`);
    assert.ok(results.every((r) => r.value === TOKENS));
  } finally {
    await client.disconnect();
  }
});
