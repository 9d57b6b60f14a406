'use strict';
// Loads realm.node, the addon built by `npm install` (scripts/build-addon.js).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const candidates = [
  process.env.REALM_NODE_ADDON,
  path.join(root, 'build-node', 'Release', 'realm.node'),
  path.join(root, 'build', 'Release', 'realm.node'), // cmake-js layout
].filter(Boolean);

const found = candidates.find((p) => fs.existsSync(p));
if (!found) {
  throw new Error(
    `@realm-ai/ws-client: the native addon is not built (looked in ${candidates.join(', ')}). ` +
      `Run \`npm install\` (or \`npm run build\`) in ${root}.`,
  );
}

module.exports = require(found);
