// One ws-system benchmark workload with one Node client, through the client's
// public API (the upstream WSClient's shape). Prints one JSON line. Run by
// bench/ws-system/run.mjs, one fresh process per (client, workload, run).
//
//   node workload.mjs <realm|ws> <workload> <url> <clientId> <privateKeyPath>
//
// Clients: realm = librealm's WSClient (@realm-ai/ws-client, node/), ws = the
// baseline on the `ws` package (ws-baseline.mjs).
// Workloads (the generate option `tokens` is realm-server's extension that
// streams that many tokens; server/README.md):
//   stream      1 generate x 100,000 tokens, tokens counted by onToken, end
//               by onGenerationEnd                              -> tokens/s, CPU us/token
//   iter        the same through generateStream() and `for await` -> tokens/s, CPU us/token
//   concurrent  100 generates x 1,000 tokens at once, one connection
//                                                               -> tokens/s, CPU us/token
//   roundtrip   2,000 sequential 1-token generates, each from just before
//               generate() to its onGenerationEnd              -> req/s, p50/p99 us, CPU us/req
//   ping        2,000 sequential ping() -> pong                 -> p50/p99 us
//   connect     20 sequential new client + connect() (challenge, RSA-2048
//               signature, auth_result) + disconnect          -> p50/p99 us
// Every process first connects and warms up (a 2,000-token stream, 2,000
// 1-token round trips, 500 pings), so the figures are steady state.
// Env: REALM_BENCH_SCALE (default 1) scales the token and request counts.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WsSystemBaseline } from './ws-baseline.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const [kind, workload, url, clientId, keyPath] = process.argv.slice(2);
const scale = Number(process.env.REALM_BENCH_SCALE || 1);

function makeClient() {
  const options = { serverUrl: url, clientId, privateKeyPath: keyPath };
  if (kind === 'realm') {
    const { WSClient } = require(path.resolve(here, '..', '..'));
    // No keepalive pings and no reconnects during a measurement; the baseline has neither.
    return new WSClient({ ...options, pingInterval: 0, autoReconnect: false });
  }
  if (kind === 'ws') return new WsSystemBaseline(options);
  throw new Error(`unknown client ${kind}`);
}

async function closeClient(client) {
  await client.disconnect();
  if (typeof client.close === 'function') client.close();
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const cpuUs = (start) => {
  const d = process.cpuUsage(start); // all threads of the process
  return d.user + d.system;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// Tokens and generation ends through the event API (onToken, onGenerationEnd),
// as a WSClient user collects them: a counter, and a waiter per id.
function tracker(client) {
  const t = { tokens: 0, waiters: new Map(), early: new Map() };
  client.onToken(() => {
    t.tokens++;
  });
  client.onGenerationEnd((e) => {
    const w = t.waiters.get(e.id);
    if (w !== undefined) {
      t.waiters.delete(e.id);
      w(e);
    } else t.early.set(e.id, e);
  });
  client.onError((e) => {
    console.error(`error event: ${e.code} ${e.message}`);
    process.exit(1);
  });
  t.end = (id) => {
    const e = t.early.get(id);
    if (e !== undefined) {
      t.early.delete(id);
      return Promise.resolve(e);
    }
    return new Promise((resolve) => t.waiters.set(id, resolve));
  };
  // One generate of n tokens, to its end; resolves with the generation_end event.
  t.run = async (prompt, n) => t.end(await client.generate(prompt, undefined, { tokens: n }));
  return t;
}

async function iterate(client, n) {
  let got = 0;
  for await (const tok of client.generateStream('Tell me a story', undefined, { tokens: n })) got += tok.length > 0 ? 1 : 0;
  return got;
}

async function main() {
  const out = { client: kind, workload };
  if (workload === 'connect') {
    // Warm-up: one client, so the addon / ws and crypto code are loaded.
    const warm = makeClient();
    await warm.connect();
    await closeClient(warm);
    const n = Math.max(5, Math.round(20 * scale));
    const lat = [];
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      const c = makeClient();
      await c.connect();
      lat.push(nowUs() - s);
      await closeClient(c);
    }
    lat.sort((a, b) => a - b);
    out.p50_us = percentile(lat, 50);
    out.p99_us = percentile(lat, 99);
    out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify(out));
    return;
  }

  const client = makeClient();
  await client.connect();
  const t = tracker(client);
  // Warm-up: the connection, V8's compilers (TurboFan keeps compiling for
  // the first few hundred round trips) and both APIs.
  await t.run('warm up', 2000);
  for (let i = 0; i < 2000; i++) await t.run('warm', 1);
  for (let i = 0; i < 500; i++) await client.ping();
  if (workload === 'iter' && (await iterate(client, 2000)) !== 2000) throw new Error('warm-up stream lost tokens');
  t.tokens = 0;

  if (workload === 'stream') {
    const n = Math.round(100000 * scale);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    const e = await t.run('Tell me a story', n);
    const dt = nowUs() - t0;
    if (t.tokens !== n || e.totalTokens !== n) throw new Error(`got ${t.tokens} (server ${e.totalTokens}) of ${n} tokens`);
    out.tokens_per_s = (n / dt) * 1e6;
    out.cpu_us_per_token = cpuUs(c0) / n;
  } else if (workload === 'iter') {
    const n = Math.round(100000 * scale);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    const got = await iterate(client, n);
    const dt = nowUs() - t0;
    if (got !== n) throw new Error(`got ${got} of ${n} tokens`);
    out.tokens_per_s = (n / dt) * 1e6;
    out.cpu_us_per_token = cpuUs(c0) / n;
  } else if (workload === 'concurrent') {
    const streams = 100;
    const per = Math.round(1000 * scale);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    const ends = await Promise.all(Array.from({ length: streams }, (_, i) => t.run(`s${i} go`, per)));
    const dt = nowUs() - t0;
    const total = streams * per;
    const server = ends.reduce((a, e) => a + e.totalTokens, 0);
    if (t.tokens !== total || server !== total) throw new Error(`got ${t.tokens} (server ${server}) of ${total} tokens`);
    out.tokens_per_s = (total / dt) * 1e6;
    out.cpu_us_per_token = cpuUs(c0) / total;
  } else if (workload === 'roundtrip') {
    const n = Math.round(2000 * scale);
    const lat = new Array(n);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      const e = await t.run('x', 1);
      lat[i] = nowUs() - s;
      if (e.totalTokens !== 1) throw new Error(`unexpected end ${JSON.stringify(e)}`);
    }
    const dt = nowUs() - t0;
    if (t.tokens !== n) throw new Error(`got ${t.tokens} of ${n} tokens`);
    lat.sort((a, b) => a - b);
    out.req_per_s = (n / dt) * 1e6;
    out.cpu_us_per_req = cpuUs(c0) / n;
    out.p50_us = percentile(lat, 50);
    out.p99_us = percentile(lat, 99);
  } else if (workload === 'ping') {
    const n = Math.round(2000 * scale);
    const lat = new Array(n);
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      await client.ping();
      lat[i] = nowUs() - s;
    }
    out.cpu_us_per_req = cpuUs(c0) / n;
    lat.sort((a, b) => a - b);
    out.p50_us = percentile(lat, 50);
    out.p99_us = percentile(lat, 99);
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  await closeClient(client);
  out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
