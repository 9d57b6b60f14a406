// examples/node/*.mjs run against realm-server and exit cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { startServer, runNode, repoRoot } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer(['--token-delay-ms', '1']);
});
after(() => server.stop());

const run = (name) => runNode([path.join(repoRoot, 'examples', 'node', name)], { env: { REALM_URL: server.url } });

test('basic.mjs', async () => {
  const r = await run('basic.mjs');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Tenant ID: \S+$/m);
  assert.match(r.stdout, /^Answer: Paris$/m);
  assert.match(r.stdout, /^Server health: healthy/m);
});

test('streaming.mjs', async () => {
  const r = await run('streaming.mjs');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^The capital of France is Paris\. This is a simulated response to: Tell /);
  assert.match(r.stdout, /^stopped after 10 tokens$/m);
  assert.match(r.stdout, /aborted: CANCELLED/);
  assert.match(r.stdout, /\[The\]\[capital\]\[of\]\[France\]\[is\]/);
});

test('error-handling.mjs', async () => {
  const r = await run('error-handling.mjs');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Paris$/m);
  assert.match(r.stdout, /^per-call timeout: TIMEOUT$/m);
  assert.match(r.stdout, /^aborted: CANCELLED$/m);
});

test('error-handling.mjs reports an unreachable server', async () => {
  const r = await runNode([path.join(repoRoot, 'examples', 'node', 'error-handling.mjs')], { env: { REALM_URL: 'ws://127.0.0.1:1' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /could not connect: CONNECT_FAILED/);
});

test('chat.mjs on each dialect the URL picks (argv[2])', async () => {
  const base = `127.0.0.1:${server.port}`;
  for (const [url, reason] of [
    [`ws://${base}/`, 'null'],
    [`ws://${base}/v1/chat/completions`, 'length'],
    [`http://${base}/v1`, 'length'],
  ]) {
    const r = await runNode([path.join(repoRoot, 'examples', 'node', 'chat.mjs'), url]);
    assert.equal(r.code, 0, `${url}: ${r.stderr}`);
    assert.match(r.stdout, /^chat: \S.*\n {2}finishReason: (null|length|stop)\n {2}usage: prompt \d+, completion \d+, total (\d+|-)$/m, url);
    assert.match(r.stdout, /^chatStream: The capital of France is /m, url);
    assert.match(r.stdout, new RegExp(`^ {2}finishReason: ${reason}\\n {2}usage: prompt (\\d+|-), completion 40, total (\\d+|-)$`, 'm'), url);
    assert.match(r.stdout, /^ {2}time to first token \d+\.\d ms, total \d+\.\d ms, \d+ tokens\/s$/m, url);
  }
});

test('tekton.mjs', async () => {
  const r = await runNode([path.join(repoRoot, 'examples', 'node', 'tekton.mjs')], {
    env: { RHETOR_URL: `http://127.0.0.1:${server.port}` },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Response: The capital of France is Paris\./m);
  assert.match(r.stdout, /\((stop|length), \{"promptTokens":\d+/);
  assert.match(r.stdout, /^Streaming response: The capital/m);
  assert.match(r.stdout, /^--- Streaming complete ---$/m);
  assert.match(r.stdout, /^\(\d+ characters\)$/m);
});
