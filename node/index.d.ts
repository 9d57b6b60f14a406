// Type declarations of @realm-ai/ws-client (CommonJS and ESM).
import { EventEmitter } from 'node:events';

/** Options of `new RealmWebSocketClient(...)`. Times are in milliseconds. */
export interface RealmClientOptions {
  /** Model put on every generate call that names none. Required. */
  model: string;
  /**
   * Server URL; its scheme and path pick the protocol: `http(s)://host[:port]/v1` = OpenAI HTTP/SSE,
   * `ws(s)://host[:port]/v1/chat/completions` (or `/v1/completions`) = openai-ws, any other
   * `ws(s)://` URL = Realm. Default: `$REALM_URL`, else `"ws://localhost:8080"`.
   */
  url?: string;
  /**
   * Several servers of one service instead of `url` (not both): connect to the first that answers,
   * fail over to the next when it fails or its connection is lost. They must share the scheme family
   * (ws/wss or http/https) and the path; at most 16. A generation that had started is never re-sent.
   */
  urls?: string[];
  /**
   * The protocol, when the URL does not say it: `"auto"` (from the URL), `"realm"`, `"openai-ws"`,
   * `"openai-http"`, `"tekton"`, `"ws-system"`. Default: `$REALM_DIALECT`, else `"auto"`.
   */
  dialect?: 'auto' | 'realm' | 'openai-ws' | 'openai-http' | 'tekton' | 'tekton-ws' | 'ws-system';
  /**
   * Times a request is sent again when it failed before any of its answer arrived (connection
   * error, timeout, HTTP 503 or 429, RATE_LIMIT_EXCEEDED), 0-100. Delays: `retryBase` x 2^(n-1),
   * capped at 30000, +/-15% jitter, never shorter than the server's Retry-After. A stream that
   * delivered tokens is never re-sent. Default: `$REALM_MAX_RETRIES`, else `2`.
   */
  maxRetries?: number;
  /** First retry delay (1-3600000). Default `1000`. */
  retryBase?: number;
  /** openai-ws (pool) and OpenAI HTTP: connections at once (0-1024; `0` = the dialect's default). Default: openai-ws 4, HTTP 32. */
  maxConnections?: number;
  /** openai-ws: requests share one socket, told apart by `request_id` (the server must support it). Default `false`. */
  multiplex?: boolean;
  /** API key, sent only when the server asks for authentication. Default: `$REALM_API_KEY`. */
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
  /**
   * Time allowed per request attempt, queue time included (each retry has it again); `0` = none.
   * Default: `$REALM_TIMEOUT` (seconds), else `30000`.
   */
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

// ---- TektonLLMClient: the Tekton LLM client (docs/node.md "TektonLLMClient")

/**
 * Options of `new TektonLLMClient(...)`. Every setting left out (or `null`) is taken from its
 * environment variable when that is set and not empty, else from the default.
 */
export interface TektonLLMClientOptions {
  /** Default `contextId` of every request. Default `"browser-client"` (the upstream JS client's). */
  componentId?: string;
  /** Base URL of the Rhetor service (`http://` or `https://`; a path is ignored). `$RHETOR_URL`, else `"http://localhost:8003"`. */
  rhetorUrl?: string;
  /**
   * The Tekton WebSocket endpoint (e.g. `ws://localhost:8003/ws`, tekton.md 3). When set, streams go there
   * (`CHAT_STREAM` over the core's `tekton-ws` dialect, one socket for all of them), as upstream's JS client
   * preferred; a stream whose WebSocket connect fails goes over HTTP SSE instead. Unset: everything over HTTP.
   * (`$RHETOR_WS_URL` is not read.)
   */
  rhetorWsUrl?: string;
  /** Provider of every request. `$RHETOR_DEFAULT_PROVIDER`, else `"anthropic"`. */
  providerId?: string;
  /** Model of every request. `$RHETOR_DEFAULT_MODEL`, else the provider's default model (found by initialize()), else none. */
  modelId?: string;
  /** Seconds per request, from its start to its end (streams included), and for the health check; `0` = none. `$RHETOR_TIMEOUT`, else `30`. */
  timeout?: number;
  /** Accepted and kept, not used: no request is retried. `$RHETOR_MAX_RETRIES`, else `3`. */
  maxRetries?: number;
  /** Allow the fallback hook. Default `true` (there is no fallback without a `fallback` hook). */
  useFallback?: boolean;
  /** Sent as `Authorization: Bearer <authToken>`. `$RHETOR_AUTH_TOKEN`, else none. */
  authToken?: string;
  /** Opt-in fallback hook: answers a failed request; its results are flagged `fallback: true`. */
  fallback?: TektonFallbackHook;
  /** Log the client's failures and fallbacks with `console.debug`. Default `false`. */
  debug?: boolean;
}

/** A chat message; `name` is accepted and not sent. */
export interface TektonMessage {
  /** `"system"`, `"user"`, `"assistant"` or `"function"`. */
  role: 'system' | 'user' | 'assistant' | 'function';
  /** The message's text. */
  content: string;
  /** Accepted, not sent. */
  name?: string;
}

/** Options of every request method; left out = the core's or the server's default. */
export interface TektonRequestOptions {
  /** The request's context id. Default: the client's `componentId`. */
  contextId?: string;
  /** Cancels the request: it rejects (a stream throws) with a `CancelledError`. */
  signal?: AbortSignal;
  /** Sampling temperature (the core sends 0.7 when not given). */
  temperature?: number;
  /** Largest number of tokens to generate (sent when not 0). */
  maxTokens?: number;
  /** Stop sequences, sent as `options.stop`. */
  stopSequences?: string[];
  /** Nucleus sampling (sent when not 0). */
  topP?: number;
  /** Top-k sampling (sent when not 0). */
  topK?: number;
  /** Presence penalty (sent when not 0). */
  presencePenalty?: number;
  /** Frequency penalty (sent when not 0). */
  frequencyPenalty?: number;
  /** The model, instead of the client's `modelId`. */
  model?: string;
  /** The provider, instead of the client's `providerId`. */
  provider?: string;
  /** This request's timeout in seconds (`0` = none), instead of the client's. */
  timeout?: number;
  /** Accepted, not forwarded (the core sends `null`). */
  fallbackProvider?: string;
  /** Accepted, not forwarded (the core sends `null`). */
  fallbackModel?: string;
  /** Accepted, not used (no request is retried). */
  retryCount?: number;
  /** Accepted, not used. */
  retryDelay?: number;
  /** Members added to the request body as they are, replacing same-named ones. */
  extraBody?: Record<string, unknown>;
}

/** Options of generateText() and textStream(): a request's options plus a system prompt. */
export interface TektonTextOptions extends TektonRequestOptions {
  /** Sent as a system message before the prompt (`system_prompt` on the wire). */
  systemPrompt?: string;
}

/** The callbacks of streamText() and streamChatResponse(). */
export interface TektonStreamCallbacks {
  /** Called with every chunk, the final done chunk included; an exception cancels the stream. */
  onChunk?: (chunk: TektonStreamingChunk) => void;
  /** Called once after the done chunk, with the whole answer. */
  onComplete?: (response: TektonCompletionResponse) => void;
  /** Called once when the stream fails or is cancelled (`CancelledError`); then onComplete is not called. */
  onError?: (error: TektonLLMError) => void;
}

/** Token counts as the server reported them (`null` where it did not). */
export interface TektonUsage {
  /** Tokens of the prompt. */
  promptTokens: number | null;
  /** Tokens generated. */
  completionTokens: number | null;
  /** Their sum. */
  totalTokens: number | null;
}

/** The answer of generateText() / generateChatResponse() (and a stream's `result`). */
export interface TektonCompletionResponse {
  /** The generated text. */
  content: string;
  /** The model the core reported, else the requested one; `"fallback"` for the fallback hook's answer. */
  model: string;
  /** The requested provider; `"fallback"` for the fallback hook's answer. */
  provider: string;
  /** Why generation stopped (`"stop"`, `"length"`, `"fallback"`), or `null`. */
  finishReason: string | null;
  /** Token counts, or `null` when the server reported none. */
  usage: TektonUsage | null;
  /** The request's context id. */
  contextId: string;
  /** When the answer was received (UTC, ISO 8601). */
  timestamp: string;
  /** True for the fallback hook's answer. */
  fallback: boolean;
  /** Seconds from writing the request to its end (measured by the core). */
  latency: number;
  /** The server's `error` member of a 200 answer, else `null`. */
  error: string | null;
  /** `error === null`. */
  success: boolean;
}

/** One chunk of a stream. */
export interface TektonStreamingChunk {
  /** The text piece (`""` in the done chunk). */
  chunk: string;
  /** The request's context id. */
  contextId: string;
  /** The requested model (`"fallback"` for the fallback hook's chunks). */
  model: string;
  /** The requested provider (`"fallback"` for the fallback hook's chunks). */
  provider: string;
  /** When the chunk was received (UTC, ISO 8601). */
  timestamp: string;
  /** True for the last chunk, and only for it. */
  done: boolean;
  /** True for the fallback hook's chunks. */
  fallback: boolean;
}

/** What the fallback hook is told: the request that failed and why. */
export interface TektonFallbackRequest {
  /** The request's messages (copies). */
  messages: TektonMessage[];
  /** The leading system message's text, or `null`. */
  systemPrompt: string | null;
  /** The request's context id. */
  contextId: string;
  /** The requested provider. */
  providerId: string;
  /** The requested model, or `null`. */
  modelId: string | null;
  /** True for a stream. */
  streaming: boolean;
  /** Why the request failed. */
  error: TektonLLMError;
  /** The text a failed stream had delivered already (`""` otherwise). */
  partial: string;
}

/** The fallback hook: the answer's text (or a promise of it). */
export type TektonFallbackHook = (request: TektonFallbackRequest) => string | Promise<string>;

/** A model of GET /api/v1/providers. */
export interface TektonModelInfo {
  /** Model id. */
  id: string;
  /** Display name (the id when the server gave none). */
  name: string;
  /** Context window in tokens, or `null`. */
  contextLength: number | null;
  /** Description, or `null`. */
  description: string | null;
  /** Prices as the server gave them, or `null`. */
  pricing: Record<string, unknown> | null;
  /** Capabilities (`"chat"`, ...). */
  capabilities: string[];
}

/** A provider of GET /api/v1/providers. */
export interface TektonProviderInfo {
  /** Display name (the id when the server gave none). */
  name: string;
  /** Whether the server marked it available. */
  available: boolean;
  /** Its models. */
  models: TektonModelInfo[];
  /** Its default model, or `null`. */
  defaultModel: string | null;
  /** Description, or `null`. */
  description: string | null;
}

/** The answer of GET /api/v1/providers (getProviders()). */
export interface TektonProviders {
  /** Providers by id. */
  providers: Record<string, TektonProviderInfo>;
  /** The server's default provider (`""` when it named none). */
  defaultProvider: string;
  /** The server's default model (`""` when it named none). */
  defaultModel: string;
}

/**
 * A streamed answer (textStream(), chatStream()): an async iterator of chunks, the last with
 * `done: true`. A failure without a fallback hook throws the TektonLLMError after the chunks
 * received; a cancel from outside the loop (cancelRequest(), the signal, shutdown()) throws a
 * CancelledError; leaving the loop, return() or cancel() ends it quietly.
 */
export class TektonChunkStream implements AsyncIterableIterator<TektonStreamingChunk, undefined> {
  private constructor();
  /** The request id (`<componentId>_<epoch ms>_<8 base36 characters>`), for cancelRequest(). */
  readonly requestId: string;
  /** The failure (the primary error when the fallback hook answered), else `null`. */
  error: TektonLLMError | null;
  /** Why generation stopped, once ended (`"fallback"` after the fallback hook), else `null`. */
  finishReason: string | null;
  /** Token counts once ended, or `null`. */
  usage: TektonUsage | null;
  /** True when the fallback hook answered. */
  fallback: boolean;
  /** The whole answer once the stream completed (also after the fallback hook), else `undefined`. */
  result: TektonCompletionResponse | undefined;
  /** Every chunk's text so far (fallback text included). */
  readonly text: string;
  /** True once the stream ended and every chunk was taken. */
  readonly done: boolean;
  /** The next chunk; the first call connects if needed and starts the request. */
  next(): Promise<IteratorResult<TektonStreamingChunk, undefined>>;
  /** Cancels the request if it is running; resolves once it ended (what leaving `for await` calls). */
  return(value?: undefined): Promise<IteratorResult<TektonStreamingChunk, undefined>>;
  /** Cancels as return() does, then rejects with `err`. */
  throw(err?: unknown): Promise<IteratorResult<TektonStreamingChunk, undefined>>;
  /** Cancels the request (idempotent); resolves once it ended. */
  cancel(): Promise<void>;
  /** The stream itself. */
  [Symbol.asyncIterator](): TektonChunkStream;
}

/** The Tekton LLM client (upstream's JS TektonLLMClient API) over HTTP, on the librealm core's `tekton` dialect. */
export class TektonLLMClient {
  /** @throws InvalidRequestError: an unknown option, a bad timeout or URL (also from the environment). */
  constructor(options?: TektonLLMClientOptions);
  /** The resolved component id. */
  readonly componentId: string;
  /** The resolved Rhetor URL. */
  readonly rhetorUrl: string;
  /**
   * True when `rhetorUrl` names an OpenAI-compatible server (its path ends with `/v1`): requests are
   * chat completions over the core's `openai-http` dialect and `getProviders()` answers one provider
   * (`providerId`) with the server's models.
   */
  readonly openaiCompatible: boolean;
  /** The `rhetorWsUrl` option (streams go over it), or `null`. */
  readonly rhetorWsUrl: string | null;
  /** The resolved provider. */
  readonly providerId: string;
  /** The resolved model (initialize() may set it from the provider's default), or `null`. */
  readonly modelId: string | null;
  /** The resolved timeout, seconds (`0` = none). */
  readonly timeout: number;
  /** The resolved retry count (not used). */
  readonly maxRetries: number;
  /** Whether the fallback hook may run. */
  readonly useFallback: boolean;
  /** The resolved auth token, or `null`. */
  readonly authToken: string | null;
  /** The fallback hook, or `null`. */
  readonly fallback: TektonFallbackHook | null;
  /** Whether failures are logged. */
  readonly debug: boolean;
  /** True once the health check passed, until shutdown() or a connection error. */
  readonly available: boolean;

