'use strict';
// @realm-ai/ws-client: the Realm WebSocket client for Node, on the librealm core.
//
// The package only adapts the core to JavaScript: types, errors, promises,
// AbortSignal, events and a pull iterator for token streams. Protocol,
// timeouts, reconnection, tenant rules and defaults are the core's
// (include/realm/realm.h); the addon (bindings/node/) delivers the core's
// events in one call per burst.
//
//   client.js     RealmWebSocketClient: requests, events, the burst dispatcher
//   ws_client.js  WSClient: the upstream ws-system client's API (dialect "ws-system")
//   ws_options.js WSClient's options -> the core's option names; status names
//   tekton_client.js  TektonLLMClient: the Tekton LLM client (dialect "tekton", HTTP)
//   tekton_stream.js  its chunk streams, results and fallback hook call
//   tekton_options.js its settings (argument > RHETOR_* environment > default) and request options
//   tekton_errors.js  its error classes (TektonLLMError, ...), mapped from the core's errors
//   tekton_tokens.js  its token utilities, on the core's estimate (realm_estimate_tokens)
//   requests.js   Call (promise requests), TokenStream and GenerationStream (stream iterators)
//   errors.js     RealmError, ErrorCodes and the core's error table
//   arguments.js  checks of options objects, AbortSignals and JSON values
//   native.js     loads the addon
const native = require('./native.js');
const { ERROR_TABLE, ErrorCodes, RealmError } = require('./errors.js');
const { TokenStream } = require('./requests.js');
const { RealmWebSocketClient } = require('./client.js');
const { WSClient, ConnectionStatus, GenerationStream } = require('./ws_client.js');
const { TektonLLMClient } = require('./tekton_client.js');
const { TektonChunkStream } = require('./tekton_stream.js');
const tektonErrors = require('./tekton_errors.js');
const tektonTokens = require('./tekton_tokens.js');

module.exports = {
  RealmWebSocketClient,
  RealmError,
  ErrorCodes,
  TokenStream,
  WSClient,
  ConnectionStatus,
  GenerationStream,
  TektonLLMClient,
  TektonChunkStream,
  TektonLLMError: tektonErrors.TektonLLMError,
  ConnectionError: tektonErrors.ConnectionError,
  TimeoutError: tektonErrors.TimeoutError,
  AuthenticationError: tektonErrors.AuthenticationError,
  ServiceUnavailableError: tektonErrors.ServiceUnavailableError,
  RateLimitError: tektonErrors.RateLimitError,
  InvalidRequestError: tektonErrors.InvalidRequestError,
  AdapterError: tektonErrors.AdapterError,
  FallbackError: tektonErrors.FallbackError,
  CancelledError: tektonErrors.CancelledError,
  countTokens: tektonTokens.countTokens,
  countMessageTokens: tektonTokens.countMessageTokens,
  truncateTextToTokenLimit: tektonTokens.truncateTextToTokenLimit,
  optimizeMessagesForTokenLimit: tektonTokens.optimizeMessagesForTokenLimit,
  setTokenizer: tektonTokens.setTokenizer,
  errorTable: ERROR_TABLE,
  coreVersion: native.version,
};
module.exports.default = RealmWebSocketClient;
