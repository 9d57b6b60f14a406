#!/usr/bin/env node
// Builds the Node addon (build-node/Release/realm.node) with CMake, offline:
// Node's headers come from the running Node installation
// (<prefix>/include/node) and node-addon-api from node_modules, so nothing is
// downloaded from nodejs.org. Runs as the package's `install` script.
//
// Environment:
//   REALM_NODE_BUILD_DIR   CMake binary dir             [<package>/build-node]
//   REALM_NODE_BUILD_TYPE  CMAKE_BUILD_TYPE             [Release]
//   REALM_NODE_JOBS        parallel compile jobs        [min(2, cpus)]
//   NODE_INCLUDE_DIR       directory holding node_api.h [<node prefix>/include/node]
//   REALM_NODE_SKIP_BUILD  set to 1 to skip (e.g. when only installing dev tools)
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function fail(msg) {
  console.error(`@realm-ai/ws-client: ${msg}`);
  process.exit(1);
}

function have(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function run(cmd, args) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} failed with exit code ${r.status}`);
}

function nodeIncludeDir() {
  const candidates = [];
  if (process.env.NODE_INCLUDE_DIR) candidates.push(process.env.NODE_INCLUDE_DIR);
  candidates.push(path.resolve(path.dirname(process.execPath), '..', 'include', 'node'));
  candidates.push('/usr/include/node', '/usr/local/include/node');
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'node_api.h'))) return dir;
  }
  fail(
    `Node headers not found (looked for node_api.h in ${candidates.join(', ')}). ` +
      'Install them (e.g. the nodejs dev package) or set NODE_INCLUDE_DIR.',
  );
}

function addonApiDir() {
  let dir;
  try {
    dir = require('node-addon-api').include_dir;
  } catch (e) {
    fail(`node-addon-api is not installed (${e.message}); run npm install`);
  }
  dir = path.resolve(dir);
  if (!fs.existsSync(path.join(dir, 'napi.h'))) fail(`napi.h not found in ${dir}`);
  return dir;
}

function main() {
  if (process.env.REALM_NODE_SKIP_BUILD === '1') {
    console.log('@realm-ai/ws-client: REALM_NODE_SKIP_BUILD=1, not building the addon');
    return;
  }
  if (!have('cmake')) fail('cmake is required to build the addon (apt-get install cmake)');
  const buildDir = path.resolve(root, process.env.REALM_NODE_BUILD_DIR || 'build-node');
  const buildType = process.env.REALM_NODE_BUILD_TYPE || 'Release';
  const jobs = process.env.REALM_NODE_JOBS || String(Math.max(1, Math.min(2, os.cpus().length)));

  const configure = ['-S', root, '-B', buildDir];
  // Keep the generator of an existing build directory.
  if (!fs.existsSync(path.join(buildDir, 'CMakeCache.txt')) && have('ninja')) configure.push('-G', 'Ninja');
  configure.push(
    `-DCMAKE_BUILD_TYPE=${buildType}`,
    '-DREALM_BUILD_NODE=ON',
    '-DREALM_BUILD_STATIC=ON',
    '-DREALM_BUILD_TESTS=OFF',
    '-DREALM_BUILD_SERVER=OFF',
    '-DREALM_BUILD_EXAMPLES=OFF',
    '-DREALM_BUILD_BENCH=OFF',
    '-DREALM_BUILD_PYTHON=OFF',
    `-DNODE_INCLUDE_DIR=${nodeIncludeDir()}`,
    `-DNODE_ADDON_API_DIR=${addonApiDir()}`,
  );
  run('cmake', configure);
  run('cmake', ['--build', buildDir, '--target', 'realm_node', '--parallel', jobs]);

  const out = path.join(buildDir, 'Release', 'realm.node');
  if (!fs.existsSync(out)) fail(`build finished but ${out} is missing`);
  console.log(`@realm-ai/ws-client: built ${path.relative(root, out)}`);
}

main();
