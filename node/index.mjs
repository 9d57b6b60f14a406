// ESM entry of @realm-ai/ws-client (the implementation is the CommonJS module).
import realm from './index.js';

export const {
  RealmWebSocketClient, RealmError, ErrorCodes, TokenStream, WSClient, ConnectionStatus, GenerationStream, errorTable, coreVersion,
  TektonLLMClient, TektonChunkStream, TektonLLMError, ConnectionError, TimeoutError, AuthenticationError,
  ServiceUnavailableError, RateLimitError, InvalidRequestError, AdapterError, FallbackError, CancelledError,
  countTokens, countMessageTokens, truncateTextToTokenLimit, optimizeMessagesForTokenLimit, setTokenizer,
} = realm;
export default RealmWebSocketClient;
