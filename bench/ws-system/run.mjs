// ws-system benchmark runner: librealm's Node WSClient against a client on
// the `ws` package (ws-baseline.mjs), and librealm's C API
// (ws_system_bench.c) for reference, all on ONE realm-server process that
// scripts/bench-ws-system started. Every (client, workload, run) is a fresh
// process, pinned to one CPU; the order of the clients rotates between runs.
// Prints ONE markdown table of medians over the runs.
//
//   node bench/ws-system/run.mjs --url ws://127.0.0.1:PORT --client-id ID --key FILE
//        [--runs N] [--c-bench PATH] [--cpu N] [--no-pin] [--raw-log FILE]
//
// The workloads are described in workload.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const url = arg('--url');
const clientId = arg('--client-id');
const key = arg('--key');
const runs = Number(arg('--runs', 3));
const cBench = arg('--c-bench', null);
const cpu = arg('--cpu', '0');
const rawLog = arg('--raw-log', null);
const pin = !args.includes('--no-pin') && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
if (!url || !clientId || !key || !(runs >= 1)) {
  console.error('usage: run.mjs --url URL --client-id ID --key FILE [--runs N] [--c-bench PATH] [--cpu N] [--no-pin] [--raw-log FILE]');
  process.exit(2);
}

const workloads = ['stream', 'iter', 'concurrent', 'roundtrip', 'ping', 'connect'];
const clients = ['realm', 'ws', ...(cBench ? ['c'] : [])];

function command(client, workload) {
  if (client === 'c') return [cBench, ['--url', url, '--client-id', clientId, '--key', key, '--workload', workload]];
  return [process.execPath, [path.join(here, 'workload.mjs'), client, workload, url, clientId, key]];
}

function runOne(client, workload) {
  let [cmd, cmdArgs] = command(client, workload);
  if (pin) [cmd, cmdArgs] = ['taskset', ['-c', cpu, cmd, ...cmdArgs]];
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) throw new Error(`${client}/${workload} failed (${r.status ?? r.signal}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const results = {};
for (const c of clients) results[c] = {};
const raw = [];
const t0 = Date.now();
for (let run = 0; run < runs; run++) {
  for (const [wi, w] of workloads.entries()) {
    // generateStream has no C counterpart.
    const list = clients.filter((c) => !(c === 'c' && w === 'iter'));
    // Rotate which client goes first, so that none always runs on a warmer machine.
    const k = (run + wi) % list.length;
    const order = [...list.slice(k), ...list.slice(0, k)];
    for (const c of order) {
      const r = runOne(c, w);
      (results[c][w] ||= []).push(r);
      raw.push({ run: run + 1, ...r });
      process.stderr.write(`run ${run + 1}/${runs} ${c.padEnd(5)} ${w.padEnd(10)} ${JSON.stringify(r)}\n`);
    }
  }
}
if (rawLog) fs.writeFileSync(rawLog, raw.map((r) => JSON.stringify(r)).join('\n') + '\n');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) =>
  x === undefined ? '' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const val = (c, w, k) => (results[c][w] ? median(results[c][w].map((r) => r[k])) : undefined);

const rows = [];
// target: 'higher' = ratio >= 1.2 (throughput), 'lower' = ratio <= 1.0 (latency), '' = none.
function row(label, w, k, digits, target) {
  const a = val('realm', w, k);
  const b = val('ws', w, k);
  const c = cBench ? val('c', w, k) : undefined;
  // The two clients of one run ran back to back: the median of the per-run
  // ratios is steadier than the ratio of the medians when the load drifts.
  const ratio = median(results.realm[w].map((r, i) => r[k] / results.ws[w][i][k]));
  let verdict = '';
  if (target === 'higher') verdict = `>= 1.2x ${ratio >= 1.2 ? 'ok' : 'MISSED'}`;
  if (target === 'lower') verdict = `<= 1.0x ${ratio <= 1.0 ? 'ok' : 'MISSED'}`;
  const cells = [label, fmt(a, digits), fmt(b, digits), `${ratio.toFixed(2)}x`, verdict];
  if (cBench) cells.push(fmt(c, digits));
  rows.push(`| ${cells.join(' | ')} |`);
}
row('1 stream x 100k tokens (onToken), tokens/s', 'stream', 'tokens_per_s', 0, 'higher');
row('  CPU us/token (all threads)', 'stream', 'cpu_us_per_token', 2, '');
row('1 stream x 100k tokens (generateStream, for await), tokens/s', 'iter', 'tokens_per_s', 0, 'higher');
row('  CPU us/token', 'iter', 'cpu_us_per_token', 2, '');
row('100 streams x 1k tokens (1 connection), tokens/s', 'concurrent', 'tokens_per_s', 0, 'higher');
row('  CPU us/token', 'concurrent', 'cpu_us_per_token', 2, '');
row('2,000 sequential 1-token generates, p50 us', 'roundtrip', 'p50_us', 0, '');
row('  p99 us', 'roundtrip', 'p99_us', 0, 'lower');
row('  CPU us/request', 'roundtrip', 'cpu_us_per_req', 1, '');
row('2,000 sequential ping -> pong, p50 us', 'ping', 'p50_us', 0, '');
row('  p99 us', 'ping', 'p99_us', 0, 'lower');
row('  CPU us/ping', 'ping', 'cpu_us_per_req', 1, '');
row('connect + authenticate (RSA-2048), p50 us', 'connect', 'p50_us', 0, '');
{
  // Peak RSS: per run, the largest ru_maxrss of a client's processes; median over runs.
  const peak = (c) =>
    median(Array.from({ length: runs }, (_, i) => Math.max(...workloads.filter((w) => results[c][w]).map((w) => results[c][w][i].max_rss_mb))));
  const a = peak('realm');
  const b = peak('ws');
  const cells = ['peak RSS, MiB', fmt(a, 1), fmt(b, 1), `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(1)} MiB`, ''];
  if (cBench) cells.push(fmt(peak('c'), 1));
  rows.push(`| ${cells.join(' | ')} |`);
}

const head = ['workload', 'librealm WSClient', 'ws baseline', 'ratio WSClient / ws', 'target'];
if (cBench) head.push('librealm C API');
console.log(
  `ws-system benchmark: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ` +
    `${os.cpus().length} cores, load avg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ` +
    `clients ${pin ? `pinned to CPU ${cpu}` : 'NOT pinned'}, ${runs} runs (medians), ${Math.round((Date.now() - t0) / 1000)} s\n`,
);
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => (i === 0 || i === 4 ? '---' : '---:')).join('|')}|`);
console.log(rows.join('\n'));
console.log(
  '\nClient columns: medians over the runs. Ratio: median over the runs of WSClient / ws in the same run ' +
    '(higher is better for tokens/s, lower for us and MiB); target: tokens/s >= 1.2x, p99 <= 1.0x.',
);
