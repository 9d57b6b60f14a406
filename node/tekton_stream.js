'use strict';
// TektonChunkStream (a streamed Tekton answer as an async iterator of chunks)
// and the result shapes and fallback call that the stream and the client
// share. The tokens come from a RealmWebSocketClient TokenStream on the core's
// "tekton" dialect: the core reads the SSE stream and ends it at the first
// done chunk, [DONE] or EOF (tekton.md 2.4), so one done chunk is emitted here.
const { RealmError } = require('./errors.js');
const { CancelledError, FallbackError, InvalidRequestError, mapError } = require('./tekton_errors.js');

const now = () => new Date().toISOString();

function usageOf(u) {
  if (!u || (u.promptTokens === null && u.completionTokens === null && u.totalTokens === null)) return null;
  return { promptTokens: u.promptTokens, completionTokens: u.completionTokens, totalTokens: u.totalTokens };
}

/** The response of a completed request, from a RealmWebSocketClient result. */
function completionResponse(result, prep, started) {
  return {
    content: result.text,
    model: result.model || prep.modelId || '',
    provider: prep.providerId,
    finishReason: result.finishReason,
    usage: usageOf(result.usage),
    contextId: prep.contextId,
    timestamp: now(),
    fallback: false,
    latency: result.totalTimeMs !== null ? result.totalTimeMs / 1000 : (performance.now() - started) / 1000,
    error: null,
    success: true,
  };
}

/** The response of the fallback hook (text) or of a 200 answer with an `error` member. */
function otherResponse(prep, started, { content = '', fallback = false, error = null }) {
  return {
    content,
    model: fallback ? 'fallback' : prep.modelId || '',
    provider: fallback ? 'fallback' : prep.providerId,
    finishReason: fallback ? 'fallback' : null,
    usage: null,
    contextId: prep.contextId,
    timestamp: now(),
    fallback,
    latency: (performance.now() - started) / 1000,
    error,
    success: error === null,
  };
}

/** A 200 answer whose body had an `error` member (a response with success false, not an exception). */
function isErrorAnswer(e) {
  return e instanceof RealmError && e.category === 'server' && e.httpStatus === 200;
}

/** Failures that never go to the fallback hook: invalid arguments and cancellations. */
function noFallback(err) {
  return err instanceof CancelledError || (err instanceof InvalidRequestError && err.coreCode !== 'INVALID_REQUEST');
}

/** Runs the fallback hook; its text, or a FallbackError. */
async function callFallback(hook, prep, streaming, error, partial) {
  const request = {
    messages: prep.messages.map((m) => ({ ...m })),
    systemPrompt: prep.systemPrompt,
    contextId: prep.contextId,
    providerId: prep.providerId,
    modelId: prep.modelId,
    streaming,
    error,
    partial,
  };
  let text;
  try {
    text = await hook(request);
    if (typeof text !== 'string') throw new TypeError(`the fallback hook returned ${typeof text}, not a string`);
  } catch (fe) {
    const why = fe && fe.message !== undefined ? fe.message : String(fe);
    throw new FallbackError(`Primary error: ${error.message}. Fallback error: ${why}`, { cause: fe });
  }
  return text;
}

/**
 * A streamed answer: `for await (const chunk of stream)` yields chunks
 * ({ chunk, contextId, model, provider, timestamp, done, fallback }), the last
 * with done true. A failure without a fallback hook throws the
 * TektonLLMError after the chunks received; a cancel from outside the loop
 * (cancelRequest, the signal) throws a CancelledError; leaving the loop,
 * return() or cancel() ends it quietly.
 */
class TektonChunkStream {
  #open; // () => Promise<TokenStream>: connects if needed, starts the request
  #prep;
  #hook;
  #onEnd;
  #tokens = null;
  #parts = [];
  #pending = []; // chunks to yield before anything else
  #ended = false;
  #throw = null; // error for the next next()
  #cancel = null; // null, 'quiet' (cancel(), return()) or a CancelledError (from outside)
  #started;
  #queue = Promise.resolve();

