// ESM entry of @realm-ai/ws-client (the implementation is the CommonJS module).
import realm from './index.js';

export const { RealmWebSocketClient, RealmError, ErrorCodes, TokenStream, WSClient, ConnectionStatus, GenerationStream, errorTable, coreVersion } = realm;
export default RealmWebSocketClient;
