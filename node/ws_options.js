'use strict';
// WSClient's constructor options mapped onto the core's option names
// (realm_options_set), and upstream's status names.
const { invalid } = require('./errors.js');

/** Status names (getStatus()), as upstream's CONNECTION_STATUS. */
const ConnectionStatus = Object.freeze({
  DISCONNECTED: 'disconnected',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  AUTHENTICATED: 'authenticated',
  AUTH_FAILED: 'auth_failed',
  RECONNECTING: 'reconnecting',
  RECONNECT_FAILED: 'reconnect_failed',
});
const STATUS_NAMES = Object.values(ConnectionStatus);

// Constructor option -> core option (realm_options_set). requestTimeout
// bounds the whole connect as well (ws-system.md 6.1).
const OPTION_MAP = [
  ['serverUrl', 'url', 'string'],
  ['clientId', 'client_id', 'string'],
  ['privateKeyPath', 'private_key_path', 'string'],
  ['privateKey', 'private_key', 'string'],
  ['privateKeyPassphrase', 'private_key_passphrase', 'string'],
  ['signatureAlgorithm', 'signature_algorithm', 'string'],
  ['autoReconnect', 'reconnect', 'boolean'],
  ['reconnectDelay', 'backoff_base_ms', 'number'],
  ['pingInterval', 'ping_interval_ms', 'number'],
  ['requestTimeout', 'request_timeout_ms', 'number'],
  ['requestTimeout', 'connect_timeout_ms', 'number'],
];
// Every default (requestTimeout 60000 ms included: the ws-system dialect's
// own, ws-system.md 6.1) lives in the core.

function coreOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw invalid('new WSClient(options): options must be an object with serverUrl, clientId and privateKeyPath');
  }
  if (typeof options.serverUrl !== 'string' || options.serverUrl.length === 0) {
    throw invalid('new WSClient(options): serverUrl is required (ws://host:port or wss://...)');
  }
  const pairs = [['dialect', 'ws-system']];
  for (const [name, key, type] of OPTION_MAP) {
    const value = options[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== type) throw invalid(`new WSClient(options): ${name} must be a ${type}`);
    pairs.push([key, String(value)]);
  }
  return pairs;
}

module.exports = { ConnectionStatus, STATUS_NAMES, OPTION_MAP, coreOptions };
