'use strict';
// Loads realm.node, the addon. In order:
//   1. REALM_NODE_ADDON, a path to a realm.node (tests, custom builds);
//   2. build-node/Release/realm.node, built from source by the install script
//      (scripts/build-addon.js): a git checkout, or an installed package whose
//      prebuilt binary did not fit;
//   3. prebuilds/<platform>-<arch>/realm.node, the self-contained binary that
//      ships in the npm package (Node-API, one binary for every Node version).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'realm.node');
const candidates = [
  process.env.REALM_NODE_ADDON,
  path.join(root, 'build-node', 'Release', 'realm.node'),
  path.join(root, 'build', 'Release', 'realm.node'), // cmake-js layout
  prebuilt,
].filter(Boolean);

const found = candidates.find((p) => fs.existsSync(p));
if (!found) {
  throw new Error(
    `@realm-ai/ws-client: no native addon for ${process.platform}-${process.arch} ` +
      `(looked in ${candidates.join(', ')}). Build it from source with \`npm rebuild @realm-ai/ws-client\` ` +
      `(or \`npm run build\` in ${root}); that needs cmake, g++ and the -dev packages listed in docs/node.md.`,
  );
}

try {
  module.exports = require(found);
} catch (e) {
  if (found !== prebuilt) throw e;
  throw new Error(
    `@realm-ai/ws-client: the prebuilt addon ${found} cannot be loaded here (${e.message}); it needs ` +
      'glibc >= 2.34 and libstdc++ from GCC >= 12. Build from source with `npm rebuild @realm-ai/ws-client` ' +
      '(needs cmake, g++ and the -dev packages listed in docs/node.md).',
    { cause: e },
  );
}
