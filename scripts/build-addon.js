#!/usr/bin/env node
// Builds the Node addon with CMake, offline: Node's headers come from the
// running Node installation (<prefix>/include/node) and node-addon-api from
// node_modules, so nothing is downloaded from nodejs.org.
//
//   node scripts/build-addon.js              the package's `install` script:
//       uses the prebuilt binary (prebuilds/<platform>-<arch>/realm.node, in
//       the npm package) when there is one and it loads here; otherwise, and
//       always in a git checkout, builds build-node/Release/realm.node
//   node scripts/build-addon.js --prebuild   `prepack` (scripts/node-prebuild):
//       builds the self-contained binary (libwebsockets, OpenSSL, zlib and
//       libcap linked in, see bindings/node/CMakeLists.txt) in
//       build-node-prebuild/ and copies it, stripped, to prebuilds/linux-x64/
//   node scripts/build-addon.js --clean-prebuilds   `postpack`: removes
//       prebuilds/ again, so that a checkout keeps building from source
//
// Environment:
//   REALM_NODE_BUILD_FROM_SOURCE  set to 1 to build even when a prebuilt binary fits
//   REALM_NODE_SKIP_BUILD  set to 1 to do nothing (e.g. when only installing dev tools)
//   REALM_NODE_BUILD_DIR   CMake binary dir of the source build [<package>/build-node]
//                          (--prebuild always uses <package>/build-node-prebuild)
//   REALM_NODE_BUILD_TYPE  CMAKE_BUILD_TYPE             [Release]
//   REALM_NODE_JOBS        parallel compile jobs        [min(2, cpus)]
//   NODE_INCLUDE_DIR       directory holding node_api.h [<node prefix>/include/node]
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

const prebuiltDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilt = path.join(prebuiltDir, 'realm.node');

// The prebuilt binary fits if a fresh Node process can load it (right
// platform and architecture, glibc and libstdc++ new enough).
function prebuiltLoads() {
  if (!fs.existsSync(prebuilt)) return false;
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(prebuilt)})`], { encoding: 'utf8' });
  if (r.status === 0) return true;
  console.log(`@realm-ai/ws-client: the prebuilt addon does not load here:\n${r.stderr.trim()}`);
  return false;
}

function configureAndBuild(buildDir, extra) {
  const buildType = process.env.REALM_NODE_BUILD_TYPE || 'Release';
  const jobs = process.env.REALM_NODE_JOBS || String(Math.max(1, Math.min(2, os.cpus().length)));
  if (!have('cmake')) fail('cmake is required to build the addon (apt-get install cmake)');
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
    '-DREALM_BUILD_CLI=OFF', // cli/ is not in the npm package (and needs libedit)
    `-DNODE_INCLUDE_DIR=${nodeIncludeDir()}`,
    `-DNODE_ADDON_API_DIR=${addonApiDir()}`,
    ...extra,
  );
  run('cmake', configure);
  run('cmake', ['--build', buildDir, '--target', 'realm_node', '--parallel', jobs]);
  const out = path.join(buildDir, 'Release', 'realm.node');
  if (!fs.existsSync(out)) fail(`build finished but ${out} is missing`);
  return out;
}

// Libraries the prebuilt binary must not load from the system.
const BUNDLED = /^lib(websockets|ssl|crypto|z|cap)\.so/;

function prebuild() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`prebuilt binaries are made for linux-x64 only, not ${process.platform}-${process.arch}`);
  }
  const out = configureAndBuild(path.join(root, 'build-node-prebuild'), ['-DREALM_NODE_SELF_CONTAINED=ON']);
  const reject = (msg) => {
    fs.rmSync(prebuilt, { force: true }); // never leave a binary that failed its checks
    fail(msg);
  };
  fs.mkdirSync(prebuiltDir, { recursive: true });
  const tmp = `${prebuilt}.tmp`;
  const strip = spawnSync('strip', ['--strip-unneeded', '-o', tmp, out], { stdio: 'inherit' });
  if (strip.error || strip.status !== 0) fs.copyFileSync(out, tmp);
  fs.renameSync(tmp, prebuilt);

  // Check what ships: its dynamic dependencies and exports, and that it loads.
  const dump = spawnSync('objdump', ['-p', prebuilt], { encoding: 'utf8' });
  const nm = spawnSync('nm', ['-D', '--defined-only', prebuilt], { encoding: 'utf8' });
  if (dump.status === 0 && nm.status === 0) {
    const needed = [...dump.stdout.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
    const bad = needed.filter((n) => BUNDLED.test(n));
    if (bad.length) reject(`${prebuilt} still needs ${bad.join(', ')}`);
    const exported = nm.stdout.split('\n').map((l) => l.trim().split(/\s+/)[2]).filter(Boolean);
    const extra = exported.filter((n) => !/^(napi_register_module_v1|node_api_module_get_api_version_v1)$/.test(n));
    if (extra.length) reject(`${prebuilt} exports more than its Node-API entry points: ${extra.slice(0, 5).join(', ')}`);
    console.log(`@realm-ai/ws-client: ${path.relative(root, prebuilt)} needs ${needed.join(', ')}; exports ${exported.join(', ')}`);
  } else {
    console.log('@realm-ai/ws-client: objdump/nm (binutils) not found, dependencies of the prebuilt binary not checked');
  }
  if (!prebuiltLoads()) reject(`${prebuilt} does not load`);
  console.log(`@realm-ai/ws-client: built ${path.relative(root, prebuilt)} (${fs.statSync(prebuilt).size} bytes)`);
}

function install() {
  if (process.env.REALM_NODE_SKIP_BUILD === '1') {
    console.log('@realm-ai/ws-client: REALM_NODE_SKIP_BUILD=1, not building the addon');
    return;
  }
  // A git checkout builds from source, so that it never runs a stale prebuilt
  // binary left by an interrupted `npm pack`.
  const checkout = fs.existsSync(path.join(root, '.git'));
  if (!checkout && process.env.REALM_NODE_BUILD_FROM_SOURCE !== '1' && prebuiltLoads()) {
    console.log(`@realm-ai/ws-client: using the prebuilt addon ${path.relative(root, prebuilt)}`);
    return;
  }
  const buildDir = path.resolve(root, process.env.REALM_NODE_BUILD_DIR || 'build-node');
  const out = configureAndBuild(buildDir, []);
  console.log(`@realm-ai/ws-client: built ${path.relative(root, out)}`);
}

const mode = process.argv[2];
if (mode === '--prebuild') prebuild();
else if (mode === '--clean-prebuilds') fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
else if (mode === undefined) install();
else fail(`unknown argument ${mode} (expected --prebuild or --clean-prebuilds)`);
