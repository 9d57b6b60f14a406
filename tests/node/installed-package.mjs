// Runs the suite against an installed copy of the package instead of this
// checkout. The tests import '@realm-ai/ws-client', which from inside the
// checkout resolves to the checkout itself (self-reference). With
//   REALM_NODE_PACKAGE=<dir of the installed package>
//   NODE_OPTIONS=--import=<file URL of this file>
// (as scripts/test-node-package sets them) that name resolves, in ESM imports
// and CommonJS require alike, in the test processes and every Node child they
// start, to the installed copy: the same resolution as from inside it, so its
// package.json "exports" choose the files. Without REALM_NODE_PACKAGE this
// file does nothing.
import Module, { register } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const NAME = '@realm-ai/ws-client';
const dir = process.env.REALM_NODE_PACKAGE;

if (dir) {
  const root = path.resolve(dir);
  const manifest = path.join(root, 'package.json');
  if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name !== NAME) {
    throw new Error(`REALM_NODE_PACKAGE=${dir} is not an installed ${NAME}`);
  }
  // ESM: resolve the name as if imported from a file of the installed package.
  const hooks = `
    const NAME = ${JSON.stringify(NAME)};
    const PARENT = ${JSON.stringify(pathToFileURL(manifest).href)};
    export async function resolve(specifier, context, next) {
      if (specifier === NAME || specifier.startsWith(NAME + '/')) return next(specifier, { ...context, parentURL: PARENT });
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);

  // CommonJS: the same, with a parent module inside the installed package.
  const parent = { id: manifest, filename: manifest, paths: Module._nodeModulePaths(root) };
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, from, isMain, options) {
    if (typeof request === 'string' && (request === NAME || request.startsWith(`${NAME}/`))) {
      return resolveFilename.call(this, request, parent, isMain, options);
    }
    return resolveFilename.call(this, request, from, isMain, options);
  };
}
