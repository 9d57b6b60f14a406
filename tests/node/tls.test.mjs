// wss:// through the addon (the core's TLS inside Node's process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, repoRoot, runNode } from './helpers.mjs';

const certs = path.join(repoRoot, 'build-node', 'test-certs');
let server;
let url;

before(async () => {
  const r = spawnSync(path.join(repoRoot, 'scripts', 'make-test-certs'), [certs], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  server = await startServer(['--tls-cert', path.join(certs, 'server.pem'), '--tls-key', path.join(certs, 'server.key')]);
  url = `wss://localhost:${server.port}`;
});
after(() => server.stop());

test('wss:// with the test CA', async () => {
  const client = new RealmWebSocketClient({ url, model: 'm', tlsCaFile: path.join(certs, 'ca.pem') });
  await client.connect();
  assert.equal((await client.generate({ prompt: 'What is the capital of France?' })).text, 'Paris');
  let n = 0;
  for await (const _ of client.generateStream({ prompt: 'secure stream', max_tokens: 500 })) n++;
  assert.equal(n, 500);
  await client.disconnect();
});

test('wss:// with the wrong CA fails with TLS_ERROR', async () => {
  const client = new RealmWebSocketClient({ url, model: 'm', tlsCaFile: path.join(certs, 'other-ca.pem'), connectTimeout: 5000 });
  await assert.rejects(client.connect(), (e) => e instanceof RealmError && e.code === 'TLS_ERROR');
});

test('wss:// without a CA that knows the server fails; tlsInsecure connects', async () => {
  const strict = new RealmWebSocketClient({ url, model: 'm', connectTimeout: 5000 });
  await assert.rejects(strict.connect(), (e) => e instanceof RealmError && e.code === 'TLS_ERROR');
  const insecure = new RealmWebSocketClient({ url, model: 'm', tlsInsecure: true });
  await insecure.connect();
  assert.equal((await insecure.health()).status, 'healthy');
  await insecure.disconnect();
});

test('process.exit() with a live wss:// stream exits cleanly; so does the end of the script', async () => {
  const dir = path.join(repoRoot, 'build-node', 'test-scratch');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'tls-exit.mjs');
  fs.writeFileSync(
    file,
    `import { RealmWebSocketClient } from "@realm-ai/ws-client";
const c = new RealmWebSocketClient({ url: process.env.URL, model: "m", tlsCaFile: process.env.CA });
await c.connect();
let n = 0;
for await (const t of c.generateStream({ prompt: "x", max_tokens: 100000, extraParams: { delay_ms: 1 } })) {
  if (++n === 20) { if (process.env.EXIT) process.exit(3); else break; }
}
console.log(n);`,
  );
  const env = { URL: url, CA: path.join(certs, 'ca.pem') };
  const exited = await runNode([file], { env: { ...env, EXIT: '1' } });
  assert.equal(exited.signal, null, exited.stderr);
  assert.equal(exited.code, 3, exited.stderr);
  const ended = await runNode([file], { env });
  assert.equal(ended.code, 0, ended.stderr);
  assert.equal(ended.stdout.trim(), '20');
});
