'use strict';
// The Tekton client's token utilities (tekton.md 6.5), as the Python
// package's tekton_llm_client.utils. The estimate is the core's
// (realm_estimate_tokens through the addon: code points / 4 + 1, upstream's
// offline rule), so every SDK counts alike; no tokenizer table is
// downloaded. setTokenizer() plugs in a real tokenizer instead.
const native = require('./native.js');
const { toRealmError } = require('./errors.js');
const { InvalidRequestError, mapError } = require('./tekton_errors.js');

let tokenizer = null; // (text, model) => number, or null for the core's estimate

/** Uses `fn(text, model)` for every count from now on (process wide); null restores the estimate. */
function setTokenizer(fn) {
  if (fn !== null && fn !== undefined && typeof fn !== 'function') {
    throw new InvalidRequestError('setTokenizer: the tokenizer must be a function (text, model) => number, or null');
  }
  tokenizer = fn || null;
}

/** Tokens of `text`: the plugged tokenizer's count, else the core's estimate. */
function countTokens(text, model = 'gpt-4') {
  if (typeof text !== 'string') throw new InvalidRequestError('countTokens: text must be a string');
  if (tokenizer !== null) return Math.trunc(Number(tokenizer(text, model)));
  try {
    return native.estimateTokens(text);
  } catch (e) {
    throw mapError(toRealmError(e)); // a lone surrogate: InvalidRequestError
  }
}

function contentOf(message, what) {
  if (message === null || typeof message !== 'object' || typeof message.content !== 'string') {
    throw new InvalidRequestError(`${what}: every message must be an object with a string 'content'`);
  }
  return message.content;
}

/** Σ(content tokens + 4) + 3, as { promptTokens, totalTokens }. */
function countMessageTokens(messages, model = 'gpt-4') {
  checkArray(messages, 'countMessageTokens');
  let n = 3;
  for (const m of messages) n += countTokens(contentOf(m, 'countMessageTokens'), model) + 4;
  return { promptTokens: n, totalTokens: n };
}

/**
 * With the estimate: the first maxTokens * 4 characters (code points, as
 * Python counts them). With a plugged tokenizer: the longest prefix whose
 * count is at most maxTokens.
 */
function truncateTextToTokenLimit(text, maxTokens, model = 'gpt-4') {
  if (typeof text !== 'string') throw new InvalidRequestError('truncateTextToTokenLimit: text must be a string');
  checkCount(maxTokens, 'truncateTextToTokenLimit');
  const points = Array.from(text);
  if (tokenizer === null) return points.slice(0, Math.max(0, maxTokens) * 4).join('');
  if (countTokens(text, model) <= maxTokens) return text;
  let lo = 0; // points[0, lo) fits
  let hi = points.length; // points[0, hi) does not
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (countTokens(points.slice(0, mid).join(''), model) <= maxTokens) lo = mid;
    else hi = mid;
  }
  return points.slice(0, lo).join('');
}

/**
 * The newest messages that fit in maxTokens (content tokens only). With
 * keepSystemPrompt the last system message is kept, first; other system
 * messages are dropped. If everything fits, that is the result; otherwise the
 * others are taken from the newest backwards within maxTokens minus the
 * system message's tokens, stopping at the first that does not fit. The
 * result holds the caller's objects, in their order.
 */
function optimizeMessagesForTokenLimit(messages, maxTokens, model = 'gpt-4', keepSystemPrompt = true) {
  checkArray(messages, 'optimizeMessagesForTokenLimit');
  checkCount(maxTokens, 'optimizeMessagesForTokenLimit');
  let system = null;
  const others = [];
  for (const m of messages) {
    contentOf(m, 'optimizeMessagesForTokenLimit');
    if (keepSystemPrompt && m.role === 'system') system = m; // the last one wins
    else others.push(m);
  }
  const head = system === null ? [] : [system];
  const systemTokens = system === null ? 0 : countTokens(system.content, model);
  const counts = others.map((m) => countTokens(m.content, model));
  if (counts.reduce((a, b) => a + b, 0) + systemTokens <= maxTokens) return head.concat(others);
  const budget = maxTokens - systemTokens;
  let used = 0;
  let first = others.length;
  while (first > 0 && used + counts[first - 1] <= budget) used += counts[--first];
  return head.concat(others.slice(first));
}

function checkArray(messages, what) {
  if (!Array.isArray(messages)) throw new InvalidRequestError(`${what}: messages must be an array`);
}

function checkCount(n, what) {
  if (!Number.isSafeInteger(n)) throw new InvalidRequestError(`${what}: maxTokens must be an integer`);
}

module.exports = {
  countTokens,
  countMessageTokens,
  truncateTextToTokenLimit,
  optimizeMessagesForTokenLimit,
  setTokenizer,
};
