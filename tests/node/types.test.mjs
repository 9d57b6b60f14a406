// The TypeScript declarations compile for CommonJS and ESM consumers (tsc --noEmit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { runNode, repoRoot } from './helpers.mjs';

const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

test('index.d.ts / index.d.mts type-check the documented usage and every API', async () => {
  // Not a skip: without the compiler this suite would pass having checked nothing.
  assert.ok(fs.existsSync(tsc), `typescript is not installed at ${tsc}: run npm install (scripts/test-node does)`);
  const r = await runNode([tsc, '-p', path.join('tests', 'node', 'types', 'tsconfig.json')], { timeout: 120000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('tsc --strict rejects the documented TektonLLMClient mistakes, one error per marked line', async () => {
  assert.ok(fs.existsSync(tsc), `typescript is not installed at ${tsc}: run npm install (scripts/test-node does)`);
  const file = path.join(repoRoot, 'tests', 'node', 'types', 'tekton-reject.mts');
  const marked = fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => (/\/\/ error: /.test(line) ? i + 1 : 0))
    .filter(Boolean);
  const r = await runNode([tsc, '-p', path.join('tests', 'node', 'types', 'tsconfig.reject.json')], { timeout: 120000 });
  assert.notEqual(r.code, 0, 'tsc accepted tekton-reject.mts');
  const lines = [...new Set([...r.stdout.matchAll(/tekton-reject\.mts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1])))];
  assert.deepEqual(lines.sort((a, b) => a - b), marked, r.stdout);
});
