'use strict';
// Checks of the arguments of the public methods that only JavaScript can make
// (types of options objects, AbortSignals, values JSON cannot carry). Values
// themselves (ranges, URLs, UTF-8, JSON syntax) are checked by the core.
const { invalid } = require('./errors.js');

function checkSignal(signal, what) {
  if (signal === undefined || signal === null) return undefined;
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid(`${what}: 'signal' must be an AbortSignal`);
  }
  return signal;
}

function checkOptions(options, what) {
  if (options === undefined || options === null) {
    if (what === 'generate' || what === 'generateStream') throw invalid(`${what}: options with a 'prompt' are required`);
    return {};
  }
  if (typeof options !== 'object') throw invalid(`${what}: options must be an object`);
  return options;
}

// The options chat and chatStream know (generate's, without prompt, plus
// systemPrompt): any other name is a mistake worth reporting.
const CHAT_OPTIONS = new Set([
  'signal', 'timeout', 'idleTimeout', 'model', 'systemPrompt', 'stream', 'extraParams',
  'maxTokens', 'max_tokens', 'temperature', 'topP', 'top_p', 'topK', 'top_k',
  'repetitionPenalty', 'repetition_penalty', 'stop', 'presencePenalty', 'frequencyPenalty', 'seed',
]);

function checkChatOptions(messages, options, what) {
  if (!Array.isArray(messages)) throw invalid(`${what}: 'messages' must be an array of { role, content } objects`);
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalid(`${what}: options must be an object`);
  for (const key in options) {
    if (!CHAT_OPTIONS.has(key)) throw invalid(`${what}: unknown option '${key}'`);
  }
  return options;
}

// An option with a camelCase and a snake_case name (maxTokens / max_tokens).
function either(o, camel, snake) {
  const a = o[camel];
  if (a === undefined) return o[snake];
  if (o[snake] !== undefined) throw invalid(`give option '${camel}' or '${snake}', not both`);
  return a;
}

function extraJson(extra) {
  if (extra === undefined || extra === null) return undefined;
  if (typeof extra !== 'object' || Array.isArray(extra)) throw invalid("'extraParams' must be a plain object");
  return toJson(extra, "'extraParams'");
}

// JSON text of a value the user sends; what JSON.stringify cannot write
// (a BigInt, a cycle, a function) is an INVALID_ARGUMENT, not a TypeError.
function toJson(value, what) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw invalid(`${what} cannot be sent as JSON: ${e.message.split('\n')[0]}`);
  }
  if (json === undefined) throw invalid(`${what} cannot be sent as JSON (a ${typeof value})`);
  return json;
}

module.exports = { checkSignal, checkOptions, checkChatOptions, either, extraJson, toJson };
