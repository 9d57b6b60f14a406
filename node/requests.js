'use strict';
// The JS side of one request: Call (a promise: generate, chat, health, metadata,
// models, executePipeline), TokenStream (generateStream's and chatStream's async iterator over a
// JS-side buffer) and GenerationStream (WSClient's generateStream). The client's dispatcher calls tokens(), complete() and
// fail() on them as the addon delivers the core's events.
const { RealmError, fromNative, toRealmError, abortedError } = require('./errors.js');

// How the addon hands over a completion (bindings/node/burst.h, Mode).
const MODE_TEXT = 0;
const MODE_STREAM = 1;
const MODE_JSON = 2;

// The result of generate, chat and of the streams, from the completion the
// addon delivers: [text, tokens_generated, prompt_tokens, cost_usd, time_ms,
// finish_reason, completion_tokens, total_tokens, model, elapsed_ms,
// first_token_ms, streamed_tokens], absent numbers, empty strings and no
// streamed tokens as holes (bindings/node/client_delivery.cpp,
// ResultValue). The times are the core's, measured by the client from the
// moment the request was written to its connection.
function textResult(val) {
  const completionTokens = val[6] === undefined ? null : val[6];
  const totalTimeMs = val[9] === undefined ? null : val[9];
  // As the Python SDK: the tokens received for a stream, else the server's count.
  const tokens = val[11] === undefined ? completionTokens : val[11];
  const result = {
    text: val[0],
    finishReason: val[5] === undefined ? null : val[5],
    usage: {
      promptTokens: val[2] === undefined ? null : val[2],
      completionTokens,
      totalTokens: val[7] === undefined ? null : val[7],
    },
    model: val[8] === undefined ? null : val[8],
    timeToFirstTokenMs: val[10] === undefined ? null : val[10],
    tokensPerSecond: tokens > 0 && totalTimeMs > 0 ? (tokens * 1000) / totalTimeMs : null,
    totalTimeMs,
    tokens_generated: val[1],
  };
  if (val[2] !== undefined) result.prompt_tokens = val[2];
  if (val[3] !== undefined) result.cost_usd = val[3];
  if (val[4] !== undefined) result.time_ms = val[4];
  return result;
}

// One promise-returning request (generate, health, metadata, pipeline).
class Call {
  constructor(mode, resolve, reject, signal) {
    this.mode = mode;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = signal;
    this.onAbort = null;
  }
  tokens() {}
  complete(val) {
    this.unlisten();
    if (this.mode === MODE_JSON) {
      let parsed;
      try {
        parsed = JSON.parse(val);
      } catch (e) {
        this.reject(new RealmError('PROTOCOL_ERROR', `result is not valid JSON: ${e.message}`));
        return;
      }
      this.resolve(parsed);
    } else {
      this.resolve(textResult(val));
    }
  }
  fail(errObj) {
    this.unlisten();
    this.reject(fromNative(errObj, this.signal && this.signal.aborted ? this.signal.reason : undefined));
  }
  unlisten() {
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}

const DONE_RESULT = Object.freeze({ value: undefined, done: true });

// TokenStream.next()'s executor, one function for every call: a closure per
// call would capture the stream, and V8 would allocate it and a context on
// every token. It hands the new promise's resolve function over in `kept`,
// which next() takes at once. Only resolve is kept: a parked next() is alive
// across the young-generation collections that run while its stream waits
// for a token (with 10,000 streams, all of them are), and each collection
// copies what it holds; a kept reject function would be one more object to
// copy per waiting stream.
let kept = null;
function keepResolve(resolve) {
  kept = resolve;
}

// What rejects a parked next() through its resolve function: a thenable that
// rejects (a rejected promise would do the same, but would pass through
// Node's unhandled-rejection tracking on the way).
function rejection(error) {
  return {
    then(_, reject) {
      reject(error);
    },
  };
}

// Fewer buffered tokens of a burst than this are sliced into strings at once.
const kMinRun = 8;

// Consecutive tokens of one burst for one stream, sliced when taken.
class TokenRun {
  constructor(text, p, lens) {
    this.text = text;
    this.p = p; // offset of the next token in text
    this.lens = lens; // Int32Array of UTF-16 lengths
    this.k = 0; // index of the next token
  }

