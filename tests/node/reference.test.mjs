// The Node API reference is docs/node.md, kept in step with node/index.d.ts
// (the package's contract) by this test:
//  - every exported declaration of index.d.ts, and every member of its
//    exported classes, carries a JSDoc comment (shown by editors);
//  - docs/node.md names every exported declaration and every member of the
//    exported classes and interfaces, in backticks or in a code example;
//  - what the package exports at run time is what index.d.ts declares, and
//    every public method of its classes is declared.
// index.d.ts is parsed with the TypeScript compiler (a devDependency, as in
// types.test.mjs), not with regular expressions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import * as pkg from '@realm-ai/ws-client';
import { repoRoot } from './helpers.mjs';

const dtsPath = path.join(repoRoot, 'node', 'index.d.ts');
const guidePath = path.join(repoRoot, 'docs', 'node.md');
const tsPath = path.join(repoRoot, 'node_modules', 'typescript');

// Public-named methods of TokenStream that the client's burst dispatcher
// calls (node/client.js); not part of the contract, so not declared.
const DISPATCHER_HOOKS = new Set(['tokens', 'complete', 'fail']);

function loadTs() {
  // Not a skip: without the compiler this suite would pass having checked nothing.
  assert.ok(fs.existsSync(tsPath), `typescript is not installed at ${tsPath}: run npm install (scripts/test-node does)`);
  return createRequire(path.join(repoRoot, 'package.json'))('typescript');
}

/** Exported declarations of index.d.ts: [{ name, kind, node, members: [{ name, node }] }]. */
function declarations(ts) {
  const text = fs.readFileSync(dtsPath, 'utf8');
  const sf = ts.createSourceFile('index.d.ts', text, ts.ScriptTarget.Latest, true);
  const exported = (node) => (ts.getModifiers?.(node) ?? node.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const memberName = (m) => {
    if (!m.name) return undefined; // constructor, index and call signatures
    if (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isPrivateIdentifier(m.name)) return m.name.text;
    return undefined; // computed: [Symbol.asyncIterator]
  };
  const out = [];
  for (const st of sf.statements) {
    if (!exported(st)) continue;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) out.push({ name: d.name.getText(sf), kind: 'const', node: st, members: [] });
      continue;
    }
    if (!st.name) continue;
    const kind = ts.isClassDeclaration(st) ? 'class'
      : ts.isInterfaceDeclaration(st) ? 'interface'
        : ts.isTypeAliasDeclaration(st) ? 'type'
          : ts.isFunctionDeclaration(st) ? 'function' : 'other';
    const members = [];
    if (kind === 'class' || kind === 'interface') {
      for (const m of st.members) {
        const isPrivate = (ts.getModifiers?.(m) ?? m.modifiers ?? []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword);
        const name = memberName(m);
        if (name !== undefined && !isPrivate) members.push({ name, node: m });
      }
    }
    out.push({ name: st.name.text, kind, node: st, members });
  }
  return { ts, out };
}

const hasJsDoc = (ts, node) => ts.getJSDocCommentsAndTags(node).length > 0;

test('index.d.ts: every exported declaration and class member has a JSDoc comment', () => {
  const ts = loadTs();
  const { out } = declarations(ts);
  assert.ok(out.length > 20, `only ${out.length} exported declarations found in ${dtsPath}`);
  const missing = [];
  for (const d of out) {
    if (!hasJsDoc(ts, d.node)) missing.push(`${d.kind} ${d.name}`);
    if (d.kind !== 'class') continue;
    // Overloads: one documented signature is enough.
    const byName = new Map();
    for (const m of d.members) byName.set(m.name, (byName.get(m.name) || false) || hasJsDoc(ts, m.node));
    for (const [name, documented] of byName) if (!documented) missing.push(`${d.name}.${name}`);
  }
  assert.ok(missing.length === 0, `without a JSDoc comment in node/index.d.ts:\n  ${missing.join('\n  ')}`);
});

test('docs/node.md names every exported declaration and every class and interface member of index.d.ts', () => {
  const ts = loadTs();
  const { out } = declarations(ts);
  const guide = fs.readFileSync(guidePath, 'utf8');
  // Inline code spans and fenced code blocks.
  const fences = [...guide.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const prose = guide.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const spans = [...fences, ...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1])];
  const mentioned = (name) => {
    const re = new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/[$]/g, '\\$')}([^A-Za-z0-9_$]|$)`);
    return spans.some((s) => re.test(s));
  };
  const missing = [];
  for (const d of out) {
    if (!mentioned(d.name)) missing.push(d.name);
    for (const m of d.members) if (!mentioned(m.name)) missing.push(`${d.name}.${m.name}`);
  }
  const unique = [...new Set(missing)];
  assert.ok(unique.length === 0, `not named (in backticks or a code example) in docs/node.md:\n  ${unique.join('\n  ')}`);
});

test('the runtime exports and class methods are the ones index.d.ts declares', () => {
  const ts = loadTs();
  const { out } = declarations(ts);
  const declared = new Map(out.filter((d) => d.kind === 'class' || d.kind === 'const').map((d) => [d.name, d]));
  const runtime = Object.keys(pkg).filter((k) => k !== 'default');
  assert.deepEqual(runtime.filter((k) => !declared.has(k)), [], 'exported at run time but not declared in index.d.ts');
  assert.deepEqual([...declared.keys()].filter((k) => !runtime.includes(k)), [], 'declared in index.d.ts but not exported');
  assert.equal(pkg.default, pkg.RealmWebSocketClient);
  const undeclared = [];
  for (const d of declared.values()) {
    if (d.kind !== 'class') continue;
    const names = new Set(d.members.map((m) => m.name));
    for (let proto = pkg[d.name].prototype; proto && proto !== Object.prototype && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
      // Stop at classes of Node itself (WSClient extends EventEmitter).
      if (proto.constructor && !Object.values(pkg).includes(proto.constructor) && proto !== pkg[d.name].prototype) break;
      for (const n of Object.getOwnPropertyNames(proto)) {
        if (n === 'constructor' || n.startsWith('_') || names.has(n)) continue;
        if (d.name === 'TokenStream' || d.name === 'GenerationStream') if (DISPATCHER_HOOKS.has(n)) continue;
        undeclared.push(`${d.name}.${n}`);
      }
    }
  }
  assert.deepEqual(undeclared, [], 'public at run time but not declared in index.d.ts');
});
