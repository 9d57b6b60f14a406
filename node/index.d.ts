// Type declarations of @realm-ai/ws-client (CommonJS and ESM).
import { EventEmitter } from 'node:events';

/** Options of `new RealmWebSocketClient(...)`. Times are in milliseconds. */
export interface RealmClientOptions {
  /** Model put on every generate call that names none. Required. */
  model: string;
  /**
   * Server URL; its scheme and path pick the protocol: `http(s)://host[:port]/v1` = OpenAI HTTP/SSE,
   * `ws(s)://host[:port]/v1/chat/completions` (or `/v1/completions`) = openai-ws, any other
   * `ws(s)://` URL = Realm. Default `"ws://localhost:8080"`.
   */
  url?: string;
  /** API key, sent only when the server asks for authentication. */
  apiKey?: string;
  /**
   * Tenant id put on every call (3-64 letters, digits, `-` or `_`). Default: the tenant the
   * server assigns to the API key, else a random UUID. With an API key the server's tenant wins
   * (a different explicit tenant makes connect() fail with UNAUTHORIZED).
   */
  tenantId?: string;
  /** Reconnect automatically when an established connection drops. Default `true`. */
  reconnect?: boolean;
  /** First reconnect delay (exponential backoff base). Default `5000`. */
  reconnectInterval?: number;
  /** Total time allowed per request, queue time included; `0` = none. Default `30000`. */
  timeout?: number;
  /** Time allowed for TCP + TLS + upgrade + auth. Default `10000`. */
  connectTimeout?: number;
  /** Longest silence allowed between frames of a request; `0` = none. Default `0`. */
  idleTimeout?: number;
  /** Largest reconnect delay. Default `30000`. */
  backoffCap?: number;
  /** Reconnect attempts before giving up; `0` = unlimited. Default `10`. */
  backoffMaxAttempts?: number;
  /** Jitter applied to reconnect delays, percent (0-100). Default `20`. */
  backoffJitterPercent?: number;
  /** Keepalive ping interval once connected; `0` = off. Default `30000`. */
  pingInterval?: number;
  /** PEM file of extra CA certificates trusted for `wss://`. */
  tlsCaFile?: string;
  /** DANGER: disables certificate and host-name verification for `wss://`. Default `false`. */
  tlsInsecure?: boolean;
  /** Largest message, bytes (1024-1073741824), both ways: a larger request is not sent and fails alone with MESSAGE_TOO_LARGE. Default 16 MiB. */
  maxMessageSize?: number;
  /** Most requests waiting for a connection (connecting, reconnecting, all pooled connections taken); past that,
   *  calls fail with QUEUE_FULL. Requests on a ready multiplexed connection are not counted; a client holds at most
   *  max(65536, this) active requests. Default `4096`. */
  maxQueuedRequests?: number;
  /**
   * Busy polling, microseconds (0-1000000). After a request is sent or a frame arrives, librealm's
   * event thread and the JavaScript thread keep checking for I/O without sleeping for this long
   * (yielding the CPU at every turn), so an answer arriving within the window is handled without
   * waking a sleeping thread. Costs up to this much CPU time per request and per burst of frames,
   * on each of the two threads; `0` = always sleep. Default `100`.
   */
  busyPollUs?: number;
}

/** Options every request method accepts. */
export interface RequestOptions {
  /** Aborting cancels the request (server-side when the server supports it); it rejects with code CANCELLED. */
  signal?: AbortSignal;
  /** Total timeout of this call (ms); `0` or `Infinity` = none. Default: the client's `timeout`. */
  timeout?: number;
  /** Idle timeout of this call (ms); `0` or `Infinity` = none. Default: the client's `idleTimeout`. */
  idleTimeout?: number;
}

/**
 * Sampling options of generate, generateStream, chat and chatStream. The older options have a
 * camelCase and a snake_case name (`maxTokens` / `max_tokens`); give one of them.
 */
