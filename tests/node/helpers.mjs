// Test helpers: start a real realm-server on a free loopback port; the
// TektonLLMClient suites' (tekton*.test.mjs) environment, stub and ports.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Every client reads the environment (REALM_URL, ...). An error test must see
// its error once, not after retries: retries are off unless a test turns them
// on (retries.test.mjs, which also checks the default of 2 without this).
process.env.REALM_MAX_RETRIES = '0';

export function serverBinary() {
  const candidates = [
    process.env.REALM_SERVER,
    path.join(repoRoot, 'build', 'server', 'realm-server'),
    path.join(repoRoot, 'build-node-server', 'server', 'realm-server'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`realm-server not found (set REALM_SERVER; looked in ${candidates.join(', ')})`);
  }
  return found;
}

/**
 * Starts realm-server with `args` and resolves once it printed its port.
 * Returns { port, url, proc, stop(signal) }.
 */
export async function startServer(args = [], { port = 0 } = {}) {
  const proc = spawn(serverBinary(), ['--host', '127.0.0.1', '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const portLine = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        proc.stdout.off('data', onData);
        resolve(out.slice(0, nl).trim());
      }
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code, sig) => reject(new Error(`realm-server exited (${code ?? sig}) before printing its port: ${stderr}`)));
  });
  const actual = Number(portLine);
  if (!Number.isInteger(actual) || actual <= 0) throw new Error(`bad port line from realm-server: ${portLine}`);
  proc.stdout.resume();
  const exited = once(proc, 'exit');
  return {
    port: actual,
    url: `ws://127.0.0.1:${actual}`,
    proc,
    get stderr() {
      return stderr;
    },
    /** Stops the server (SIGTERM: clean exit; SIGKILL: crash) and waits for it. */
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const [code, sig] = await exited;
      return { code, signal: sig };
    },
  };
}

/** Writes a JSON key store and returns its path. */
export function writeKeyStore(records) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'realm-node-keys-'));
  const file = path.join(dir, 'keys.json');
  fs.writeFileSync(file, JSON.stringify(records));
  return file;
}

export const KEYS = [
  { key: 'sk_test_123', tenant_id: 'tenant1', name: 't', enabled: true, rate_limit: null, created_at: 0, last_used: null },
  { key: 'sk_other_456', tenant_id: 'tenant2', name: 'o', enabled: true, rate_limit: null, created_at: 0, last_used: null },
  { key: 'sk_disabled', tenant_id: 'tenant3', name: 'd', enabled: false, rate_limit: null, created_at: 0, last_used: null },
];

/** The deterministic token i of realm-server's extended streams for `prompt`. */
export function expectedToken(i, prompt) {
  const first = prompt.trim().split(/\s+/)[0] || 'unknown';
  const words = `The capital of France is Paris. This is a simulated response to: ${first}`.split(' ');
  return words[i % words.length] + ' ';
}

/** Resolves with the first emission of `event` on a RealmWebSocketClient (or rejects after ms). */
export function nextEvent(client, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, on);
      reject(new Error(`no '${event}' event within ${ms} ms`));
    }, ms);
    function on(arg) {
      clearTimeout(timer);
      client.off(event, on);
      resolve(arg);
    }
    client.on(event, on);
  });
}

/** Polls `fn` (async) until it returns a truthy value; for server-side state only. */
export async function waitFor(fn, { timeout = 5000, interval = 10, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Runs `node` on a script file; resolves { code, signal, stdout, stderr, ms }. */
export function runNode(args, { timeout = 20000, env = {}, cwd = repoRoot } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const proc = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut: signal === 'SIGKILL' });
    });
  });
}

// ---------------------------------------------------------------- TektonLLMClient suites (tekton*.test.mjs)

/**
 * Removes the Rhetor variables from the environment, so that the test file's
 * clients see only what the tests pass. Call at the top of the file.
 */
export function clearRhetorEnv() {
  const RHETOR_ENV = ['RHETOR_URL', 'RHETOR_WS_URL', 'RHETOR_AUTH_TOKEN', 'RHETOR_DEFAULT_PROVIDER',
    'RHETOR_DEFAULT_MODEL', 'RHETOR_TIMEOUT', 'RHETOR_MAX_RETRIES'];
  for (const name of RHETOR_ENV) delete process.env[name];
}
// Clients of error tests pass maxRetries: 0 (the default, 3, would send each
// failing request four times); tekton-errors.test.mjs shows the retries themselves.

/**
 * One realm-server (started with `args`) for all tests of the calling file:
 * started by a before hook, stopped by an after hook. The returned handle has
 * the server's `port` once it started.
 */
export function fileServer(args) {
  const handle = { port: 0 };
  let server;
  before(async () => {
    server = await startServer(args);
    handle.port = server.port;
  });
  after(async () => {
    await server.stop();
  });
  return handle;
}

export const httpUrl = (server) => `http://127.0.0.1:${server.port}`;

/** A loopback port nobody listens on (bound, then closed). */
export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}


/**
 * A recording HTTP/1.1 server: GET /api/v1/health answers 200, every other
 * request `reply(path, body)` -> { status, type, body }, never an answer
 * when reply returns null, or what a function reply(path, body)(res) writes.
 */
export async function stub(reply) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, path: req.url, headers: req.headers, body });
      const answer = req.url === '/api/v1/health'
        ? { status: 200, type: 'application/json', body: '{"status":"healthy"}' }
        : reply(req.url, body);
      if (answer === null) return; // never answers
      if (typeof answer === 'function') return answer(res);
      res.writeHead(answer.status, { 'Content-Type': answer.type, Connection: 'close' });
      res.end(answer.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    requests,
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}
