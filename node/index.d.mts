// ESM view of the declarations in index.d.ts (the default export is the client class).
export * from './index.js';
import { RealmWebSocketClient } from './index.js';
export default RealmWebSocketClient;
