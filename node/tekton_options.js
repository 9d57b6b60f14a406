'use strict';
// TektonLLMClient's configuration and request arguments: the settings
// resolved as argument > environment > default (tekton.md 1, the same
// variables and defaults as the Python client), the core's option pairs for
// the "tekton" dialect, and the checks and conversions of a request's
// messages and options. Values are checked here only as far as JavaScript
// must (types, names); numbers' ranges are the addon's and the core's.
const { InvalidRequestError } = require('./tekton_errors.js');

const DEFAULT_COMPONENT_ID = 'browser-client'; // upstream JS client's (tekton.md 6.8)
const DEFAULT_RHETOR_URL = 'http://localhost:8003';
const DEFAULT_PROVIDER = 'anthropic';
const DEFAULT_TIMEOUT = 30; // seconds
const DEFAULT_MAX_RETRIES = 3;
const MAX_TIMEOUT = 86400;

const CLIENT_OPTIONS = new Set([
  'componentId', 'rhetorUrl', 'rhetorWsUrl', 'providerId', 'modelId', 'timeout', 'maxRetries',
  'useFallback', 'authToken', 'fallback', 'debug',
]);

// The request options of every method (CompletionOptions in camelCase, plus
// contextId and signal); generateText adds systemPrompt, the callback forms
// of the streams add onChunk, onComplete and onError.
const REQUEST_OPTIONS = new Set([
  'contextId', 'signal', 'temperature', 'maxTokens', 'stopSequences', 'topP', 'topK', 'presencePenalty',
  'frequencyPenalty', 'model', 'provider', 'timeout', 'fallbackProvider', 'fallbackModel', 'retryCount',
  'retryDelay', 'extraBody',
]);
const CALLBACKS = ['onChunk', 'onComplete', 'onError'];
const ROLES = new Set(['system', 'user', 'assistant', 'function']);

function env(name) {
  const v = process.env[name];
  return v ? v : undefined; // unset or empty: not given
}

const given = (v) => v !== undefined && v !== null;

