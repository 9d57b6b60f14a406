// The documented quick start, run verbatim in child processes (ESM and CJS),
// and process lifetime: the addon never keeps Node alive when idle and
// survives exits with live clients.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startServer, runNode, repoRoot, expectedToken } from './helpers.mjs';

const fixtures = path.join(repoRoot, 'tests', 'node', 'fixtures');
// Scratch scripts must live inside the package so that they can
// self-reference "@realm-ai/ws-client".
const scratch = path.join(repoRoot, 'build-node', 'test-scratch');

function script(name, body) {
  fs.mkdirSync(scratch, { recursive: true });
  const file = path.join(scratch, name);
  fs.writeFileSync(file, body);
  return file;
}

describe('documented quick start', () => {
  let server;
  let verbatim = true;
  before(async () => {
    try {
      server = await startServer([], { port: 8080 }); // the documented URL is ws://localhost:8080
    } catch {
      verbatim = false; // port 8080 is taken on this machine: only the URL's port is changed
      server = await startServer();
    }
  });
  after(() => server.stop());

  function quickstart(file) {
    if (verbatim) return file;
    const text = fs.readFileSync(file, 'utf8').replace('ws://localhost:8080', `ws://localhost:${server.port}`);
    return script(path.basename(file), text);
  }

  const expected = Array.from({ length: 100 }, (_, i) => expectedToken(i, 'Tell me a story')).join('');
  for (const name of ['quickstart.mjs', 'quickstart.cjs']) {
    test(`${name} runs unchanged and the process exits by itself`, async (t) => {
      if (!verbatim) t.diagnostic('port 8080 busy: ran with the URL port changed');
      const r = await runNode([quickstart(path.join(fixtures, name))]);
      assert.equal(r.timedOut, false, 'the process exits by itself');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[0], /^Tenant ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(lines[1], 'Paris');
      assert.equal(lines.slice(2).join('\n'), expected);
    });
  }
});

