// Scale benchmark, Node side (issue 12): the installed @realm-ai/ws-client
// with default options (only the URL, and the model it requires), the same
// cases as realm_scale.c. Run everything with scripts/bench-scale.
//
//   node --expose-gc bench/scale/scale.mjs --url ws://127.0.0.1:PORT --case CASE --n N
//        [--tokens T] [--window W] [--budget SECONDS]
//
// Cases:
//   streams  N concurrent generateStream x T tokens (100) on one client (one
//            connection), all started at once: one warm-up wave of N, then
//            waves(N) measured waves (at least 3, and 10,000 streams in all);
//            per wave the time from the first start to the last stream's
//            end, the median wave reported (secs, with the client CPU per wave)
//   conns    N clients, each created, connected and running one generate
//            (not streamed: realm-server answers one short text), all at
//            once; time and failures
//   idle     RSS of N connected idle clients: after one warm client
//            (baseline) and after N more connected and idle for a second, gc
//            run before each sample (with --expose-gc); (after - before) / N
//   soak     N small generate calls (max_tokens 1) on one client, W (100)
//            async workers each awaiting one call at a time; RSS sampled after
//            the warm-up (min(200,000, N/6) calls) and at the end, gc run
//            before each sample. With --budget S, N shrinks after the warm-up
//            to what the warm-up's rate gets done in S seconds (a multiple of
//            10,000)
//
// Prints one line: RESULT lang=node case=CASE key=value ...
// Node raises its soft RLIMIT_NOFILE to the hard limit when it starts.
import fs from 'node:fs';
import { RealmWebSocketClient } from '@realm-ai/ws-client';

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const url = arg('--url');
const which = arg('--case');
let n = Number(arg('--n', 0));
const window = Number(arg('--window', 100));
const budget = Number(arg('--budget', 0));
const tokensArg = arg('--tokens');
if (!url || !which || !(n > 0)) {
  console.error(
    'usage: node scale.mjs --url URL --case streams|conns|idle|soak --n N [--tokens T] [--window W] [--budget S]',
  );
  process.exit(2);
}

