// One benchmark workload with one client, through the client's public API.
// Prints one JSON line. Run by bench/node/run.mjs (pinned with taskset).
//   node workload.mjs <realm|ws> <workload> <url>
// Workloads (the same as the core's C benchmark):
//   stream      1 stream x 100k tokens                      -> tokens/s
//   concurrent  100 concurrent streams x 1k tokens, 1 conn   -> tokens/s
//   roundtrip   2,000 sequential `await generate({max_tokens: 1, stream: true})`
//               (one streamed token + complete per call)     -> req/s, p50/p99 us
//   latency     one token per ms (server `stamp`), 2,000 tok  -> delivery p50/p99 us
//   latency_poll the same with the SDK's busyPollUs at 2000 (longer than the
//               1 ms gap: its threads never sleep during the stream); the
//               ws client runs it unchanged, as a same-hour baseline
// Env: REALM_BENCH_WARMUP=full (default) | short. `full` measures steady
//   state: 2,000 warm-up round trips, and the latency loop runs once unmeasured
//   first. `short` is the first harness (200 round trips, no latency warm-up
//   pass): its figures include V8 compiling both clients' code, which on one
//   pinned core stalls the JS thread for milliseconds (docs/benchmarks-node.md).
// REALM_BENCH_DUMP=prefix writes the latency samples to prefix.<client>.
// REALM_BENCH_BUSY_POLL_US=N sets the SDK's busyPollUs (default: the library's).
import fs from 'node:fs';
import { RealmWebSocketClient } from '@realm-ai/ws-client';
import { WsRealmClient } from './ws-client.mjs';

const [kind, workload, url] = process.argv.slice(2);
const scale = Number(process.env.REALM_BENCH_SCALE || 1);
const fullWarmup = (process.env.REALM_BENCH_WARMUP || 'full') !== 'short';

function nowUs() {
  return Number(process.hrtime.bigint() / 1000n); // CLOCK_MONOTONIC, as the server's stamp
}

// CPU time of the whole process (all threads: JS thread, libuv, librealm's event thread).
function cpuUs(start) {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function drain(stream) {
  let n = 0;
  for await (const t of stream) n += t.length > 0 ? 1 : 0;
  return n;
}

// Delivery latency of every token of one stream: the server stamps each token
// with its CLOCK_MONOTONIC send time (us) and sends one every `delayMs`.
async function deliveryLatencies(client, n, delayMs) {
  const lat = [];
  for await (const t of client.generateStream({ prompt: 'x', max_tokens: n, extraParams: { delay_ms: delayMs, stamp: true } })) {
    lat.push(nowUs() - Number(t));
  }
  if (lat.length !== n) throw new Error(`got ${lat.length} of ${n} tokens`);
  return lat;
}

async function main() {
  const options = { url, model: 'bench', timeout: 0 };
  if (process.env.REALM_BENCH_BUSY_POLL_US) options.busyPollUs = Number(process.env.REALM_BENCH_BUSY_POLL_US);
  if (workload === 'latency_poll') options.busyPollUs = 2000;
  const client = kind === 'realm' ? new RealmWebSocketClient(options) : new WsRealmClient({ url, model: 'bench' });
  await client.connect();
  // Warm-up: the connection and V8. After a few hundred round trips TurboFan
  // is still compiling (the ws client's code most of all).
  await drain(client.generateStream({ prompt: 'warm up', max_tokens: 2000 }));
  const warmRoundTrips = fullWarmup ? 2000 : 200;
  for (let i = 0; i < warmRoundTrips; i++) await client.generate({ prompt: 'warm', max_tokens: 1, stream: true });

  const out = { client: kind, workload };
  if (workload === 'stream') {
    const n = Math.round(100000 * scale);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    const got = await drain(client.generateStream({ prompt: 'Tell me a story', max_tokens: n }));
    const dt = nowUs() - t0;
    if (got !== n) throw new Error(`got ${got} of ${n} tokens`);
    out.tokens_per_s = (n / dt) * 1e6;
    out.cpu_us_per_token = cpuUs(c0) / n;
  } else if (workload === 'concurrent') {
    const streams = 100;
    const per = Math.round(1000 * scale);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    const counts = await Promise.all(
      Array.from({ length: streams }, (_, i) => drain(client.generateStream({ prompt: `s${i} go`, max_tokens: per }))),
    );
    const dt = nowUs() - t0;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total !== streams * per) throw new Error(`got ${total} of ${streams * per} tokens`);
    out.tokens_per_s = (total / dt) * 1e6;
    out.cpu_us_per_token = cpuUs(c0) / total;
  } else if (workload === 'roundtrip') {
    const n = Math.round(2000 * scale);
    const lat = new Array(n);
    const c0 = process.cpuUsage();
    const t0 = nowUs();
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      const r = await client.generate({ prompt: 'x', max_tokens: 1, stream: true });
      lat[i] = nowUs() - s;
      if (r.text !== 'The ') throw new Error(`unexpected result ${JSON.stringify(r.text)}`);
    }
    const dt = nowUs() - t0;
    lat.sort((a, b) => a - b);
    out.req_per_s = (n / dt) * 1e6;
    out.cpu_us_per_req = cpuUs(c0) / n;
    out.p50_us = percentile(lat, 50);
    out.p99_us = percentile(lat, 99);
  } else if (workload === 'latency' || workload === 'latency_poll') {
    const n = Math.round(2000 * scale);
    // Run the measuring loop once unmeasured, so that neither client's
    // figures include V8 compiling it (and the iterator code it drives).
    if (fullWarmup) await deliveryLatencies(client, n, 1);
    const lat = await deliveryLatencies(client, n, 1);
    if (process.env.REALM_BENCH_DUMP) fs.writeFileSync(`${process.env.REALM_BENCH_DUMP}.${kind}`, lat.join('\n'));
    lat.sort((a, b) => a - b);
    out.p50_us = percentile(lat, 50);
    out.p99_us = percentile(lat, 99);
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  await client.disconnect();
  out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