describe('process lifetime', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  const header = `import { RealmWebSocketClient } from "@realm-ai/ws-client";\n`;

  // The second variant leaves a request in flight with a 1 s busy-poll window
  // open: the JS thread's poller must not keep the process alive either.
  for (const [name, options, inFlight] of [
    ['exits by itself after disconnect() (not awaited)', '', ''],
    ['exits at once with busy polling on and a request in flight', ', busyPollUs: 1000000', 'client.generate({ prompt: "left in flight" }).catch(() => {});\n'],
  ]) {
    test(name, async () => {
      const file = script(
        `exit-after-disconnect${options ? '-polling' : ''}.mjs`,
        header +
          `const client = new RealmWebSocketClient({ url: process.env.URL, model: "m"${options} });
await client.connect();
await client.generate({ prompt: "hi" });
${inFlight}client.disconnect();
console.log("done");`,
      );
      const r = await runNode([file], { env: { URL: server.url }, timeout: 10000 });
      assert.equal(r.timedOut, false);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'done');
      assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    });
  }

  test('an idle connected client does not keep the process alive', async () => {
    const file = script(
      'idle-client.mjs',
      header +
        `globalThis.keep = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
await keep.connect();
await keep.health();
console.log("idle");`,
    );
    const r = await runNode([file], { env: { URL: server.url }, timeout: 10000 });
    assert.equal(r.timedOut, false, 'process did not exit');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'idle');
  });

  test('a request in flight keeps the process alive until it ends', async () => {
    const file = script(
      'in-flight.mjs',
      header +
        `const client = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
await client.connect();
// Nothing else references the client or the promise chain's timers.
client.generate({ prompt: "a b", max_tokens: 20, stream: true, extraParams: { delay_ms: 10 } })
  .then((r) => console.log("tokens", r.tokens_generated));`,
    );
    const r = await runNode([file], { env: { URL: server.url }, timeout: 10000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'tokens 20');
  });

  test('process.exit() with a live client and a stream in flight exits cleanly', async () => {
    const file = script(
      'exit-mid-stream.mjs',
      header +
        `const clients = [];
for (let i = 0; i < 3; i++) {
  const c = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
  await c.connect();
  clients.push(c);
}
let n = 0;
for await (const t of clients[0].generateStream({ prompt: "x", max_tokens: 100000, extraParams: { delay_ms: 1 } })) {
  clients[1].generate({ prompt: "y", max_tokens: 1000, stream: true }).catch(() => {});
  if (++n === 50) process.exit(7);
}`,
    );
    for (let i = 0; i < 3; i++) {
      const r = await runNode([file], { env: { URL: server.url }, timeout: 10000 });
      assert.equal(r.signal, null, `no crash (${r.signal}) ${r.stderr}`);
      assert.equal(r.code, 7, r.stderr);
    }
  });

  test('the end of the script with a live stream consumer exits after the stream', async () => {
    const file = script(
      'natural-end.mjs',
      header +
        `const c = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
await c.connect();
let n = 0;
for await (const t of c.generateStream({ prompt: "x", max_tokens: 300 })) n++;
console.log(n);`,
    );
    const r = await runNode([file], { env: { URL: server.url }, timeout: 10000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '300');
  });


  test('a garbage-collected idle client is destroyed; the process exits', async () => {
    const file = script(
      'gc.mjs',
      header +
        `// The clients live only inside this function, so nothing references them afterwards.
async function openIdleClients(n) {
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const c = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
    await c.connect();
    seen = (await c.health()).connections;
  }
  return seen;
}
const before = await openIdleClients(20);
for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
const probe = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
await probe.connect();
// Closes reach the server asynchronously: wait (bounded) until only the probe is left.
let after = (await probe.health()).connections;
for (let t = 0; after !== 1 && t < 200; t++) {
  await new Promise((r) => setTimeout(r, 50));
  after = (await probe.health()).connections;
}
console.log(before, after);
probe.disconnect();`,
    );
    const r = await runNode(['--expose-gc', file], { env: { URL: server.url }, timeout: 30000 });
    assert.equal(r.code, 0, r.stderr);
    const [before, after] = r.stdout.trim().split(' ').map(Number);
    assert.ok(before >= 20, `the 20 clients were connected (server saw ${before})`);
    assert.equal(after, 1, 'every collected client closed its connection; only the probe is left');
  });

  test('a listener that throws surfaces as an uncaught exception; delivery goes on', async () => {
    const file = script(
      'listener-throws.mjs',
      header +
        `process.on("uncaughtException", (e) => console.log("uncaught:", e.message));
const c = new RealmWebSocketClient({ url: process.env.URL, model: "m" });
c.on("connected", () => { throw new Error("boom"); });
await c.connect();
console.log((await c.generate({ prompt: "What is the capital of France?" })).text);
await c.disconnect();`,
    );
    const r = await runNode([file], { env: { URL: server.url } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['Paris', 'uncaught: boom']);
  });

  // busyPollUs 1000000: the JS-thread poller's libuv handle is open and
  // active when the worker's environment is torn down.
  for (const busyPollUs of [undefined, 1000000]) {
    test(`a worker that is terminated with a live client does not crash the process (busyPollUs ${busyPollUs})`, async () => {
      const worker = script(
        `worker-body-${busyPollUs}.mjs`,
        header +
          `import { parentPort } from "node:worker_threads";
const c = new RealmWebSocketClient({ url: process.env.URL, model: "m", busyPollUs: ${busyPollUs} });
await c.connect();
for await (const t of c.generateStream({ prompt: "x", max_tokens: 100000, extraParams: { delay_ms: 1 } })) parentPort.postMessage(t);`,
      );
      const file = script(
        `worker-main-${busyPollUs}.mjs`,
        `import { Worker } from "node:worker_threads";
import { once } from "node:events";
for (let i = 0; i < 3; i++) {
  const w = new Worker(${JSON.stringify(worker)});
  await once(w, "message");
  await w.terminate();
}
console.log("ok");`,
      );
      const r = await runNode([file], { env: { URL: server.url } });
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'ok');
    });
  }
});
