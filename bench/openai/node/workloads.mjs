// Workloads of the OpenAI-dialect benchmark for the Node peers, the same as
// the C clients' (bench/c/bench_common.h): 1, 2, 3 and 5 (time to first
// token). A client offers `await client.stream(n)`: one chat completion
// streamed to its end, resolving to the hrtime (ns, bigint) of its first
// content token after checking n tokens, usage.completion_tokens == n and
// finish_reason "length". Prints one line in the C clients' format:
// `RESULT client=NAME workload=N key=value ... rss_kib=K`.
export const MODEL = 'm';
export const MESSAGES = [{ role: 'user', content: 'Bench' }];
const WARMUP_TOKENS = 2000;
const W1_TOKENS = 100000, W1_REPS = 3;
const W2_STREAMS = 100, W2_TOKENS = 1000, W2_REPS = 3;
const W3_REQUESTS = 2000;
const W5_REQUESTS = 200, W5_TOKENS = 16;

export function parseArgs() {
  const args = process.argv.slice(2);
  const get = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
  };
  const url = get('--url');
  const workload = Number(get('--workload'));
  const mode = get('--mode', 'pool');
  if (!url || ![1, 2, 3, 5].includes(workload) || !['pool', 'mux'].includes(mode)) {
    console.error('usage: --url URL --workload 1|2|3|5 [--mode pool|mux]  (pin with taskset)');
    process.exit(2);
  }
  return { url, workload, mode };
}

export function checkStream(tokens, n, completion, finish) {
  if (tokens !== n || completion !== n || finish !== 'length')
    throw new Error(`expected ${n} tokens, got ${tokens} (completion_tokens ${completion}, finish ${finish})`);
}

const now = () => process.hrtime.bigint();
const cpuUs = (c0) => {
  const d = process.cpuUsage(c0);
  return d.user + d.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// Nearest rank, as bench_pct_sorted in the C clients.
const pct = (sorted, p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
const us = (ns) => Number(ns) / 1000;

async function w1(client) {
  const rates = [], cpu = [];
  for (let i = 0; i < W1_REPS; i++) {
    const c0 = process.cpuUsage(), t0 = now();
    await client.stream(W1_TOKENS);
    rates.push((W1_TOKENS * 1e6) / us(now() - t0));
    cpu.push(cpuUs(c0) / W1_TOKENS);
  }
  return { tok_s: median(rates), cpu_us_tok: median(cpu) };
}

async function w2(client) {
  const rates = [], cpu = [], total = W2_STREAMS * W2_TOKENS;
  for (let i = 0; i < W2_REPS; i++) {
    const c0 = process.cpuUsage(), t0 = now();
    await Promise.all(Array.from({ length: W2_STREAMS }, () => client.stream(W2_TOKENS)));
    rates.push((total * 1e6) / us(now() - t0));
    cpu.push(cpuUs(c0) / total);
  }
  return { tok_s: median(rates), cpu_us_tok: median(cpu) };
}

async function w3(client) {
  const lat = [];
  const c0 = process.cpuUsage(), t0 = now();
  for (let i = 0; i < W3_REQUESTS; i++) {
    const a = now();
    await client.stream(1);
    lat.push(us(now() - a));
  }
  const dt = us(now() - t0);
  lat.sort((a, b) => a - b);
  return { req_s: (W3_REQUESTS * 1e6) / dt, p50_us: pct(lat, 50), p99_us: pct(lat, 99), cpu_us_req: cpuUs(c0) / W3_REQUESTS };
}

async function w5(client) {
  const ttft = [];
  for (let i = 0; i < W5_REQUESTS; i++) {
    const a = now();
    const first = await client.stream(W5_TOKENS);
    ttft.push(us(first - a));
  }
  ttft.sort((a, b) => a - b);
  return { p50_us: pct(ttft, 50), p99_us: pct(ttft, 99) };
}

export async function run(client, name, workload) {
  await client.stream(WARMUP_TOKENS);
  const m = await { 1: w1, 2: w2, 3: w3, 5: w5 }[workload](client);
  const fields = Object.entries(m).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ');
  console.log(`RESULT client=${name} workload=${workload} ${fields} rss_kib=${process.resourceUsage().maxRSS}`);
}