  take() {
    const len = this.lens[this.k++];
    const tok = this.text.slice(this.p, this.p + len);
    this.p += len;
    return tok;
  }
}

/**
 * The object returned by generateStream(): an async iterator of token strings
 * over a JS-side buffer. The request starts on the first next(); leaving a
 * `for await` loop early (return()) or aborting the signal cancels it.
 */
class TokenStream {
  constructor(client, options, signal) {
    this._client = client;
    this._options = options;
    this._messages = undefined; // chatStream: the conversation
    this._signal = signal;
    this._onAbort = null;
    this._id = 0; // request id while in flight
    this._started = false;
    this._finished = false; // no more tokens for the consumer
    this._error = null; // thrown after the buffered tokens
    // Tokens not yet taken: strings, and TokenRun chunks sliced on demand.
    this._buf = [];
    this._head = 0;
    this._resolve = null; // the parked next()'s resolve function
    this._more = null; // those of further parked next() calls (rare)
    this._onDone = null; // return() waiting for the request to end
    this.result = undefined; // generate's result shape, once complete
    this._done = DONE_RESULT; // what next() gives once the stream ended
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    const buf = this._buf;
    if (this._head < buf.length) {
      const item = buf[this._head];
      let value;
      if (typeof item === 'string') {
        value = item;
        this._head++;
      } else {
        value = item.take();
        if (item.k === item.lens.length) this._head++;
      }
      if (this._head === buf.length) {
        buf.length = 0;
        this._head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (!this._started) {
      const err = this._start();
      if (err) return Promise.reject(err);
    }
    if (this._finished) {
      if (this._error !== null) {
        const e = this._error;
        this._error = null;
        return Promise.reject(e);
      }
      return Promise.resolve(this._done);
    }
    const promise = new Promise(keepResolve);
    const resolve = kept;
    kept = null;
    if (this._resolve === null) this._resolve = resolve;
    else (this._more || (this._more = [])).push(resolve);
    return promise;
  }

  return(value) {
    const done = { value, done: true };
    this._started = true;
    if (this._finished && this._id === 0) return Promise.resolve(done);
    this._finished = true;
    this._error = null;
    this._buf.length = 0;
    this._head = 0;
    this._settleWaiters(done, null);
    if (this._id === 0) return Promise.resolve(done);
    const id = this._id;
    return new Promise((resolve) => {
      this._onDone = () => resolve(done);
      this._client._cancel(id);
    });
  }

  throw(err) {
    return this.return(undefined).then(() => Promise.reject(err));
  }

  /** Cancels the stream (same as leaving the loop); resolves once the request ended. */
  cancel() {
    return this.return(undefined).then(() => undefined);
  }

  // ---- internal

  _start() {
    this._started = true;
    const signal = this._signal;
    if (signal && signal.aborted) {
      this._finished = true;
      return abortedError(signal);
    }
    let id;
    try {
      id = this._client._startStream(this);
    } catch (e) {
      this._finished = true;
      return toRealmError(e);
    }
    if (typeof id !== 'number') {
      this._finished = true;
      return fromNative(id);
    }
    this._id = id;
    if (signal) {
      this._onAbort = () => this._client._cancel(id);
      signal.addEventListener('abort', this._onAbort, { once: true });
    }
    return null;
  }

  _settleWaiters(result, error) {
    if (this._resolve === null) return;
    const resolve = this._resolve;
    this._resolve = null;
    // A parked next() keeps only its resolve function (see keepResolve).
    const outcome = error ? rejection(error) : result;
    resolve(outcome);
    if (this._more) {
      const more = this._more;
      this._more = null;
      for (const res of more) res(outcome);
    }
  }

  tokens(text, p, m, at, count) {
    if (this._finished) return;
    // Tokens for waiting next() calls (normally one), and short bursts, are
    // sliced at once. Longer bursts stay one run: the burst's text and a copy
    // of the lengths, each token sliced when taken. A consumer that falls
    // behind then holds a few objects per burst instead of one string per
    // token (which kept V8's young generation growing: +15-20 MB peak RSS
    // with 100 streams).
    let k = 0;
    while (k < count && (this._resolve !== null || count - k < kMinRun)) {
      const len = m[at + k++];
      this._push(text.slice(p, p + len));
      p += len;
    }
    if (k < count) this._buf.push(new TokenRun(text, p, m.slice(at + k, at + count)));
  }

  _push(tok) {
    if (this._resolve !== null) {
      const resolve = this._resolve;
      if (this._more) {
        this._resolve = this._more.shift();
        if (this._more.length === 0) this._more = null;
      } else {
        this._resolve = null;
      }
      resolve({ value: tok, done: false });
    } else {
      this._buf.push(tok);
    }
  }

  _ended() {
    this._id = 0;
    if (this._onAbort) this._signal.removeEventListener('abort', this._onAbort);
    if (this._onDone) {
      const f = this._onDone;
      this._onDone = null;
      f();
    }
  }

  // The stream's result from the completion value the addon delivered.
  _makeResult(val) {
    return textResult(val);
  }

  complete(val) {
    this.result = this._makeResult(val);
    const wasFinished = this._finished;
    this._finished = true;
    if (!wasFinished) {
      // The result is also the iterator's final value (unless the consumer left first).
      if (this._done === DONE_RESULT) this._done = { value: this.result, done: true };
      this._settleWaiters(this._done, null);
    }
    this._ended();
  }

  fail(errObj) {
    const wasFinished = this._finished;
    this._finished = true;
    if (!wasFinished) {
      const err = fromNative(errObj, this._signal && this._signal.aborted ? this._signal.reason : undefined);
      if (this._resolve !== null) this._settleWaiters(null, err);
      else this._error = err;
    }
    this._ended();
  }
}

/**
 * WSClient.generateStream()'s iterator: tokens, then a result with text,
 * totalTokens, elapsedTime and model. `host` is what TokenStream calls its
 * client (_startStream, _cancel), plus ensureConnected().
 */
class GenerationStream extends TokenStream {
  constructor(host, options, signal) {
    super(host, options, signal);
    this.id = undefined; // the generation id once started
    this._connecting = false; // the first next() connects a disconnected client
  }

  next() {
    // Like generate(), the first step connects a client that is not connected.
    if (!this._started && !this._connecting) {
      this._connecting = true;
      const pending = this._client.ensureConnected();
      if (pending) {
        return pending.then(
          () => this.next(),
          (e) => {
            this._started = true;
            this._finished = true;
            throw e;
          },
        );
      }
    }
    return super.next();
  }

  _makeResult(val) {
    const result = { text: val[5] === undefined ? '' : val[5], totalTokens: val[1], model: val[3] };
    result.elapsedTime = val[2];
    this._done = { value: result, done: true };
    return result;
  }
}

module.exports = { MODE_TEXT, MODE_STREAM, MODE_JSON, Call, TokenStream, GenerationStream };
