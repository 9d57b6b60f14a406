// Node benchmark: @realm-ai/ws-client (librealm core) against a minimal
// client on the `ws` package, same workloads, same server, each client pinned
// to one core and the server to another (taskset).
//
//   node bench/node/run.mjs [--reps N] [--json out.json]
//   env: REALM_SERVER (realm-server binary), REALM_BENCH_CLIENT_CPU [0],
//        REALM_BENCH_SERVER_CPU [1], REALM_BENCH_SCALE [1],
//        REALM_BENCH_WARMUP [full] (or short: see workload.mjs)
//
// Every (workload, client) pair runs in a fresh process, REPS times, in
// alternating order; it prints the medians and the best repetition of each
// client. Peak RSS is the largest ru_maxrss of a client's processes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const reps = Number(arg('--reps', 3));
const jsonOut = arg('--json', null);
const clientCpu = process.env.REALM_BENCH_CLIENT_CPU ?? '0';
const serverCpu = process.env.REALM_BENCH_SERVER_CPU ?? '1';

function serverBinary() {
  const candidates = [
    process.env.REALM_SERVER,
    path.join(root, 'build', 'server', 'realm-server'),
    path.join(root, 'build-node-server', 'server', 'realm-server'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`realm-server not found; set REALM_SERVER (looked in ${candidates.join(', ')})`);
  return found;
}

const haveTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
const pin = (cpu, cmd) => (haveTaskset ? ['taskset', ['-c', cpu, ...cmd]] : [cmd[0], cmd.slice(1)]);

async function startServer() {
  const [cmd, cmdArgs] = pin(serverCpu, [serverBinary(), '--host', '127.0.0.1', '--port', '0']);
  const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    proc.on('exit', (c) => reject(new Error(`realm-server exited ${c}`)));
  });
  proc.stdout.resume();
  return { proc, url: `ws://127.0.0.1:${port}` };
}

function runWorkload(client, workload, url) {
  const [cmd, cmdArgs] = pin(clientCpu, [process.execPath, path.join(here, 'workload.mjs'), client, workload, url]);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) throw new Error(`${client}/${workload} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const workloads = ['stream', 'concurrent', 'roundtrip', 'latency', 'latency_poll'];
const clients = ['realm', 'ws'];

const server = await startServer();
const results = { realm: {}, ws: {} };
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const w of workloads) {
      const order = rep % 2 === 0 ? clients : [...clients].reverse();
      for (const c of order) {
        const r = runWorkload(c, w, server.url);
        (results[c][w] ||= []).push(r);
        process.stderr.write(`rep ${rep + 1}/${reps} ${c.padEnd(5)} ${w.padEnd(10)} ${JSON.stringify(r)}\n`);
      }
    }
  }
} finally {
  server.proc.kill('SIGTERM');
}

// Two views: the median of the repetitions, and the best repetition of each
// client (highest throughput, lowest latency percentile, lowest RSS), which
// filters out the noise of other processes on a shared machine.
const best = (xs, higherBetter) => (higherBetter ? Math.max(...xs) : Math.min(...xs));
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function table(agg) {
  const val = (c, w, key, higherBetter) => agg(results[c][w].map((r) => r[key]), higherBetter);
  const rows = [];
  function row(metric, w, key, higherBetter, target, check, digits = 0) {
    const a = val('realm', w, key, higherBetter);
    const b = val('ws', w, key, higherBetter);
    const ratio = higherBetter ? a / b : b / a;
    const verdict = target ? (check(a, b) ? 'ok' : 'MISSED') : '';
    rows.push(`| ${metric} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${ratio.toFixed(2)}× | ${target} | ${verdict} |`);
  }
  row('1 stream × 100k tokens, tokens/s', 'stream', 'tokens_per_s', true, '≥ 1.2×', (a, b) => a >= 1.2 * b);
  row('100 streams × 1k tokens on 1 connection, tokens/s', 'concurrent', 'tokens_per_s', true, '≥ 1.2×', (a, b) => a >= 1.2 * b);
  row('1 stream: CPU µs per token (all threads)', 'stream', 'cpu_us_per_token', false, '', () => true, 2);
  row('100 streams: CPU µs per token', 'concurrent', 'cpu_us_per_token', false, '', () => true, 2);
  row('2,000 sequential 1-token round trips, req/s', 'roundtrip', 'req_per_s', true, '≥ 1.5×', (a, b) => a >= 1.5 * b);
  row('round trip: CPU µs per request', 'roundtrip', 'cpu_us_per_req', false, '', () => true, 1);
  row('round trip p50, µs', 'roundtrip', 'p50_us', false, '', () => true);
  row('round trip p99, µs', 'roundtrip', 'p99_us', false, '', () => true);
  row('1 token / ms: delivery p50, µs', 'latency', 'p50_us', false, '', () => true);
  row('1 token / ms: delivery p99, µs', 'latency', 'p99_us', false, 'p99 ≤ 0.5× ws', (a, b) => a <= 0.5 * b);
  row('1 token / ms, busyPollUs 2000: delivery p50, µs', 'latency_poll', 'p50_us', false, '', () => true);
  row('1 token / ms, busyPollUs 2000: delivery p99, µs', 'latency_poll', 'p99_us', false, 'p99 ≤ 0.5× ws', (a, b) => a <= 0.5 * b);
  // Peak RSS: the largest ru_maxrss of a client's workload processes in one repetition.
  const peaks = (c) => Array.from({ length: reps }, (_, i) => Math.max(...workloads.map((w) => results[c][w][i].max_rss_mb)));
  const a = agg(peaks('realm'), false);
  const b = agg(peaks('ws'), false);
  rows.push(`| peak RSS, MB | ${fmt(a, 1)} | ${fmt(b, 1)} | ${(a - b >= 0 ? '+' : '') + (a - b).toFixed(1)} MB | ≤ ws + 10 MB | ${a <= b + 10 ? 'ok' : 'MISSED'} |`);
  return `| workload | @realm-ai/ws-client | ws baseline | ratio | target | |\n|---|---:|---:|---:|---|---|\n${rows.join('\n')}`;
}

console.log(
  `Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)} at the end; ` +
    `clients pinned to CPU ${clientCpu}, server to CPU ${serverCpu}${haveTaskset ? '' : ' (taskset missing: NOT pinned)'}; ${reps} repetitions; ` +
    `warm-up ${process.env.REALM_BENCH_WARMUP || 'full'}\n`,
);
console.log(`Median of ${reps} repetitions:\n`);
console.log(table(median));
console.log(`\nBest of ${reps} repetitions (per client and metric):\n`);
console.log(table(best));
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ node: process.version, reps, results }, null, 2));
