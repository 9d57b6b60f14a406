'use strict';
// TektonLLMClient: the Tekton LLM client (tekton.md 6.8, the upstream
// browser client's API; the Python tekton_llm_client.TektonLLMClient's
// behaviour) over HTTP to a Tekton Rhetor service.
//
// A shell over the core's "tekton" dialect, through a RealmWebSocketClient
// made with the core's own option names: the core checks health (its
// connect), builds the request bodies, does the HTTP exchange, reads the SSE
// stream, maps HTTP statuses to errors and runs the timeouts. This file
// resolves the configuration, converts arguments and results, maps errors to
// the Tekton classes, keeps the request ids of streams and runs the opt-in
// fallback hook.
const { RealmWebSocketClient, CORE_OPTIONS, reportListenerError } = require('./client.js');
const { mapError, ConnectionError, ServiceUnavailableError, CancelledError, AdapterError } = require('./tekton_errors.js');
const { resolveConfig, corePairs, wsCorePairs, prepare } = require('./tekton_options.js');
const {
  TektonChunkStream, completionResponse, otherResponse, isErrorAnswer, noFallback, callFallback,
} = require('./tekton_stream.js');

const TEXT_KEYS = ['systemPrompt'];
const CALLBACK_KEYS = ['onChunk', 'onComplete', 'onError'];

function textMessages(prompt, options, what) {
  if (typeof prompt !== 'string') throw mapError(new TypeError(`${what}: prompt must be a string`));
  const system = options && options.systemPrompt;
  if (system !== undefined && system !== null && typeof system !== 'string') {
    throw mapError(new TypeError(`${what}: systemPrompt must be a string`));
  }
  const messages = [{ role: 'user', content: prompt }];
  if (system) messages.unshift({ role: 'system', content: system });
  return messages;
}

function providersOf(data) {
  const text = (v) => (typeof v === 'string' ? v : null);
  const providers = {};
  const raw = data.providers;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [id, p] of Object.entries(raw)) {
      if (!p || typeof p !== 'object') continue;
      const models = (Array.isArray(p.models) ? p.models : [])
        .filter((m) => m && typeof m === 'object' && typeof m.id === 'string')
        .map((m) => ({
          id: m.id,
          name: text(m.name) || m.id,
          contextLength: Number.isInteger(m.context_length) ? m.context_length : null,
          description: text(m.description),
          pricing: m.pricing && typeof m.pricing === 'object' && !Array.isArray(m.pricing) ? { ...m.pricing } : null,
          capabilities: Array.isArray(m.capabilities) ? m.capabilities.filter((c) => typeof c === 'string') : [],
        }));
      providers[id] = {
        name: text(p.name) || id,
        available: p.available === true,
        models,
        defaultModel: text(p.default_model),
        description: text(p.description),
      };
    }
  }
  return { providers, defaultProvider: text(data.default_provider) || '', defaultModel: text(data.default_model) || '' };
}

class TektonLLMClient {
  #c;
  #realm;
  #ws = null; // the tekton-ws client of streams, when rhetorWsUrl is set (made on first use)
  #wsConnecting = null;
  #ready = false; // the health check passed (and no connection error since)
  #connecting = null;
  #shutDown = false;
  #providers = null;
  #streams = new Map(); // request id -> TektonChunkStream, while running

  /**
   * @param {object} [options] { componentId, rhetorUrl, rhetorWsUrl, providerId, modelId, timeout (s),
   *   maxRetries, useFallback, authToken, fallback, debug }; unset ones from RHETOR_* variables, else defaults
   */
  constructor(options) {
    this.#c = resolveConfig(options);
    try {
      this.#realm = new RealmWebSocketClient({ [CORE_OPTIONS]: corePairs(this.#c) });
    } catch (e) {
      throw mapError(e);
    }
  }