export interface SamplingOptions extends RequestOptions {
  /** Overrides the client's model for this call. */
  model?: string;
  /** Most tokens to generate. */
  maxTokens?: number;
  max_tokens?: number;
  temperature?: number;
  topP?: number;
  top_p?: number;
  topK?: number;
  top_k?: number;
  repetitionPenalty?: number;
  repetition_penalty?: number;
  /** Stop sequences (non-empty strings, at most 64): generation ends before the first one. */
  stop?: string | readonly string[];
  /** -2 to 2. */
  presencePenalty?: number;
  /** -2 to 2. */
  frequencyPenalty?: number;
  /** Integer seed for deterministic sampling, where the server supports it. */
  seed?: number;
  /** generate() / chat(): ask the server to stream (the result text is then the concatenated tokens). */
  stream?: boolean;
  /** Server-specific members added to the request's params (e.g. realm-server's `delay_ms`). */
  extraParams?: Record<string, unknown>;
}

/** Options of generate() and generateStream(): the sampling options plus the required `prompt`. */
export interface GenerateOptions extends SamplingOptions {
  /** The text to complete. Required. */
  prompt: string;
}

/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
}

/** Options of chat() and chatStream(): the sampling options plus `systemPrompt`; an unknown name rejects with INVALID_ARGUMENT. */
export interface ChatOptions extends SamplingOptions {
  /** Shortcut: sent as a first `{ role: 'system', content: systemPrompt }` message. */
  systemPrompt?: string;
}

/** Token counts as the server reported them; `null` where it did not. */
export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
}

/** What generate, chat and (as `.result`) the streams end with. */
export interface CompletionResult {
  /** The whole generated text (for streams: every token, concatenated). */
  text: string;
  /** Why generation stopped (`"stop"`, `"length"`, ...), `null` when the server did not say (Realm protocol). */
  finishReason: 'stop' | 'length' | 'content_filter' | 'tool_calls' | (string & {}) | null;
  usage: Usage;
  /** The model the server said it used, or `null`. */
  model: string | null;
  /** Client-measured, ms from writing the request to the first streamed token; `null` when none was streamed. */
  timeToFirstTokenMs: number | null;
  /** Tokens received (streams), else `usage.completionTokens`, per second of `totalTimeMs`; `null` when unknown. */
  tokensPerSecond: number | null;
  /** Client-measured, ms from writing the request to its end; `null` if it was never sent. */
  totalTimeMs: number | null;
}

/** What chat() resolves with (and chatStream()'s `.result`). */
export type ChatResult = CompletionResult;

/**
 * What generate() resolves with (and generateStream()'s `.result`): a CompletionResult plus the
 * Realm protocol's own members.
 */
export interface GenerateResult extends CompletionResult {
  /** The server's token count, else the number of tokens streamed. */
  tokens_generated: number;
  prompt_tokens?: number;
  cost_usd?: number;
  time_ms?: number;
}