  /** GET /api/v1/health (and the provider's default model when none is set); resolves `true` when healthy, never rejects. */
  initialize(): Promise<boolean>;
  /** Ends the requests in flight (streams end with a CancelledError); initialize() makes the client usable again. */
  shutdown(): Promise<void>;
  /** The prompt as a user message (after `systemPrompt`); rejects with a TektonLLMError. */
  generateText(prompt: string, options?: TektonTextOptions): Promise<TektonCompletionResponse>;
  /** A chat answer to `messages` (a leading system message travels as `system_prompt`). */
  generateChatResponse(messages: readonly TektonMessage[], options?: TektonRequestOptions): Promise<TektonCompletionResponse>;
  /** generateText's answer as a stream of chunks (`for await`). @throws InvalidRequestError at once for bad arguments. */
  textStream(prompt: string, options?: TektonTextOptions): TektonChunkStream;
  /** generateChatResponse's answer as a stream of chunks (`for await`). @throws InvalidRequestError at once for bad arguments. */
  chatStream(messages: readonly TektonMessage[], options?: TektonRequestOptions): TektonChunkStream;
  /** Streams with callbacks; returns the request id at once. @throws InvalidRequestError at once for bad arguments. */
  streamText(prompt: string, options?: TektonTextOptions & TektonStreamCallbacks): string;
  /** Streams a chat answer with callbacks; returns the request id at once. */
  streamChatResponse(messages: readonly TektonMessage[], options?: TektonRequestOptions & TektonStreamCallbacks): string;
  /** Cancels a running stream (its onError / loop gets a CancelledError); `false` for an unknown or ended id. */
  cancelRequest(requestId: string): boolean;
  /** GET /api/v1/providers, cached once read; rejects with the mapped error (no built-in fallback list). */
  getProviders(): Promise<TektonProviders>;
}

/** Details of a TektonLLMError. */
export interface TektonErrorDetails {
  /** The server's HTTP status. */
  httpStatus?: number;
  /** Seconds the server asked to wait (429). */
  retryAfter?: number;
  /** The core's status name (`"UNAUTHORIZED"`, ...). */
  coreCode?: string;
  /** The underlying error (a RealmError for the core's). */
  cause?: unknown;
}

/** Base class of every error of TektonLLMClient and its token utilities. */
export class TektonLLMError extends Error {
  /** The Tekton code of the class (`"CONNECTION"`, `"TIMEOUT"`, ...). */
  static readonly code: string;
  /** Makes one; `code` comes from the class. */
  constructor(message?: string, details?: TektonErrorDetails);
  /** The Tekton code: `CONNECTION`, `TIMEOUT`, `AUTHENTICATION`, `SERVICE_UNAVAILABLE`, `RATE_LIMITED`, `INVALID_REQUEST`, `ADAPTER`, `FALLBACK_FAILED`, `CANCELLED`. */
  code: string;
  /** The server's HTTP status, or `undefined`. */
  httpStatus: number | undefined;
  /** Seconds the server asked to wait (429 `Retry-After`), or `undefined`. */
  retryAfter: number | undefined;
  /** The core's status name (`"UNAUTHORIZED"`, ...), or `undefined` for errors of this package. */
  coreCode: string | undefined;
}
/** Rhetor could not be reached, or the connection broke (`CONNECTION`). */
export class ConnectionError extends TektonLLMError {}
/** The request did not end within its timeout: "Request timed out after N seconds" (`TIMEOUT`). */
export class TimeoutError extends TektonLLMError {}
/** HTTP 401 (`AUTHENTICATION`). */
export class AuthenticationError extends TektonLLMError {}
/** HTTP 503, or the client was shut down (`SERVICE_UNAVAILABLE`). */
export class ServiceUnavailableError extends TektonLLMError {}
/** HTTP 429; see `retryAfter` (`RATE_LIMITED`). */
export class RateLimitError extends TektonLLMError {}
/** HTTP 400, or invalid arguments, options or configuration (`INVALID_REQUEST`). */
export class InvalidRequestError extends TektonLLMError {}
/** Any other HTTP status: "Adapter 'rhetor' error: HTTP error 500: ..." (`ADAPTER`). */
export class AdapterError extends TektonLLMError {
  /** Makes one: the message becomes `Adapter '<adapterId>' error: <message>`. */
  constructor(adapterId: string, message: string, details?: TektonErrorDetails);
  /** The adapter (`"rhetor"`). */
  adapterId: string;
}
/** The fallback hook failed too: "Primary error: ... Fallback error: ..." (`FALLBACK_FAILED`). */
export class FallbackError extends TektonLLMError {}
/** The request was cancelled: cancelRequest(), the signal, shutdown() (`CANCELLED`). */
export class CancelledError extends TektonLLMError {}

/** Tokens of `text`: the plugged tokenizer's count, else the core's estimate (code points / 4, rounded down, + 1). */
export const countTokens: (text: string, model?: string) => number;
/** Σ(content tokens + 4) + 3 over the messages. */
export const countMessageTokens: <M extends { content: string }>(
  messages: readonly M[],
  model?: string,
) => { promptTokens: number; totalTokens: number };
/** The first `maxTokens * 4` characters (with a plugged tokenizer: the longest prefix that fits). */
export const truncateTextToTokenLimit: (text: string, maxTokens: number, model?: string) => string;
/** The newest messages that fit in `maxTokens` (content tokens), the last system message kept first; the caller's objects. */
export const optimizeMessagesForTokenLimit: <M extends { role: string; content: string }>(
  messages: readonly M[],
  maxTokens: number,
  model?: string,
  keepSystemPrompt?: boolean,
) => M[];
/** Plugs in a tokenizer `(text, model) => number` for the token utilities (process wide); `null` restores the estimate. */
export const setTokenizer: (tokenizer: ((text: string, model: string) => number) | null) => void;

export default RealmWebSocketClient;