function seconds(value, name) {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > MAX_TIMEOUT) {
    throw new InvalidRequestError(
      `${name} must be a number of seconds from 0 (no timeout) to ${MAX_TIMEOUT}, not ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function count(value, name) {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidRequestError(`${name} must be a whole number >= 0, not ${JSON.stringify(value)}`);
  }
  return n;
}

function str(value, name) {
  if (typeof value !== 'string') throw new InvalidRequestError(`${name} must be a string`);
  return value;
}

/**
 * True for the URL of an OpenAI-compatible server (its path ends with /v1, as
 * llama.cpp's, vLLM's or OpenAI's): the client speaks that protocol instead of
 * Rhetor's, with the same API.
 */
function isOpenAiCompatible(url) {
  const rest = url.includes('://') ? url.slice(url.indexOf('://') + 3) : url;
  const slash = rest.indexOf('/');
  const path = slash < 0 ? '' : rest.slice(slash).split(/[?#]/)[0];
  return path.replace(/\/+$/, '').endsWith('/v1');
}

/** The client's settings from its constructor options, the environment and the defaults. */
function resolveConfig(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new InvalidRequestError('new TektonLLMClient(options): options must be an object');
  for (const key of Object.keys(options)) {
    if (!CLIENT_OPTIONS.has(key)) throw new InvalidRequestError(`new TektonLLMClient(options): unknown option '${key}'`);
  }
  const o = options;
  const pick = (key, variable, fallback) => (given(o[key]) ? str(o[key], key) : env(variable) ?? fallback);
  const componentId = given(o.componentId) ? str(o.componentId, 'componentId') : DEFAULT_COMPONENT_ID;
  if (componentId === '') throw new InvalidRequestError('componentId must be a non-empty string');
  if (given(o.fallback) && typeof o.fallback !== 'function') {
    throw new InvalidRequestError('fallback must be a function (request) => string | Promise<string>');
  }
  const envTimeout = env('RHETOR_TIMEOUT');
  const envRetries = env('RHETOR_MAX_RETRIES');
  const rhetorUrl = pick('rhetorUrl', 'RHETOR_URL', DEFAULT_RHETOR_URL);
  return {
    componentId,
    rhetorUrl,
    openaiCompatible: isOpenAiCompatible(rhetorUrl),
    rhetorWsUrl: given(o.rhetorWsUrl) ? str(o.rhetorWsUrl, 'rhetorWsUrl') : null,
    providerId: pick('providerId', 'RHETOR_DEFAULT_PROVIDER', DEFAULT_PROVIDER),
    modelId: pick('modelId', 'RHETOR_DEFAULT_MODEL', null),
    timeout: given(o.timeout) ? seconds(o.timeout, 'timeout')
      : envTimeout !== undefined ? seconds(envTimeout, 'RHETOR_TIMEOUT') : DEFAULT_TIMEOUT,
    maxRetries: given(o.maxRetries) ? count(o.maxRetries, 'maxRetries')
      : envRetries !== undefined ? count(envRetries, 'RHETOR_MAX_RETRIES') : DEFAULT_MAX_RETRIES,
    useFallback: given(o.useFallback) ? Boolean(o.useFallback) : true,
    authToken: pick('authToken', 'RHETOR_AUTH_TOKEN', null),
    fallback: given(o.fallback) ? o.fallback : null,
    debug: Boolean(o.debug),
  };
}

/**
 * The core's options for the WebSocket side (tekton.md 3, dialect tekton-ws):
 * streams go there when rhetorWsUrl is set. No retries: a stream is never
 * sent twice (3.5); the connect falls back to HTTP instead.
 */
function wsCorePairs(config) {
  const ms = Math.round(config.timeout * 1000);
  const pairs = [
    ['dialect', 'tekton-ws'],
    ['url', config.rhetorWsUrl],
    ['client_id', config.componentId],
    ['request_timeout_ms', String(ms)],
    ['max_retries', '0'],
  ];
  if (ms > 0) pairs.push(['connect_timeout_ms', String(Math.min(ms, 3600000))]);
  if (config.authToken !== null) pairs.push(['api_key', config.authToken]);
  return pairs;
}

/** The core's options (realm_options_set) for a client with these settings. */
function corePairs(config) {
  const ms = Math.round(config.timeout * 1000);
  const pairs = [
    ['dialect', config.openaiCompatible ? 'openai-http' : 'tekton'],
    ['url', config.rhetorUrl],
    ['reconnect', 'false'],
    ['request_timeout_ms', String(ms)],
    // tekton.md 6.3 [LIBREALM]: the core retries what failed before any answer.
    ['max_retries', String(Math.min(config.maxRetries, 100))],
  ];
  // The timeout bounds the health check (the core's connect) too.
  if (ms > 0) pairs.push(['connect_timeout_ms', String(Math.min(ms, 3600000))]);
  if (config.authToken !== null) pairs.push(['api_key', config.authToken]);
  return pairs;
}

function checkMessages(messages, what) {
  if (!Array.isArray(messages)) {
    throw new InvalidRequestError(`${what}: messages must be an array of { role, content } objects`);
  }
  return messages.map((m, i) => {
    if (m === null || typeof m !== 'object') {
      throw new InvalidRequestError(`${what}: messages[${i}] must be an object { role, content }`);
    }
    for (const key of Object.keys(m)) {
      if (key !== 'role' && key !== 'content' && key !== 'name') {
        throw new InvalidRequestError(`${what}: messages[${i}] has an unknown key '${key}'`);
      }
    }
    if (!ROLES.has(m.role)) {
      throw new InvalidRequestError(`${what}: messages[${i}].role must be one of ${[...ROLES].join(', ')}`);
    }
    if (typeof m.content !== 'string') throw new InvalidRequestError(`${what}: messages[${i}].content must be a string`);
    return { role: m.role, content: m.content }; // `name` is not sent (the core's messages have none)
  });
}

/**
 * One request, checked and converted: `chat` is the options object of the
 * underlying RealmWebSocketClient.chat / chatStream call.
 */
function prepare(config, messages, options, what, extraKeys) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new InvalidRequestError(`${what}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!REQUEST_OPTIONS.has(key) && !extraKeys.includes(key)) {
      throw new InvalidRequestError(`${what}: unknown option '${key}'`);
    }
  }
  const o = options;
  for (const cb of CALLBACKS) {
    if (given(o[cb]) && typeof o[cb] !== 'function') throw new InvalidRequestError(`${what}: ${cb} must be a function`);
  }
  const msgs = checkMessages(messages, what);
  const contextId = given(o.contextId) && o.contextId !== '' ? str(o.contextId, 'contextId') : config.componentId;
  const providerId = given(o.provider) && o.provider !== '' ? str(o.provider, 'provider') : config.providerId;
  const modelId = given(o.model) && o.model !== '' ? str(o.model, 'model') : config.modelId;
  if (given(o.extraBody) && (typeof o.extraBody !== 'object' || Array.isArray(o.extraBody))) {
    throw new InvalidRequestError(`${what}: extraBody must be a plain object`);
  }
  let timeout = config.timeout;
  let timeoutMs; // undefined: the client's
  if (given(o.timeout)) {
    timeout = seconds(o.timeout, `${what}: timeout`);
    timeoutMs = timeout === 0 ? 0 : Math.max(1, Math.round(timeout * 1000));
  }
  const chat = {
    signal: o.signal,
    timeout: timeoutMs,
    model: modelId === null ? undefined : modelId,
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    topK: o.topK,
    presencePenalty: o.presencePenalty,
    frequencyPenalty: o.frequencyPenalty,
    stop: o.stopSequences,
    // The core writes context_id and provider_id defaults of its own; the
    // request's extra JSON members replace them (tekton.md 2.3). An
    // OpenAI-compatible server has neither (OpenAI refuses unknown members).
    extraParams: config.openaiCompatible ? o.extraBody || undefined
      : { context_id: contextId, provider_id: providerId, ...(o.extraBody || {}) },
  };
  return {
    messages: msgs,
    systemPrompt: msgs.length > 0 && msgs[0].role === 'system' ? msgs[0].content : null,
    contextId,
    providerId,
    modelId,
    timeout,
    chat,
    signal: o.signal,
    callbacks: { onChunk: o.onChunk, onComplete: o.onComplete, onError: o.onError },
  };
}

module.exports = { resolveConfig, corePairs, wsCorePairs, prepare, DEFAULT_RHETOR_URL, DEFAULT_PROVIDER, DEFAULT_TIMEOUT };