/** models(): the server's answer as it sent it (OpenAI: `{ object: "list", data: [...] }`). */
export interface ModelList {
  object?: string;
  data: Array<{ id: string; object?: string; created?: number; owned_by?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** Any JSON value returned by the server. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * health(): the server's health object as it sent it (realm-server: `status`, `version`,
 * `uptime_seconds`, ...; OpenAI-compatible HTTP servers: `status`).
 */
export interface HealthStatus {
  status: string;
  uptime_seconds?: number;
  version?: string;
  [key: string]: JsonValue | undefined;
}

/** One parameter of a FunctionMetadata, as the server describes it. */
export interface ParamMetadata {
  name: string;
  type: string;
  description: string;
  required: boolean;
  default?: JsonValue;
}

/** One server function of metadata()'s catalogue (RuntimeMetadata.functions). */
export interface FunctionMetadata {
  name: string;
  description: string;
  params: ParamMetadata[];
  returns: string;
  streaming: boolean;
}

/** metadata(): the server's version and function catalogue (Realm protocol). */
export interface RuntimeMetadata {
  version: string;
  functions: FunctionMetadata[];
  [key: string]: JsonValue | FunctionMetadata[] | undefined;
}

/** Event payloads of `client.on(...)`. */
export interface ConnectedEvent {
  tenantId: string | undefined;
  serverVersion: string | undefined;
}
/** Payload of the `disconnected` event. */
export interface DisconnectedEvent {
  /** WebSocket close code (1006 when none was received). */
  code: number;
  reason: string;
  error: RealmError | undefined;
}
/** Payload of the `reconnecting` event. */
export interface ReconnectingEvent {
  /** 1-based attempt number. */
  attempt: number;
  /** Wait before that attempt, ms. */
  delay: number;
  error: RealmError | undefined;
}
/** Listener signatures of RealmWebSocketClient's events (on / off). */
export interface RealmClientEvents {
  connected: (event: ConnectedEvent) => void;
  disconnected: (event: DisconnectedEvent) => void;
  reconnecting: (event: ReconnectingEvent) => void;
  error: (error: RealmError) => void;
  /** Every streamed token of every request of this client, as it arrives. */
  token: (token: string) => void;
}
/** The event names of RealmWebSocketClient: `connected`, `disconnected`, `reconnecting`, `error`, `token`. */
export type RealmClientEventName = keyof RealmClientEvents;

/** Codes of the core's error table. Server errors carry the server's code verbatim. */
export type RealmErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_URL'
  | 'INVALID_STATE'
  | 'NO_MEMORY'
  | 'INTERNAL'
  | 'NOT_CONNECTED'
  | 'CONNECT_FAILED'
  | 'TLS_ERROR'
  | 'CONNECTION_LOST'
  | 'TIMEOUT'
  | 'IDLE_TIMEOUT'
  | 'CANCELLED'
  | 'UNAUTHORIZED'
  | 'RATE_LIMIT_EXCEEDED'
  | 'DISPATCH_ERROR'
  | 'INTERNAL_ERROR'
  | 'BACKEND_ERROR'
  | 'SERVER_ERROR'
  | 'PROTOCOL_ERROR'
  | 'MESSAGE_TOO_LARGE'
  | 'QUEUE_FULL'
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'TOO_MANY_CONNECTIONS';

/** Families of errors (the core's realm_error_category_t): RealmError.category, ErrorTableRow.category. */
export type RealmErrorCategory =
  | 'none'
  | 'argument'
  | 'connection'
  | 'timeout'
  | 'cancelled'
  | 'auth'
  | 'rate_limit'
  | 'server'
  | 'protocol'
  | 'internal';

/** Optional members of a RealmError, as its constructor takes them. */
export interface RealmErrorDetails {
  status?: number;
  retryAfter?: number;
  retryable?: boolean;
  httpStatus?: number;
  closeCode?: number;
  cause?: unknown;
}

/** Every error of this package. */
export class RealmError extends Error {
  constructor(code: string, message: string, details?: RealmErrorDetails);
  /** Always `'RealmError'`. */
  readonly name: 'RealmError';
  /** A RealmErrorCode, or the server's error code verbatim for unknown server codes. */
  code: RealmErrorCode | (string & {});
  /** Suggested wait before retrying, ms (rate limits), else undefined. */
  retryAfter: number | undefined;
  /** Whether the same call may succeed if retried later. */
  retryable: boolean;
  /** The core's numeric status (realm_status_t). */
  status: number | undefined;
  /** The family of the error (from the core's error table; `'server'` for a server code the table does not know). */
  category: RealmErrorCategory;
  /** HTTP status of a rejected WebSocket upgrade. */
  httpStatus: number | undefined;
  /** WebSocket close code involved, if any. */
  closeCode: number | undefined;
}

/**
 * Every code of the core's error table but OK, mapped to itself:
 * `ErrorCodes.RATE_LIMIT_EXCEEDED === 'RATE_LIMIT_EXCEEDED'`.
 */
export const ErrorCodes: { readonly [K in RealmErrorCode]: K };

/** One row of errorTable (the core's realm_error_info_t). */
export interface ErrorTableRow {
  readonly status: number;
  readonly name: string;
  readonly description: string;
  readonly category: RealmErrorCategory;
  readonly retryable: boolean;
}
/**
 * The core's error table (realm_get_error_table): one frozen row per status, OK (status 0)
 * included, in the core's order; what RealmError takes `status`, `category` and `retryable` from.
 */
export const errorTable: readonly ErrorTableRow[];
/** Version of the librealm core inside the addon (realm_version(), e.g. `"0.1.0"`). */
export const coreVersion: string;

/**
 * The async iterator returned by generateStream() and chatStream(). The request starts on the
 * first next(); leaving `for await` early (return()) or aborting the signal cancels it. Once the
 * stream completed, `result` (also the iterator's final value) holds the whole text,
 * finishReason, usage and the client-measured times.
 */
export class TokenStream implements AsyncIterableIterator<string, GenerateResult | undefined> {
  private constructor();
  /** The stream itself (it is its own iterator). */
  [Symbol.asyncIterator](): TokenStream;
  /**
   * The next token. The first call starts the request. Once the stream completed: `{ done: true,
   * value: result }` (`undefined` when cancelled); rejects with a RealmError when the request
   * failed, after the tokens received before the failure.
   */
  next(): Promise<IteratorResult<string, GenerateResult | undefined>>;
  /** Cancels the request if still running; resolves once it has ended. */
  return(value?: unknown): Promise<IteratorResult<string, GenerateResult | undefined>>;
  /** Cancels as return() does, then rejects with `err` (async-iterator protocol). */
  throw(err?: unknown): Promise<IteratorResult<string, GenerateResult | undefined>>;
  /** Same as return(): cancels and resolves once the request has ended. */
  cancel(): Promise<void>;
  /**
   * The request's result (text, finishReason, usage, times), set once the stream completed; stays
   * `undefined` for a stream that failed or was cancelled.
   */
  result: GenerateResult | undefined;
}

/** RealmWebSocketClient.getState(): the connection state (`closed` once close() destroyed the client). */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/**
 * Client of a Realm, openai-ws or OpenAI HTTP server (the URL picks the protocol) on the librealm
 * core; also the package's default export.
 */
export class RealmWebSocketClient {
  /** @throws RealmError (INVALID_ARGUMENT / INVALID_URL) on bad options, e.g. a missing `model`. */
  constructor(options: RealmClientOptions);

