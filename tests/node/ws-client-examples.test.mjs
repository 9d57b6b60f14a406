// The examples of upstream's client document (docs/CLIENT.md of
// monkeyscanjump/ollama-ws-system), kept in examples/ws-client/ with only the
// import line changed, run against `realm-server --dialect ws-system`.
//
// Each runs in a temporary working directory holding the client's key at the
// document's `./path/to/private_key` and node_modules/@realm-ai/ws-client
// (a link to this package); the document's placeholders for the server URL
// and the client id are replaced by the test server's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer, runNode, repoRoot } from './helpers.mjs';

const examples = path.join(repoRoot, 'examples', 'ws-client');
let server;
let work;
let clientId;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'realm-ws-examples-'));
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.mkdirSync(path.join(work, 'path', 'to'), { recursive: true });
  fs.writeFileSync(path.join(work, 'path', 'to', 'private_key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  clientId = crypto.randomBytes(16).toString('hex');
  const registry = path.join(work, 'authorized_clients.json');
  fs.writeFileSync(
    registry,
    JSON.stringify([{ id: clientId, name: 'examples', publicKey: publicKey.export({ type: 'spki', format: 'pem' }), createdAt: new Date().toISOString() }]),
  );
  fs.mkdirSync(path.join(work, 'node_modules', '@realm-ai'), { recursive: true });
  fs.symlinkSync(repoRoot, path.join(work, 'node_modules', '@realm-ai', 'ws-client'), 'dir');
  // The document's second model ('llama2:7b') is in the catalogue.
  server = await startServer([
    '--dialect', 'ws-system', '--ws-clients', registry, '--token-delay-ms', '2',
    '--models', 'llama2:latest,llama2:7b,mistral:latest',
  ]);
});

after(async () => {
  await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

async function run(name, timeout = 20000) {
  const source = fs.readFileSync(path.join(examples, name), 'utf8');
  assert.match(source, /^const \{ WSClient \} = require\('@realm-ai\/ws-client'\);$/m);
  const file = path.join(work, name);
  fs.writeFileSync(file, source.replaceAll('wss://your-server-url', server.url).replaceAll('your-client-id', clientId));
  return runNode([file], { cwd: work, timeout });
}

const STORY = 'The capital of France is Paris. This is a simulated response to: ';

test('basic-usage.js (Basic Usage)', async () => {
  const r = await run('basic-usage.js');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^Connection status: connecting\nConnection status: connected\nConnection status: authenticated\n/);
  assert.match(r.stdout, /Available models: \[/);
  assert.match(r.stdout, /name: 'llama2:7b'/);
  assert.ok(r.stdout.includes(`${STORY}Write \nGeneration complete: 13 tokens in `), r.stdout);
});

test('api-reference.js (every API Reference snippet)', async () => {
  const r = await run('api-reference.js');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  assert.match(out, /^status: authenticated\nready\n/);
  assert.doesNotMatch(out, /Connection status changed/); // unsubscribed
  // generate + stopGeneration: that generation ends cancelled.
  assert.match(out, /Generation started with model llama2\n/);
  assert.match(out, /Generation was cancelled\n/);
  assert.match(out, /models: llama2:latest, llama2:7b, mistral:latest\n/);
  // The batch's generation streams and completes.
  assert.match(out, /Received token for \S+: The \n/);
  assert.match(out, /Generation complete: 13 tokens\nTime taken: \d+ms\n/);
});

test('concurrent-generations.js (Multiple Concurrent Generations)', async () => {
  const r = await run('concurrent-generations.js');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /\nAll generations complete!\nGenerated 2 texts with a total of 26 tokens\n$/);
  const plain = r.stdout.replace(/\u001b\[\d+m/g, '');
  assert.ok(plain.includes('Write ') && plain.includes('simulated'), plain);
});

test('custom-reconnection.js (Custom Reconnection Logic)', async () => {
  const r = await run('custom-reconnection.js');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'authenticated (1)\nManual reconnect attempt 1...\nauthenticated (2)\n');
  assert.ok(r.ms >= 2000, `reconnected after ${r.ms} ms, before the example's 2 s delay`);
});