  get componentId() { return this.#c.componentId; }
  get rhetorUrl() { return this.#c.rhetorUrl; }
  /** True when rhetorUrl names an OpenAI-compatible server (path ending in /v1). */
  get openaiCompatible() { return this.#c.openaiCompatible; }
  get rhetorWsUrl() { return this.#c.rhetorWsUrl; }
  get providerId() { return this.#c.providerId; }
  get modelId() { return this.#c.modelId; }
  get timeout() { return this.#c.timeout; }
  get maxRetries() { return this.#c.maxRetries; }
  get useFallback() { return this.#c.useFallback; }
  get authToken() { return this.#c.authToken; }
  get fallback() { return this.#c.fallback; }
  get debug() { return this.#c.debug; }

  /** True once the health check passed, until shutdown() or a connection error. */
  get available() {
    return this.#ready && !this.#shutDown;
  }

  // ---- lifecycle

  /**
   * GET /api/v1/health; then, with no model configured, the provider's
   * default_model from GET /api/v1/providers. Resolves true when healthy;
   * never rejects.
   */
  async initialize() {
    this.#shutDown = false;
    try {
      await this.#connect();
    } catch (e) {
      this.#log(`Rhetor at ${this.rhetorUrl} is not available: ${e.message}`);
      return false;
    }
    if (!this.#c.modelId) {
      try {
        const info = (await this.getProviders()).providers[this.providerId];
        if (info && info.defaultModel) this.#c.modelId = info.defaultModel;
      } catch (e) {
        this.#log(`could not read the providers: ${e.message}`);
      }
    }
    return true;
  }

  /** Ends the requests in flight (streams end cancelled); initialize() makes the client usable again. */
  async shutdown() {
    this.#shutDown = true;
    this.#ready = false;
    for (const stream of [...this.#streams.values()]) stream._cancelFromOutside();
    await this.#realm.disconnect().catch(() => {});
    if (this.#ws !== null) await this.#ws.disconnect().catch(() => {});
  }

  // ---- requests

  /** The prompt as one user message (after a system message for options.systemPrompt); resolves with the response. */
  generateText(prompt, options) {
    return this.#complete(() => textMessages(prompt, options, 'generateText'), options, 'generateText', TEXT_KEYS);
  }

  /** A chat answer to messages ([{ role, content }]; a leading system message travels as system_prompt). */
  generateChatResponse(messages, options) {
    return this.#complete(() => messages, options, 'generateChatResponse', []);
  }

  /** Streams generateText's answer: an async iterator of chunks (for await), with .requestId. */
  textStream(prompt, options) {
    return this.#stream(textMessages(prompt, options, 'textStream'), options, 'textStream', TEXT_KEYS);
  }

  /** Streams generateChatResponse's answer: an async iterator of chunks (for await), with .requestId. */
  chatStream(messages, options) {
    return this.#stream(messages, options, 'chatStream', []);
  }

  /** Streams with callbacks (onChunk, onComplete, onError); returns the request id at once. */
  streamText(prompt, options) {
    const messages = textMessages(prompt, options, 'streamText');
    return this.#pump(this.#stream(messages, options, 'streamText', [...TEXT_KEYS, ...CALLBACK_KEYS]), options);
  }

  /** streamText for a conversation; returns the request id at once. */
  streamChatResponse(messages, options) {
    return this.#pump(this.#stream(messages, options, 'streamChatResponse', CALLBACK_KEYS), options);
  }

  /** Cancels a running stream; false when the id is unknown or the stream has ended. */
  cancelRequest(requestId) {
    const stream = this.#streams.get(requestId);
    return stream !== undefined && stream._cancelFromOutside();
  }

  /** GET /api/v1/providers, read once and cached; rejects with the mapped error on failure (no fallback list). */
  async getProviders() {
    if (this.#providers !== null) return this.#providers;
    await this.#ensureReady();
    let data;
    try {
      data = await this.#realm.models();
    } catch (e) {
      throw this.#failure(e, this.timeout);
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw new AdapterError('rhetor', 'the providers answer is not a JSON object');
    }
    this.#providers = providersOf(this.#c.openaiCompatible ? this.#providerOfModels(data) : data);
    return this.#providers;
  }

  // ---- internals

  // An OpenAI-compatible server's model list (GET /v1/models) as the
  // providers answer of tekton.md 2.2: one provider, providerId, whose
  // default model is the server's first.
  #providerOfModels(models) {
    const ids = Array.isArray(models.data)
      ? models.data.filter((m) => m && typeof m.id === 'string').map((m) => m.id) : [];
    const first = ids.length > 0 ? ids[0] : '';
    return {
      providers: {
        [this.providerId]: {
          name: this.providerId, available: true, default_model: first || null,
          description: `OpenAI-compatible server at ${this.rhetorUrl}`,
          models: ids.map((id) => ({ id, name: id })),
        },
      },
      default_provider: this.providerId,
      default_model: first,
    };
  }

  #log(message) {
    if (this.#c.debug) console.debug(`[TektonLLMClient ${this.componentId}] ${message}`);
  }

  #hook() {
    return this.#c.useFallback ? this.#c.fallback : null;
  }

  #connect() {
    if (this.#connecting === null) {
      this.#connecting = this.#realm.connect().then(
        () => {
          this.#connecting = null;
          this.#ready = true;
        },
        (e) => {
          this.#connecting = null;
          throw mapError(e, this.timeout);
        },
      );
    }
    return this.#connecting;
  }

  // The health check runs before the first request (and again after a
  // connection error), so that a request without initialize() is checked too.
  async #ensureReady() {
    if (this.#shutDown) {
      throw new ServiceUnavailableError(`the client was shut down (initialize() makes it usable again)`);
    }
    if (!this.#ready) await this.#connect();
  }

  #failure(e, timeout) {
    const err = mapError(e, timeout);
    if (err instanceof ConnectionError) this.#ready = false;
    this.#log(`request failed: ${err.name}: ${err.message}`);
    return err;
  }

  async #complete(messagesOf, options, what, keys) {
    const started = performance.now();
    const prep = prepare(this.#c, messagesOf(), options, what, keys);
    if (prep.signal && prep.signal.aborted) throw new CancelledError(`${what}: the request was aborted`);
    let result;
    try {
      await this.#ensureReady();
      result = await this.#realm.chat(prep.messages, prep.chat);
    } catch (e) {
      if (isErrorAnswer(e)) return otherResponse(prep, started, { error: e.message });
      const err = this.#failure(e, prep.timeout);
      const hook = this.#hook();
      if (hook === null || noFallback(err)) throw err;
      this.#log(`using the fallback hook for ${prep.contextId}: ${err.message}`);
      const text = await callFallback(hook, prep, false, err, '');
      return otherResponse(prep, started, { content: text, fallback: true });
    }
    return completionResponse(result, prep, started);
  }

  #stream(messages, options, what, keys) {
    const prep = prepare(this.#c, messages, options, what, keys);
    let id;
    do id = `${this.componentId}_${Date.now()}_${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
    while (this.#streams.has(id));
    const open = async () => {
      try {
        await this.#ensureReady();
      } catch (e) {
        throw this.#failure(e, prep.timeout);
      }
      const ws = await this.#wsStreams();
      return (ws !== null ? ws : this.#realm).chatStream(prep.messages, prep.chat);
    };
    const stream = new TektonChunkStream(id, prep, open, this.#hook(), () => this.#streams.delete(id));
    this.#streams.set(id, stream);
    return stream;
  }

  // The WebSocket client streams go over (upstream's JS client preferred
  // CHAT_STREAM over WebSocket), or null: no rhetorWsUrl, or its connect
  // failed, and this stream falls back to HTTP SSE as upstream's did.
  async #wsStreams() {
    if (this.#c.rhetorWsUrl === null) return null;
    try {
      if (this.#ws === null) this.#ws = new RealmWebSocketClient({ [CORE_OPTIONS]: wsCorePairs(this.#c) });
      if (!this.#ws.isConnected()) {
        if (this.#wsConnecting === null) {
          this.#wsConnecting = this.#ws.connect().finally(() => {
            this.#wsConnecting = null;
          });
        }
        await this.#wsConnecting;
      }
      return this.#ws;
    } catch (e) {
      this.#log(`WebSocket ${this.#c.rhetorWsUrl} not available, streaming over HTTP: ${e.message}`);
      return null;
    }
  }

  // Drives a stream for the callback forms; callback exceptions are reported
  // as uncaught and cancel the stream.
  #pump(stream, options) {
    const { onChunk, onComplete, onError } = options || {};
    const call = (fn, arg) => {
      try {
        fn(arg);
        return true;
      } catch (e) {
        reportListenerError(e); // as uncaught, like an EventEmitter listener's exception
        return false;
      }
    };
    (async () => {
      try {
        for await (const chunk of stream) {
          if (onChunk && !call(onChunk, chunk)) return; // leaving the loop cancels the stream
        }
      } catch (e) {
        if (onError) call(onError, e);
        else this.#log(`stream ${stream.requestId} failed with no onError: ${e.message}`);
        return;
      }
      if (onComplete) call(onComplete, stream.result);
    })();
    return stream.requestId;
  }
}

module.exports = { TektonLLMClient };