  /** Connects; rejects with a RealmError (CONNECT_FAILED, TIMEOUT, UNAUTHORIZED, ...) within the connect timeout. */
  connect(options?: { signal?: AbortSignal }): Promise<void>;
  /** Closes the connection and stops reconnecting; in-flight requests reject with CANCELLED. */
  disconnect(): Promise<void>;
  /** Destroys the native client at once; the object cannot be used afterwards. */
  close(): void;
  /** True while the connection is ready (state `connected`). */
  isConnected(): boolean;
  /** The connection state now; it may change right after. */
  getState(): ConnectionState;
  /** The tenant id in effect once connected. */
  getTenantId(): string | undefined;
  /** The server's version string from its last welcome, or undefined. */
  getServerVersion(): string | undefined;
  /** Whether the server announced a protocol extension in its last welcome. */
  hasExtension(name: 'interleave' | 'cancel' | 'retry_after' | 'terminal' | (string & {})): boolean;

  /** Generates text; resolves with the result once the request ended. */
  generate(options: GenerateOptions): Promise<GenerateResult>;
  /** Streaming generation: tokens with `for await` (the request starts on the first iteration), then `.result`. */
  generateStream(options: GenerateOptions): TokenStream;
  /** Chat completion; on the Realm protocol the core sends the conversation as a prompt. */
  chat(messages: readonly ChatMessage[], options?: ChatOptions): Promise<ChatResult>;
  /** Streaming chat completion: tokens with `for await`, then `.result`. */
  chatStream(messages: readonly ChatMessage[], options?: ChatOptions): TokenStream;
  /** The server's model list; rejects with INVALID_ARGUMENT on protocols without one (Realm, openai-ws). */
  models(options?: RequestOptions): Promise<ModelList>;
  /** Runs server pipeline `name` with `input` (any JSON value; omitted = `{}`); resolves with its result data. */
  executePipeline(name: string, input?: JsonValue | object, options?: RequestOptions): Promise<any>;
  /** Calls any server function by name with JSON params (omitted = `{}`); resolves with its result data. */
  call(functionName: string, params?: JsonValue | object, options?: RequestOptions): Promise<any>;
  /** The server's health object. */
  health(options?: RequestOptions): Promise<HealthStatus>;
  /** The server's function catalogue. */
  metadata(options?: RequestOptions): Promise<RuntimeMetadata>;