const pageKib = 4; // x86-64 Linux
const rssKib = () => Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * pageKib;
const collect = () => globalThis.gc?.();
// A full collection, then 100 ms for V8's background threads to sweep and
// unmap what it freed, then another: a sample taken straight after one
// collection read anywhere within +-6% of the steady RSS.
const settle = async () => {
  collect();
  await new Promise((r) => setTimeout(r, 100));
  collect();
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now() / 1000;
const newClient = () => new RealmWebSocketClient({ url, model: 'm' });

function result(kase, fields) {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`);
  console.log(`RESULT lang=node case=${kase} ${parts.join(' ')}`);
}

function firstError(settled) {
  const r = settled.find((s) => s.status === 'rejected');
  return r ? `${r.reason?.code} ${r.reason?.message}` : '';
}

async function streams(tokens) {
  const client = newClient();
  await client.connect();
  const one = async (i) => {
    let count = 0;
    for await (const _ of client.generateStream({ prompt: `S${i}`, max_tokens: tokens })) count += 1;
    return count;
  };
  const wave = () => Promise.allSettled(Array.from({ length: n }, (_, i) => one(i)));
  await wave(); // warm-up: the allocators and V8's heap sized for n streams
  const times = [];
  const failedOutcomes = [];
  let ok = 0;
  const cpu0 = process.cpuUsage();
  for (let w = 0; w < waves(n); ++w) {
    const t0 = now();
    const settled = await wave();
    times.push(now() - t0);
    for (const s of settled) {
      if (s.status === 'fulfilled' && s.value === tokens) ok += 1;
      else failedOutcomes.push(s);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const total = n * times.length;
  result('streams', {
    n, tokens, waves: times.length, ok, failed: total - ok, secs, us_per_stream: (secs * 1e6) / n,
    cpu_s: (cpu.user + cpu.system) / 1e6 / times.length,
  });
  if (ok !== total) console.error(`scale.mjs: first error: ${firstError(failedOutcomes)}`);
  await client.disconnect();
  return ok === total;
}

// Measured waves of n streams (realm_scale.c and scale.py alike): at least 3,
// and 10,000 streams in all, so that a small size is not one 0.1-second
// sample at the mercy of the machine's moment.
function waves(count) {
  return Math.max(3, Math.ceil(10000 / count));
}

async function conns(tokens) {
  const warm = newClient();
  await warm.connect();
  await warm.generate({ prompt: 'W', max_tokens: tokens });
  const clients = [];
  const one = async (i) => {
    const c = newClient();
    clients.push(c);
    await c.connect();
    const r = await c.generate({ prompt: `C${i}`, max_tokens: tokens });
    return r.tokens_generated;
  };
  const t0 = now();
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => one(i)));
  const secs = now() - t0;
  const ok = settled.filter((s) => s.status === 'fulfilled' && s.value > 0).length;
  result('conns', { n, ok, failed: n - ok, secs });
  if (ok !== n) console.error(`scale.mjs: first error: ${firstError(settled)}`);
  await Promise.allSettled(clients.map((c) => c.disconnect()));
  await warm.disconnect();
  return ok === n;
}

async function idle() {
  const warm = newClient();
  await warm.connect();
  await warm.generate({ prompt: 'W', max_tokens: 10 });
  await sleep(300);
  collect();
  const before = rssKib();
  const heapBefore = process.memoryUsage().heapUsed;
  const clients = Array.from({ length: n }, () => newClient());
  collect();
  const created = rssKib();
  const settled = await Promise.allSettled(clients.map((c) => c.connect()));
  const connected = settled.filter((s) => s.status === 'fulfilled').length;
  await sleep(1000);
  collect();
  const after = rssKib();
  const heapAfter = process.memoryUsage().heapUsed;
  result('idle', {
    n, connected, rss_before_kib: before, rss_created_kib: created, rss_after_kib: after,
    kib_per_conn: connected ? (after - before) / connected : 0,
    js_heap_kib_per_conn: connected ? (heapAfter - heapBefore) / 1024 / connected : 0,
  });
  if (connected !== n) console.error(`scale.mjs: first error: ${firstError(settled)}`);
  await Promise.allSettled(clients.map((c) => c.disconnect()));
  await warm.disconnect();
  return connected === n;
}

async function soak() {
  const client = newClient();
  await client.connect();
  await client.generate({ prompt: 'W', max_tokens: 1 });
  const warm = Math.min(200000, Math.floor(n / 6));
  const params = { prompt: 'Soak', max_tokens: 1 };
  let issued = 0;
  let ok = 0;
  let error = '';
  const worker = async (limit) => {
    while (issued < limit) {
      issued += 1;
      try {
        const r = await client.generate(params);
        if (r.tokens_generated > 0) ok += 1; // not streamed: a fixed text whatever max_tokens
      } catch (e) {
        if (!error) error = `${e?.code} ${e?.message}`;
      }
    }
  };
  const samples = [];
  const heap = [];
  const t0 = now();
  let step = Math.max(1, Math.floor((n - warm) / 10));
  let limit = warm > 0 ? warm : n;
  if (warm > 0) {
    // One forced collection halfway through the warm-up, as before every
    // sample. V8 reacts to the first forced full collection of a busy heap
    // by sizing its young generation up (12.8 -> ~38 MiB of heap, ~+25 MiB
    // of RSS, within ~30,000 requests after it; --trace-gc shows the bytes
    // surviving each scavenge jump from ~50 KB to 1-5 MB right after it).
    // Without this, that growth lands after the baseline sample and reads
    // as drift, although the heap in use stays at ~3.7 MiB throughout.
    await Promise.all(Array.from({ length: window }, () => worker(Math.floor(warm / 2))));
    collect();
  }
  for (;;) {
    await Promise.all(Array.from({ length: window }, () => worker(limit)));
    await settle();
    samples.push(rssKib());
    const mu = process.memoryUsage();
    heap.push(`${Math.round(mu.heapUsed / 1024)}/${Math.round(mu.heapTotal / 1024)}/${Math.round(mu.external / 1024)}`);
    if (limit === warm && budget > 0) {
      const fit = Math.max(2 * warm, Math.floor((warm / (now() - t0)) * budget / 10000) * 10000);
      if (fit < n) {
        n = fit;
        step = Math.max(1, Math.floor((n - warm) / 10));
      }
    }
    if (limit >= n) break;
    limit = Math.min(limit + step, n);
  }
  const secs = now() - t0;
  const start = samples[0];
  const end = samples[samples.length - 1];
  result('soak', {
    n, window, ok, failed: n - ok, secs, req_s: ok / secs, warm,
    rss_start_kib: start, rss_end_kib: end, rss_max_kib: Math.max(...samples),
    drift_pct: (100 * (end - start)) / start,
  });
  console.error(`scale.mjs: soak RSS samples (KiB): ${samples.join(' ')}`);
  console.error(`scale.mjs: JS heap used/total/external (KiB): ${heap.join(' ')}`);
  if (ok !== n) console.error(`scale.mjs: first error: ${error}`);
  await client.disconnect();
  return ok === n;
}

const tokens = tokensArg === undefined ? undefined : Number(tokensArg);
const run = { streams: () => streams(tokens ?? 100), conns: () => conns(tokens ?? 10), idle, soak }[which];
if (!run) {
  console.error(`scale.mjs: unknown case ${which}`);
  process.exit(2);
}
process.exitCode = (await run()) ? 0 : 1;