  constructor(requestId, prep, open, hook, onEnd) {
    this.requestId = requestId;
    this.#prep = prep;
    this.#open = open;
    this.#hook = hook;
    this.#onEnd = onEnd;
    this.#started = performance.now();
    this.error = null;
    this.finishReason = null;
    this.usage = null;
    this.fallback = false;
    this.result = undefined;
  }

  /** Every chunk's text so far (fallback text included). */
  get text() {
    return this.#parts.join('');
  }

  /** True once the stream has ended and every chunk was taken. */
  get done() {
    return this.#ended && this.#pending.length === 0;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    // One step at a time, whatever the caller does.
    const step = this.#queue.then(() => this.#step());
    this.#queue = step.catch(() => {});
    return step;
  }

  /** Cancels the request if it is running; resolves once it has ended. */
  async return(value) {
    await this.#stop('quiet');
    return { value, done: true };
  }

  /** Cancels the request as return() does, then rejects with `err`. */
  async throw(err) {
    await this.#stop('quiet');
    throw err;
  }

  /** Cancels the request (idempotent); resolves once it has ended. */
  async cancel() {
    await this.#stop('quiet');
  }

  /** Called by TektonLLMClient.cancelRequest: the loop then throws a CancelledError. */
  _cancelFromOutside() {
    if (this.#ended) return false;
    this.#stop(new CancelledError(`Request ${this.requestId} was cancelled`)).catch(() => {});
    return true;
  }

  async #stop(how) {
    if (this.#ended) return;
    this.#cancel = how;
    this.#end(how === 'quiet' ? null : how);
    if (this.#tokens !== null) await this.#tokens.return(undefined);
  }

  #end(error) {
    if (this.#ended) return;
    this.#ended = true;
    this.#throw = error;
    if (error !== null && this.error === null) this.error = error;
    this.#onEnd(this);
  }

  #chunk(text, done, fallback = false) {
    return {
      chunk: text,
      contextId: this.#prep.contextId,
      model: fallback ? 'fallback' : this.#prep.modelId || '',
      provider: fallback ? 'fallback' : this.#prep.providerId,
      timestamp: now(),
      done,
      fallback,
    };
  }

  async #step() {
    if (this.#pending.length > 0) return { value: this.#pending.shift(), done: false };
    if (this.#ended) {
      const e = this.#throw;
      this.#throw = null;
      if (e !== null) throw e;
      return { value: undefined, done: true };
    }
    let step;
    try {
      if (this.#tokens === null) {
        const tokens = await this.#open();
        // Cancelled while connecting: the request is never started.
        if (this.#cancel !== null) return this.#step();
        this.#tokens = tokens;
      }
      step = await this.#tokens.next();
    } catch (e) {
      if (this.#cancel !== null) return this.#step();
      return this.#failed(mapError(e, this.#prep.timeout));
    }
    if (this.#cancel !== null) return this.#step(); // the cancel's own end of the token stream
    if (!step.done) {
      this.#parts.push(step.value);
      return { value: this.#chunk(step.value, false), done: false };
    }
    const r = step.value;
    this.finishReason = r.finishReason;
    this.usage = usageOf(r.usage);
    this.result = { ...completionResponse(r, this.#prep, this.#started), content: this.text };
    this.#end(null);
    return { value: this.#chunk('', true), done: false };
  }

  async #failed(err) {
    this.error = err;
    const hook = this.#hook;
    if (hook === null || noFallback(err)) {
      this.#end(err);
      return this.#step();
    }
    let text;
    try {
      text = await callFallback(hook, this.#prep, true, err, this.text);
    } catch (fe) {
      this.error = fe;
      this.#end(fe);
      return this.#step();
    }
    this.fallback = true;
    this.finishReason = 'fallback';
    this.#parts.push(text);
    this.result = otherResponse(this.#prep, this.#started, { content: this.text, fallback: true });
    this.#end(null);
    this.#pending.push(this.#chunk('', true, true));
    return { value: this.#chunk(text, false, true), done: false };
  }
}

module.exports = { TektonChunkStream, completionResponse, otherResponse, isErrorAnswer, noFallback, callFallback };