  /** Adds a listener (see RealmClientEvents); an `error` event without listeners is dropped, not thrown. */
  on<E extends RealmClientEventName>(event: E, listener: RealmClientEvents[E]): this;
  /** Removes a listener added with on(). */
  off<E extends RealmClientEventName>(event: E, listener: RealmClientEvents[E]): this;
}

// ---------------------------------------------------------------------------
// WSClient: the upstream ws-system client's API (dialect "ws-system")
// ---------------------------------------------------------------------------

/** Options of `new WSClient(...)` (upstream's ClientOptions). Times are in milliseconds. */
export interface ClientOptions {
  /** `ws://` or `wss://` URL of the ws-system server. Required. */
  serverUrl: string;
  /** The client id the server registered (its authorized-clients registry). Required. */
  clientId: string;
  /**
   * PEM private key file (PKCS#8, PKCS#1 RSA or SEC1 EC), read by the constructor: a missing,
   * unreadable or malformed key throws a RealmError (INVALID_ARGUMENT). Required unless `privateKey`.
   */
  privateKeyPath?: string;
  /** The PEM text itself, instead of `privateKeyPath` (extension). */
  privateKey?: string;
  /** Passphrase of an encrypted PEM key (extension). */
  privateKeyPassphrase?: string;
  /** `SHA256` (default), `SHA384`, `SHA512`, or `RSA-SHA256` / `RSA-SHA384` / `RSA-SHA512`. */
  signatureAlgorithm?: string;
  /** Reconnect with exponential backoff when an established connection drops. Default `true`. */
  autoReconnect?: boolean;
  /** First reconnect delay (doubles per attempt, capped at 30 s, +/-20 % jitter, 10 attempts). Default `1000`. */
  reconnectDelay?: number;
  /** App-level ping interval once authenticated; `0` = off. Default `30000`. */
  pingInterval?: number;
  /** Time allowed for connect + authentication, and for requests answered once (models, ping). Default `60000`. */
  requestTimeout?: number;
  /** Connect on the next tick after construction (failures go to the 'error' event). Default `false`. */
  autoConnect?: boolean;
}

/** Upstream's connection statuses (getStatus(), onConnectionChange). */
export type ConnectionStatus =
  | 'disconnected'
  | 'connecting'
  | 'connected'
  | 'authenticated'
  | 'auth_failed'
  | 'reconnecting'
  | 'reconnect_failed';
/** The statuses under upstream's constant names: `ConnectionStatus.AUTHENTICATED === 'authenticated'`, ... */
export const ConnectionStatus: {
  readonly DISCONNECTED: 'disconnected';
  readonly CONNECTING: 'connecting';
  readonly CONNECTED: 'connected';
  readonly AUTHENTICATED: 'authenticated';
  readonly AUTH_FAILED: 'auth_failed';
  readonly RECONNECTING: 'reconnecting';
  readonly RECONNECT_FAILED: 'reconnect_failed';
};

/**
 * Generation options, sent as the generate frame's `options` object exactly as given (the
 * server spreads it into its Ollama request).
 */
export interface GenerationOptions {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
  systemPrompt?: string;
  [key: string]: unknown;
}

/** An Ollama model object (models_result.models). */
export interface ModelInfo {
  name: string;
  model?: string;
  modified_at?: string;
  size?: number;
  digest?: string;
  details?: { format?: string; family?: string; parameter_size?: string; quantization_level?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Payload of WSClient's `token` event and of onToken() callbacks. */
export interface TokenEvent {
  /** The generation id. */
  id: string;
  token: string;
  /** Local time the token was delivered, ms since the epoch. */
  timestamp: number;
}

/** Payload of WSClient's `generation_start` event and of onGenerationStart() callbacks. */
export interface GenerationStartEvent {
  id: string;
  /** The model the server said it runs. */
  model: string;
  timestamp: number;
}

/** Payload of WSClient's `generation_end` event and of onGenerationEnd() callbacks. */
export interface GenerationEndEvent {
  id: string;
  /** The server's token count (stream_end.totalTokens); for a stopped generation, the tokens received. */
  totalTokens: number;
  /** The server's elapsedTime, ms; undefined for a stopped generation. */
  elapsedTime: number | undefined;
  /** true when the generation was stopped (stopGeneration, abort, disconnect). */
  isCancelled: boolean;
  timestamp: number;
}

/**
 * Error events (upstream's ErrorObject) are RealmErrors with these members. Codes are upstream's:
 * invalid_auth, rate_limited, auth_timeout, auth_challenge_timeout, connection_timeout,
 * reconnect_failed, connection_lost, generation_error, model_not_found, server_error, unauthorized, ...
 */
export interface ErrorObject extends RealmError {
  message: string;
  code: WSErrorCode | RealmErrorCode | (string & {});
  /** What the error's kind means (the core's error table). */
  description: string;
  /** The request's id (generation id, ...) when the error belongs to one. */
  id?: string;
}

/** Upstream's error codes, found in ErrorObject.code. */
export type WSErrorCode =
  | 'invalid_auth'
  | 'rate_limited'
  | 'auth_timeout'
  | 'auth_challenge_timeout'
  | 'connection_timeout'
  | 'reconnect_failed'
  | 'connection_lost'
  | 'generation_error'
  | 'model_not_found'
  | 'server_error'
  | 'unauthorized';

/** What ping() resolves with, and the payload of the `pong` event. */
export interface PongEvent {
  /** Round trip of the ping, ms, measured by the client. */
  latency: number;
  id: string;
  /** The server's time in its pong, ms since the epoch. */
  timestamp: number;
}

/** Payload of WSClient's `reconnecting` event. */
export interface ReconnectInfo {
  attempt: number;
  delay: number;
  maxAttempts: number;
}

/** Payload of WSClient's `disconnected` event. */
export interface DisconnectInfo {
  code?: number;
  reason?: string;
}

/** A message of sendBatch(). */
export type BatchMessage =
  | { type: 'generate'; prompt: string; model?: string; options?: GenerationOptions; id?: string; timestamp?: number }
  | { type: 'models'; id?: string; timestamp?: number }
  | { type: 'ping'; id?: string; timestamp?: number }
  | { type: 'stop'; requestId: string; id?: string; timestamp?: number };

/** Events of WSClient (on / off / once). */
export interface WSClientEvents {
  connecting: () => void;
  connected: () => void;
  authenticated: () => void;
  /** The server's reason text. */
  auth_failed: (error: string) => void;
  disconnected: (info: DisconnectInfo) => void;
  reconnecting: (info: ReconnectInfo) => void;
  reconnect_failed: (error: ErrorObject) => void;
  /** Without listeners an error event is dropped (never thrown). */
  error: (error: ErrorObject) => void;
  token: (event: TokenEvent) => void;
  generation_start: (event: GenerationStartEvent) => void;
  generation_end: (event: GenerationEndEvent) => void;
  /** The server's ack of a stop sent in a batch. */
  ack: (frame: { id: string; type: 'ack'; requestId: string; action: string; timestamp: number }) => void;
  pong: (event: PongEvent) => void;
  /** The answer of a `models` message sent in a batch. */
  models: (event: { id: string; models: ModelInfo[] }) => void;
}

/** What generateStream() ends with (its iterator's return value and `.result`). */
export interface GenerationResult {
  text: string;
  totalTokens: number;
  elapsedTime: number | undefined;
  model: string;
}

/**
 * generateStream()'s async iterator of tokens. Leaving `for await` early or aborting the signal
 * stops the generation (an aborted stream throws a RealmError with code CANCELLED).
 */
export class GenerationStream implements AsyncIterableIterator<string, GenerationResult | undefined> {
  private constructor();
  /** The stream itself (it is its own iterator). */
  [Symbol.asyncIterator](): GenerationStream;
  /**
   * The next token. The first call connects a disconnected client, then starts the generation.
   * Once it completed: `{ done: true, value: result }`.
   */
  next(): Promise<IteratorResult<string, GenerationResult | undefined>>;
  /** Stops the generation if still running (what leaving `for await` early calls); resolves once it has ended. */
  return(value?: unknown): Promise<IteratorResult<string, GenerationResult | undefined>>;
  /** Stops as return() does, then rejects with `err` (async-iterator protocol). */
  throw(err?: unknown): Promise<IteratorResult<string, GenerationResult | undefined>>;
  /** Stops the generation if still running; resolves once it has ended. */
  cancel(): Promise<void>;
  /** The generation id, once started. */
  id: string | undefined;
  /** Set once the generation completed. */
  result: GenerationResult | undefined;
}

/** The upstream ws-system client (WSClient) on the librealm core. */
export class WSClient extends EventEmitter {
  /** @throws RealmError (INVALID_ARGUMENT / INVALID_URL): bad options, a missing or malformed key. */
  constructor(options: ClientOptions);

  /** Resolves once authenticated; rejects with a RealmError (invalid_auth, rate_limited with retryAfter, ...). */
  connect(): Promise<void>;
  /** Closes, stops reconnecting; generations in flight end as cancelled. Resolves once closed. */
  disconnect(): Promise<void>;
  /** Destroys the native client at once; the object cannot be used afterwards. */
  close(): void;
  /** The connection status now (upstream's seven). */
  getStatus(): ConnectionStatus;
  /** True when connected and authenticated. */
  isReady(): boolean;

  /** Resolves with the generation id once sent; tokens arrive as events. */
  generate(prompt: string, model?: string, options?: GenerationOptions): Promise<string>;
  /** Streaming generation (extension): tokens with `for await`; aborting `signal` or leaving the loop stops it. */
  generateStream(
    prompt: string,
    model?: string,
    options?: GenerationOptions & { signal?: AbortSignal },
  ): GenerationStream;
  /** Stops a generation (also before the server started it); unknown or finished ids are ignored. */
  stopGeneration(generationId: string): Promise<void>;
  /** The server's models (Ollama model objects). Connects first when disconnected. */
  listModels(): Promise<ModelInfo[]>;
  /** Sends a ping; resolves with the pong (also emitted as `pong`). Connects first when disconnected. */
  ping(): Promise<PongEvent>;
  /** Sends the messages as one batch frame; resolves with their ids once sent. */
  sendBatch(messages: BatchMessage[]): Promise<string[]>;

  /** Calls `callback` with every token of generate() (not of generateStream()); returns an unsubscribe function. */
  onToken(callback: (event: TokenEvent) => void): () => void;
  /** Calls `callback` when the server starts a generation; returns an unsubscribe function. */
  onGenerationStart(callback: (event: GenerationStartEvent) => void): () => void;
  /** Calls `callback` when a generation ends (completed or stopped); returns an unsubscribe function. */
  onGenerationEnd(callback: (event: GenerationEndEvent) => void): () => void;
  /** Calls `callback` with every `error` event; returns an unsubscribe function. */
  onError(callback: (error: ErrorObject) => void): () => void;
  /** Calls `callback` with the new status at every status change; returns an unsubscribe function. */
  onConnectionChange(callback: (status: ConnectionStatus) => void): () => void;

  /** Adds a listener (EventEmitter; see WSClientEvents); an `error` event without listeners is dropped, not thrown. */
  on<E extends keyof WSClientEvents>(event: E, listener: WSClientEvents[E]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  /** Adds a listener called at most once. */
  once<E extends keyof WSClientEvents>(event: E, listener: WSClientEvents[E]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  /** Removes a listener added with on() or once(). */
  off<E extends keyof WSClientEvents>(event: E, listener: WSClientEvents[E]): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

export default RealmWebSocketClient;
