/**
 * @file realm.h
 * @brief librealm: a native client for LLM inference servers over WebSocket
 * and HTTP.
 *
 * This is the only public header. It is plain C99 and may be included from C++.
 *
 * @par Threading model (applies to every function below)
 *  - One process-wide event thread runs all network I/O for every client of
 *    the process. It is started with the first client and stopped when the
 *    last client is destroyed.
 *  - Every public function may be called from any thread, unless its
 *    documentation says otherwise.
 *  - Every callback (request callbacks, client event callback, completion
 *    callbacks, queue notify callback) runs on the event thread. Callbacks
 *    must return quickly and must not block. They may call any non-blocking
 *    function of this API (start requests, cancel, release); they must not
 *    call the blocking ones (realm_client_connect_wait(),
 *    realm_client_disconnect_wait(), realm_client_destroy()), which detect this
 *    and fail with #REALM_ERR_INVALID_STATE (destroy is deferred instead).
 *  - Pointers passed to a callback are valid only for the duration of that
 *    call unless stated otherwise; copy what you need.
 *
 * @par Request lifecycle
 *  - A request start function (realm_generate(), realm_call(), ...) either
 *    returns an error status and never calls back, or returns #REALM_OK, in
 *    which case the request is "accepted" and its handler receives zero or
 *    more token batches followed by EXACTLY ONE terminal callback (complete,
 *    error or cancelled), whatever happens to the connection, the server or
 *    the client.
 *  - Tokens are delivered in batches: one callback carries the tokens of one
 *    run of consecutive frames for that request within one pass of the event
 *    loop (a single stream: every token of the pass; interleaved streams: the
 *    tokens up to the next frame for another request). Batches of one request
 *    arrive in order; no token is delivered twice or dropped.
 *  - Instead of callbacks, a handler may name a #realm_queue_t ("pull mode"):
 *    the same events are then appended to the queue, whose wakeup fd becomes
 *    readable once per burst.
 *
 * @par Ownership
 *  Every object a `_new` function creates (options, client, queue, batch)
 *  belongs to the caller until its matching `_destroy` (or, for a batch,
 *  realm_batch_send() / realm_batch_discard()); every `_destroy` accepts NULL.
 *  A request reference returned through `out` is released with
 *  realm_request_release(). Error objects returned through `err` are freed
 *  with realm_error_destroy(). Strings and objects handed to callbacks, and
 *  strings returned by accessors, are owned by the library (see each
 *  function for how long they stay valid). Strings passed in are copied
 *  before the call returns unless stated otherwise.
 *
 * @par Errors
 *  Functions return #realm_status_t (0 = #REALM_OK, negative = error). Calls
 *  that can fail at run time also take an optional `realm_error_t **err`;
 *  when it is non-NULL and the call fails, `*err` receives a new error object
 *  (owned by the caller, free it with realm_error_destroy()); on success
 *  `*err` is left untouched. No C++ exception ever crosses this API (an
 *  unexpected one becomes #REALM_ERR_INTERNAL, an allocation failure
 *  #REALM_ERR_NO_MEMORY). There is no errno and no global "last error". API
 *  keys never appear in any error message or log line.
 */
#ifndef REALM_REALM_H
#define REALM_REALM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def REALM_API
 * Symbol decoration of every public function. REALM_STATIC means "linking
 * the static library (librealm.a)": no import/export attributes then. The
 * CMake target realm::realm_static and `pkg-config --static --cflags realm`
 * define it; with other build systems, define it yourself when linking
 * librealm.a (it matters on Windows; on ELF platforms both forms link). The
 * library's own build defines REALM_BUILDING (dllexport on Windows).
 */
#if defined(REALM_STATIC)
#define REALM_API
#elif defined(_WIN32)
#if defined(REALM_BUILDING)
#define REALM_API __declspec(dllexport)
#else
#define REALM_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define REALM_API __attribute__((visibility("default")))
#else
#define REALM_API
#endif

/* ======================================================================== */
/** @defgroup version Version
 *  Compile-time and run-time version of the library.
 *
 *  The version's single source: CMake (project version, SOVERSION), the
 *  Python package (pyproject.toml) and the changelog read the three
 *  REALM_VERSION_MAJOR/MINOR/PATCH lines; scripts/sync-version copies them
 *  into package.json. Compare REALM_VERSION_NUM (what the program was built
 *  against) with realm_version_num() (what is loaded) to detect a mismatch.
 *  @{ */
/* ======================================================================== */

/** Major version: an incompatible ABI change bumps it (it is the SOVERSION). */
#define REALM_VERSION_MAJOR 0
/** Minor version: compatible additions. */
#define REALM_VERSION_MINOR 1
/** Patch version: fixes only. */
#define REALM_VERSION_PATCH 0
/** 0xMMmmpp: major, minor, patch. Kept in step with realm_version_num(). */
#define REALM_VERSION_NUM \
    ((REALM_VERSION_MAJOR << 16) | (REALM_VERSION_MINOR << 8) | REALM_VERSION_PATCH)
/** @cond */
#define REALM_VERSION_STR_(x) #x
#define REALM_VERSION_XSTR_(x) REALM_VERSION_STR_(x)
/** @endcond */
/** "major.minor.patch", a string literal. Kept in step with realm_version(). */
#define REALM_VERSION_STRING \
    REALM_VERSION_XSTR_(REALM_VERSION_MAJOR) "." REALM_VERSION_XSTR_(REALM_VERSION_MINOR) \
    "." REALM_VERSION_XSTR_(REALM_VERSION_PATCH)

/** Library version string of the library actually loaded, e.g. "0.1.0".
 *  Static storage (never free it); never NULL. Any thread.
 *  @return "major.minor.patch" of the library loaded; static, never NULL. */
REALM_API const char *realm_version(void);
/** Library version as REALM_VERSION_NUM of the library actually loaded. Any thread.
 *  @return the loaded library's version as 0xMMmmpp (the layout of #REALM_VERSION_NUM). */
REALM_API int realm_version_num(void);

/** @} */

/* ======================================================================== */
/** @defgroup status Status codes and the error table
 *  What every call returns, with static names and descriptions.
 *  @{ */
/* ======================================================================== */

/**
 * Status codes. The names (realm_status_name()) are stable strings; where a
 * status corresponds to a code of the Realm wire protocol the name is that code
 * (e.g. "RATE_LIMIT_EXCEEDED", "UNAUTHORIZED"). New codes may be added in
 * minor versions: treat an unknown negative value as an error.
 */
typedef enum realm_status {
    REALM_OK = 0,                      /**< success */
    REALM_ERR_INVALID_ARGUMENT = -1,   /**< NULL or out-of-range argument, bad JSON, bad UTF-8 */
    REALM_ERR_INVALID_URL = -2,        /**< URL not ws:// or wss://, or unparsable */
    REALM_ERR_INVALID_STATE = -3,      /**< call not allowed now (e.g. blocking call on the event thread) */
    REALM_ERR_NO_MEMORY = -4,          /**< an allocation failed */
    REALM_ERR_INTERNAL = -5,           /**< a bug in librealm; please report */
    REALM_ERR_NOT_CONNECTED = -6,      /**< request on a client that is not connected or connecting */
    REALM_ERR_CONNECT_FAILED = -7,     /**< TCP connect, DNS or WebSocket upgrade failed */
    REALM_ERR_TLS = -8,                /**< TLS handshake or certificate verification failed */
    REALM_ERR_CONNECTION_LOST = -9,    /**< the connection dropped while the request was in flight */
    REALM_ERR_TIMEOUT = -10,           /**< connect or request timeout */
    REALM_ERR_IDLE_TIMEOUT = -11,      /**< no frame for the request within the idle timeout */
    REALM_ERR_CANCELLED = -12,         /**< cancelled by the caller, disconnect or destroy */
    REALM_ERR_UNAUTHORIZED = -13,      /**< bad/disabled API key, auth failure, tenant mismatch */
    REALM_ERR_RATE_LIMITED = -14,      /**< server code RATE_LIMIT_EXCEEDED; see retry-after */
    REALM_ERR_DISPATCH = -15,          /**< server code DISPATCH_ERROR (bad params, unknown function...) */
    REALM_ERR_SERVER_INTERNAL = -16,   /**< server code INTERNAL_ERROR */
    REALM_ERR_BACKEND = -17,           /**< server code BACKEND_ERROR (model failed mid-stream) */
    REALM_ERR_SERVER = -18,            /**< any other server error code (kept in realm_error_code) */
    REALM_ERR_PROTOCOL = -19,          /**< the server sent something that breaks the protocol */
    REALM_ERR_MESSAGE_TOO_LARGE = -20, /**< a message, inbound or a request's, exceeded the configured limit */
    REALM_ERR_QUEUE_FULL = -21,        /**< too many requests waiting for a connection, or active on the client */
    REALM_ERR_INVALID_REQUEST = -22,   /**< the server rejected the request (HTTP 400/422, OpenAI invalid_request_error) */
    REALM_ERR_NOT_FOUND = -23,         /**< the model or endpoint does not exist (HTTP 404, model_not_found) */
    REALM_ERR_TOO_MANY_CONNECTIONS = -24 /**< the process's connection capacity is used up: the shared event
                                              thread's descriptor table, sized from RLIMIT_NOFILE at its start
                                              (the message gives the limit); raise `ulimit -n` or use fewer
                                              clients. Retryable once connections close. */
} realm_status_t;

/** Static, upper-case name of a status ("RATE_LIMIT_EXCEEDED"); "UNKNOWN" if
 *  unknown. Never NULL; never free it. Any thread.
 *  @param status any status, known or not.
 *  @return the static name, "UNKNOWN" for a status this version does not know; never NULL. */
REALM_API const char *realm_status_name(realm_status_t status);
/** Static, human-readable description of a status; never NULL; never free it.
 *  Any thread.
 *  @param status any status, known or not.
 *  @return the static description ("unknown status" for a status this version does not
 *      know); never NULL. */
REALM_API const char *realm_strerror(realm_status_t status);

/** Broad families of errors, so that bindings can build exception hierarchies. */
typedef enum realm_error_category {
    REALM_CATEGORY_NONE = 0,      /**< not an error (#REALM_OK) */
    REALM_CATEGORY_ARGUMENT = 1,  /**< the caller passed something invalid */
    REALM_CATEGORY_CONNECTION = 2,/**< could not connect, or the connection was lost */
    REALM_CATEGORY_TIMEOUT = 3,   /**< a connect, request or idle timeout expired */
    REALM_CATEGORY_CANCELLED = 4, /**< cancelled by the caller, a disconnect or a destroy */
    REALM_CATEGORY_AUTH = 5,      /**< authentication or authorisation failed */
    REALM_CATEGORY_RATE_LIMIT = 6,/**< the server asked to slow down (see realm_error_retry_after_ms) */
    REALM_CATEGORY_SERVER = 7,    /**< the server reported an error for the request */
    REALM_CATEGORY_PROTOCOL = 8,  /**< the server broke the protocol or a size limit */
    REALM_CATEGORY_INTERNAL = 9   /**< a failure inside librealm (bug, out of memory, bad state) */
} realm_error_category_t;

/** One row of the error table. All strings are static. */
typedef struct realm_error_info {
    realm_status_t status;            /**< the status this row describes */
    const char *name;                 /**< same as realm_status_name(status) */
    const char *description;          /**< same as realm_strerror(status) */
    realm_error_category_t category;  /**< the family of the status */
    int retryable;                    /**< 1 if retrying the same call later may succeed */
} realm_error_info_t;

/**
 * The whole error table (every status including #REALM_OK), for bindings that
 * generate exception classes. `*count` (if count is non-NULL) receives the
 * number of rows. Static storage (never free it); never NULL. Any thread.
 * @param count NULL, or where the number of rows is stored.
 * @return the first row of the static table; never NULL.
 */
REALM_API const realm_error_info_t *realm_get_error_table(size_t *count);

/** @} */

/* ======================================================================== */
/** @defgroup errors Error objects
 *  Rich errors returned through `realm_error_t **err` and passed to callbacks.
 *
 *  An error returned through `err` belongs to the caller (free it with
 *  realm_error_destroy()). An error passed to a callback, or found in a
 *  polled queue event, belongs to the library and is valid only during the
 *  callback (or until the next poll): copy it with realm_error_copy() to
 *  keep it. Error objects are immutable, so any thread may read one.
 *  @{ */
/* ======================================================================== */

/** Opaque, immutable error object. */
typedef struct realm_error realm_error_t;

/** Frees an error the caller owns. Accepts NULL. Any thread.
 *  @param err an error the caller owns (from an `err` out-parameter or realm_error_copy()), or
 *      NULL; never one passed to a callback or found in a queue event. */
REALM_API void realm_error_destroy(realm_error_t *err);
/** Deep copy (e.g. to keep an error passed to a callback), owned by the
 *  caller: free it with realm_error_destroy(). NULL if err is NULL or out of
 *  memory. Any thread.
 *  @param err the error to copy (whoever owns it), or NULL.
 *  @return a new error owned by the caller, or NULL (NULL err, out of memory). */
REALM_API realm_error_t *realm_error_copy(const realm_error_t *err);
/** Status of the error; #REALM_ERR_INVALID_ARGUMENT for NULL.
 *  @param err the error, or NULL.
 *  @return its status (negative), #REALM_ERR_INVALID_ARGUMENT for NULL. */
REALM_API realm_status_t realm_error_status(const realm_error_t *err);
/**
 * Error code string: the server's code verbatim for server errors
 * (e.g. "RATE_LIMIT_EXCEEDED", "DISPATCH_ERROR", or an unknown code), otherwise
 * realm_status_name(status). Owned by err, valid as long as err; never NULL
 * ("" for a NULL err).
 * @param err the error, or NULL.
 * @return the code string, owned by err; "" for NULL.
 */
REALM_API const char *realm_error_code(const realm_error_t *err);
/** Human-readable message (server text for server errors). Owned by err,
 *  valid as long as err; never NULL ("" for a NULL err).
 *  @param err the error, or NULL.
 *  @return the message, owned by err; "" for NULL. */
REALM_API const char *realm_error_message(const realm_error_t *err);
/** 1 if the same call may succeed if retried later, else 0 (also for NULL).
 *  @param err the error, or NULL.
 *  @return 1 or 0. */
REALM_API int realm_error_retryable(const realm_error_t *err);
/** Suggested wait before retrying in milliseconds, or -1 when the server gave
 *  none (also for NULL).
 *  @param err the error, or NULL.
 *  @return the wait in milliseconds (>= 0), or -1. */
REALM_API int64_t realm_error_retry_after_ms(const realm_error_t *err);
/** HTTP status of a rejected WebSocket upgrade or of an HTTP dialect's
 *  answer, or 0.
 *  @param err the error, or NULL.
 *  @return the HTTP status, or 0 (none, or NULL err). */
REALM_API int realm_error_http_status(const realm_error_t *err);
/** WebSocket close code involved (1005 = closed without a code), or 0.
 *  @param err the error, or NULL.
 *  @return the close code, or 0 (none, or NULL err). */
REALM_API int realm_error_close_code(const realm_error_t *err);
/** OpenAI error envelope `type` (e.g. "invalid_request_error"), "" when absent.
 *  Owned by err; never NULL.
 *  @param err the error, or NULL.
 *  @return the type, owned by err; "" when absent or for NULL. */
REALM_API const char *realm_error_type(const realm_error_t *err);
/** OpenAI error envelope `param` (the offending field), "" when absent. Owned by err; never NULL.
 *  @param err the error, or NULL.
 *  @return the field name, owned by err; "" when absent or for NULL. */
REALM_API const char *realm_error_param(const realm_error_t *err);

/** @} */

/* ======================================================================== */
/** @defgroup options Client options
 *  Validated settings copied into a client by realm_client_new().
 *
 *  Setters: each validates its value and returns #REALM_OK, or
 *  #REALM_ERR_INVALID_ARGUMENT (NULL opts or bad value; the option keeps its
 *  previous value), or #REALM_ERR_INVALID_URL for a bad URL. Strings are
 *  copied. Defaults are given in brackets. Booleans are exactly 0 or 1.
 *
 *  Threads: an options object is a plain value without a lock; any thread may
 *  use it, but not two threads at once. The client takes a copy, so later
 *  changes do not affect existing clients.
 *  @{ */
/* ======================================================================== */

/** Opaque options object; copied by realm_client_new, so it may be destroyed after. */
typedef struct realm_options realm_options_t;

/** New options with defaults, owned by the caller (free with
 *  realm_options_destroy()). Returns NULL only when out of memory.
 *  @return new options with every default, or NULL when out of memory. */
REALM_API realm_options_t *realm_options_new(void);
/** Frees options. Accepts NULL. Clients created from them are not affected.
 *  @param opts options to free, or NULL. */
REALM_API void realm_options_destroy(realm_options_t *opts);

/** Server URL, "ws://host[:port][/path]", "wss://...", "http://..." or
 *  "https://..." ["ws://localhost:8080"]; the scheme in any case. The scheme
 *  and path pick the dialect unless realm_options_set_dialect says otherwise. User info ("user:pass@") in the URL is rejected:
 *  pass secrets with set_api_key.
 *  @param opts the options to change.
 *  @param url the URL, NUL-terminated; copied.
 *  @return #REALM_OK; #REALM_ERR_INVALID_URL for an unparsable URL, another
 *  scheme or user info; #REALM_ERR_INVALID_ARGUMENT for NULL opts or url. */
REALM_API realm_status_t realm_options_set_url(realm_options_t *opts, const char *url);
/** API key sent in the auth handshake when the server asks for it (a Bearer
 *  header on the HTTP dialects); NULL clears [none]. Never logged.
 *  @param opts the options to change.
 *  @param api_key the key, UTF-8, NUL-terminated (copied), or NULL to clear it.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or a key that
 *  is not UTF-8. */
REALM_API realm_status_t realm_options_set_api_key(realm_options_t *opts, const char *api_key);
/** Tenant id put on every call; 3-64 bytes of letters, digits, '-' or '_'; NULL clears.
 *  [none: the tenant of the API key when the server authenticates, else a random UUIDv4].
 *  If the server authenticates the key to a different tenant, connect fails with
 *  REALM_ERR_UNAUTHORIZED.
 *  @param opts the options to change.
 *  @param tenant_id the tenant id, NUL-terminated (copied), or NULL to clear it.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or a bad id. */
REALM_API realm_status_t realm_options_set_tenant_id(realm_options_t *opts, const char *tenant_id);
/** Default model put in generate params when the call names none; NULL clears [none].
 *  @param opts the options to change.
 *  @param model the model name, UTF-8, NUL-terminated (copied), or NULL to clear it.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or bad UTF-8. */
REALM_API realm_status_t realm_options_set_model(realm_options_t *opts, const char *model);
/** Time allowed for TCP + TLS + upgrade + auth handshake, 1..3600000 ms [10000].
 *  @param opts the options to change.
 *  @param ms the connect timeout in milliseconds, 1..3600000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_connect_timeout_ms(realm_options_t *opts, uint32_t ms);
/** Default total time allowed per request from acceptance to its terminal event
 *  (includes queue time), 0 = none, else 1..86400000 ms [30000]. A request
 *  that runs out ends with #REALM_ERR_TIMEOUT.
 *  @param opts the options to change.
 *  @param ms the request timeout in milliseconds, 0 (none) or 1..86400000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_request_timeout_ms(realm_options_t *opts, uint32_t ms);
/** Default maximum silence between frames of a sent request, 0 = none [0].
 *  Against servers that serve one request at a time (no "interleave"), the
 *  clock starts at the request's first frame, so queueing is not idle time.
 *  A request that stays silent longer ends with #REALM_ERR_IDLE_TIMEOUT.
 *  @param opts the options to change.
 *  @param ms the idle timeout in milliseconds, 0 (none) or 1..86400000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_idle_timeout_ms(realm_options_t *opts, uint32_t ms);
/** Reconnect automatically after an established connection drops [1].
 *  @param opts the options to change.
 *  @param enabled 1 to reconnect, 0 not to.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or a value
 *  other than 0 or 1. */
REALM_API realm_status_t realm_options_set_reconnect(realm_options_t *opts, int enabled);
/** First reconnect delay, 1..3600000 ms [1000]. Delay n = min(base * 2^(n-1), cap) +/- jitter.
 *  @param opts the options to change.
 *  @param ms the first delay in milliseconds, 1..3600000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_backoff_base_ms(realm_options_t *opts, uint32_t ms);
/** Largest reconnect delay, >= 1 ms [30000].
 *  @param opts the options to change.
 *  @param ms the largest delay in milliseconds, 1..86400000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_backoff_cap_ms(realm_options_t *opts, uint32_t ms);
/** Reconnect attempts before giving up, 0 = unlimited [10; openai-ws: 5, as openai-ws.md 8 says].
 *  After the last one, waiting requests end with #REALM_ERR_CONNECTION_LOST
 *  and new ones are refused with #REALM_ERR_NOT_CONNECTED.
 *  @param opts the options to change.
 *  @param n attempts, 0 (unlimited) or 1..1000000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_backoff_max_attempts(realm_options_t *opts, uint32_t n);
/** Jitter as a percentage of the delay, applied +/-, 0..100 [20].
 *  @param opts the options to change.
 *  @param pct jitter in percent of the delay, 0..100.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_backoff_jitter_percent(realm_options_t *opts, uint32_t pct);
/** Keepalive ping interval once authenticated, 0 = off [30000]. A ping is sent
 *  when the connection has been quiet for half an interval; the connection is
 *  declared dead (REALM_ERR_CONNECTION_LOST) when neither its pong nor any
 *  frame arrives within one interval, except while a request is being served
 *  by a server that answers pings only between requests (no "interleave").
 *  @param opts the options to change.
 *  @param ms the interval in milliseconds, 0 (no keepalive) or 1..86400000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_ping_interval_ms(realm_options_t *opts, uint32_t ms);
/** PEM file of CA certificates trusted for wss:// and https:// in addition to
 *  the system's; NULL clears. The file is read when connecting: a missing or
 *  unreadable file makes connecting fail (#REALM_ERR_CONNECT_FAILED or
 *  #REALM_ERR_TLS, the message naming the file).
 *  @param opts the options to change.
 *  @param path path of the PEM file, NUL-terminated (copied; not opened until connecting), or NULL
 *      to clear it.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or "". */
REALM_API realm_status_t realm_options_set_tls_ca_file(realm_options_t *opts, const char *path);
/** DANGER: 1 disables certificate and host-name verification for wss:// and
 *  https:// [0].
 *  @param opts the options to change.
 *  @param insecure 1 to skip verification (tests only), 0 to verify.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or a value
 *  other than 0 or 1. */
REALM_API realm_status_t realm_options_set_tls_insecure(realm_options_t *opts, int insecure);
/** Largest message, 1024..1073741824 bytes [16777216]. A larger inbound
 *  message closes the connection (1009) and fails in-flight requests with
 *  REALM_ERR_MESSAGE_TOO_LARGE. A request whose frame would be larger is not
 *  sent and fails alone with REALM_ERR_MESSAGE_TOO_LARGE (servers close the
 *  connection on an oversized message; the upstream server's frame limit is
 *  16 MiB).
 *  @param opts the options to change.
 *  @param bytes the limit in bytes, 1024..1073741824.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_max_message_size(realm_options_t *opts, size_t bytes);
/** Most requests waiting for a connection, 1..1048576 [4096]: back-pressure
 *  while the client connects or reconnects, or while all its connections are
 *  taken (openai-ws pool, openai-http). Past that, start functions return
 *  REALM_ERR_QUEUE_FULL. Requests started while a multiplexed connection
 *  (realm, openai-ws "multiplex") is ready are not counted: they go out at
 *  once, their frames waiting in the connection's send buffer only for socket
 *  writability. Memory bound: a client holds at most
 *  max(REALM_MAX_ACTIVE_REQUESTS, this limit) requests accepted and not yet
 *  ended, whatever its state (each costs its request frame plus about 1 KiB,
 *  and its received text until it ends); past that, start functions return
 *  REALM_ERR_QUEUE_FULL as well.
 *  @param opts the options to change.
 *  @param n the limit, 1..1048576.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_max_queued_requests(realm_options_t *opts, uint32_t n);
/** Requests one client holds at once (accepted, not yet ended) with the default
 *  max_queued_requests; see realm_options_set_max_queued_requests. */
#define REALM_MAX_ACTIVE_REQUESTS 65536
/** Default of realm_options_set_busy_poll_us. */
#define REALM_DEFAULT_BUSY_POLL_US 100
/** Busy polling, 0..1000000 us [REALM_DEFAULT_BUSY_POLL_US = 100]. After this client sends a request or
 *  receives a frame, the event thread keeps polling its sockets without
 *  sleeping for this long (giving up the CPU between polls, so threads that
 *  share the core still run) before it sleeps in poll() again. An answer that
 *  arrives within the window is read at once instead of after a thread
 *  wake-up, which on a virtual machine can cost tens of microseconds. Costs
 *  up to this much CPU time per request and per burst of frames; 0 = always
 *  sleep. The event thread is shared by all clients of the process: it polls
 *  while any client's window is open.
 *  @param opts the options to change.
 *  @param us the window in microseconds, 0..1000000.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or out of range. */
REALM_API realm_status_t realm_options_set_busy_poll_us(realm_options_t *opts, uint32_t us);

/**
 * The wire protocol ["auto"]:
 *  - "realm": the Realm function-dispatch protocol over one WebSocket;
 *  - "openai-ws": the OpenAI-style WebSocket API (/v1/chat/completions or
 *    /v1/completions): a pool of connections with one request each, or one
 *    connection multiplexed by request_id with the "multiplex" option;
 *  - "openai-http": OpenAI-compatible HTTP servers (llama.cpp, vLLM, Ollama,
 *    OpenAI), one HTTP exchange per request, streamed with Server-Sent Events;
 *  - "tekton": the Tekton LLM client's HTTP API (/api/v1/chat, /api/v1/chat/stream;
 *    the URL's path is ignored), only when named: never chosen by "auto";
 *  - "tekton-ws": the Tekton WebSocket protocol (ws(s)://host/ws; REGISTER,
 *    requests multiplexed by request_id, CANCEL, PING/PONG), only when named;
 *    the option client_id is its component_id ["librealm"]. See docs/tekton.md;
 *  - "ws-system": the RSA challenge-response WebSocket System protocol
 *    (ollama-ws-system), only when named; needs the options client_id and
 *    private_key_path (or private_key). See docs/ws-system.md;
 *  - "auto": from the URL: http:// and https:// -> openai-http; ws(s):// whose
 *    path ends in /v1/chat/completions or /v1/completions -> openai-ws; any
 *    other ws(s):// -> realm.
 *
 * A dialect that does not fit the URL's scheme makes realm_client_new fail
 * with REALM_ERR_INVALID_ARGUMENT.
 *  @param opts the options to change.
 *  @param name "auto", "realm", "openai-ws", "openai-http", "tekton", "tekton-ws" or "ws-system",
 *      NUL-terminated.
 * @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts or name, or an
 * unknown name.
 */
REALM_API realm_status_t realm_options_set_dialect(realm_options_t *opts, const char *name);
/**
 * Adds a request header sent on the WebSocket upgrade and on every HTTP
 * request (e.g. "OpenAI-Organization"). `name` must be an HTTP token and not
 * one the library sets itself (Host, Content-Length, Content-Type,
 * Connection, Upgrade, Sec-WebSocket-*); `value` must not contain CR, LF or
 * NUL. A NULL value removes every header of that name. Values are never
 * logged.
 * @param opts the options to change.
 * @param name the header name, NUL-terminated (copied).
 * @param value its value, NUL-terminated (copied), or NULL to remove every header of that name.
 * @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL opts, a bad or
 * reserved name, or a bad value.
 */
REALM_API realm_status_t realm_options_set_header(realm_options_t *opts, const char *name, const char *value);
/**
 * Sets any option by name from text, and says why it refused a value. The
 * bindings use this one instead of restating the rules. Keys (values in
 * brackets are the defaults; durations in ms; booleans "true"/"false"/"1"/"0"):
 *   url, api_key, tenant_id, model, dialect [auto], header ("Name: value"),
 *   connect_timeout_ms [10000; ws-system 60000], request_timeout_ms [30000; ws-system 60000],
 *   idle_timeout_ms [0],
 *   reconnect [true], backoff_base_ms [1000], backoff_cap_ms [30000],
 *   backoff_max_attempts [10; openai-ws 5; ws-system 10; tekton-ws 0 = unlimited], backoff_jitter_percent [20],
 *   ping_interval_ms [30000],
 *   tls_ca_file, tls_insecure [false], max_message_size [16777216],
 *   max_queued_requests [4096], busy_poll_us [100],
 *   max_connections [0 = the dialect's default: openai-ws 4, openai-http 32],
 *   auth_message [false] (openai-ws: send {"type":"auth"} instead of a Bearer header),
 *   multiplex [false] (openai-ws: requests share one socket by request_id),
 *   json_ping [false] (openai-ws: keepalive with {"type":"ping"} frames),
 *   endpoint ["" = from the URL; "chat" or "completions"],
 *   client_id (ws-system: the id the server registered; tekton-ws: the
 *   component_id of REGISTER), private_key_path
 *   (ws-system: a PEM private key file, PKCS#8, PKCS#1 RSA or SEC1 EC),
 *   private_key (ws-system: the PEM text itself), private_key_passphrase
 *   (ws-system: for an encrypted PEM), signature_algorithm [SHA256]
 *   (ws-system: SHA256, SHA384, SHA512 or RSA-SHA256/384/512),
 *   urls (several servers of one service, separated by spaces: connect to
 *   the first that answers, fail over to the next when it fails or its
 *   connection is lost; each must have the scheme family and the path of the
 *   first; at most 16; setting url replaces them),
 *   max_retries [2; tekton-ws 0] (a request that failed before any of its answer arrived,
 *   with a connection error, a timeout, HTTP 503 or 429, or the server's
 *   RATE_LIMIT_EXCEEDED, is sent again up to this many times; a started
 *   answer is never re-sent; each attempt has the full request_timeout_ms),
 *   retry_base_ms [1000] and retry_cap_ms [30000] (the delay before retry n
 *   is base x 2^(n-1), capped, +/-15% jitter, and never shorter than the
 *   server's Retry-After).
 *
 * The ws-system key is read once by realm_client_new, which fails with
 * REALM_ERR_INVALID_ARGUMENT when it is missing, unreadable or malformed;
 * the key, its passphrase and signatures never appear in logs or errors.
 * Each key has the rules of its typed setter. On failure the option keeps its
 * value and *err (if err is non-NULL) names the key and the rule; secrets are
 * never quoted.
 *  @param opts the options to change.
 *  @param key the option's name (one of the keys above), NUL-terminated.
 *  @param value its value as text, NUL-terminated (copied); not NULL (to clear a string option, use
 *      its typed setter with NULL).
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK, #REALM_ERR_INVALID_ARGUMENT (unknown key, bad value,
 * NULL opts/key/value) or #REALM_ERR_INVALID_URL.
 */
REALM_API realm_status_t realm_options_set(realm_options_t *opts, const char *key, const char *value,
                                           realm_error_t **err);
/**
 * Applies the client settings of the environment, as the SDKs do before
 * their explicit arguments (so an argument wins over the environment, which
 * wins over the defaults). Variables that are unset or empty are skipped:
 *   REALM_URL (the option url; several URLs separated by spaces set urls),
 *   REALM_API_KEY (api_key), REALM_DIALECT (dialect),
 *   REALM_TIMEOUT (request_timeout_ms, given in seconds: "2.5"; "0" = none),
 *   REALM_MAX_RETRIES (max_retries).
 * Only this call reads them: a program that does not call it is not steered
 * by the environment. (REALM_LOG and REALM_DEBUG set the default log; see
 * realm_set_log_callback().) All or nothing: on a bad value the options are
 * unchanged and *err names the variable and its rule (never quoting
 * REALM_API_KEY). Any thread; reads the process environment, so it must not
 * race with setenv().
 * @param opts the options to change.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK, #REALM_ERR_INVALID_ARGUMENT (NULL opts, a bad value) or
 * #REALM_ERR_INVALID_URL (REALM_URL).
 */
REALM_API realm_status_t realm_options_load_env(realm_options_t *opts, realm_error_t **err);
/** @} */

/* ======================================================================== */
/** @defgroup results Tokens and results
 *  What a request delivers: token batches while it runs, a result at its end.
 *
 *  A result is opaque and owned by the library: valid during the terminal
 *  callback, or until the next realm_queue_poll() in pull mode. Every
 *  accessor accepts NULL and then returns the "absent" value; strings it
 *  returns are owned by the result. Any thread may call the accessors while
 *  the result is valid.
 *  @{ */
/* ======================================================================== */

/** Opaque client: one server URL, its connection(s) and its requests. See @ref client. */
typedef struct realm_client realm_client_t;
/** Opaque, reference-counted request. The caller's reference (from a start
 *  function's `out`) is released with realm_request_release(). See @ref requests. */
typedef struct realm_request realm_request_t;
/** Opaque result of a completed request, owned by the library. */
typedef struct realm_result realm_result_t;
/** Opaque event queue of pull mode. See @ref queue. */
typedef struct realm_queue realm_queue_t;

/** realm_token_t.flags bits */
#define REALM_TOKEN_FINAL 0x1u        /**< the server marked this token is_final */
#define REALM_TOKEN_HAS_LOGPROB 0x2u  /**< logprob is valid */

/** One streamed token. `text` is UTF-8, NOT NUL-terminated; use `len`.
 *  Owned by the library: valid during the callback (or until the next
 *  realm_queue_poll() in pull mode). */
typedef struct realm_token {
    const char *text;  /**< UTF-8 bytes of the token, NOT NUL-terminated */
    size_t len;        /**< number of bytes at `text` */
    int64_t index;     /**< server's 0-based index, or the arrival position if absent */
    double logprob;    /**< valid only with REALM_TOKEN_HAS_LOGPROB */
    uint32_t flags;    /**< REALM_TOKEN_* bits */
} realm_token_t;

/** How a request ended. */
typedef enum realm_outcome {
    REALM_OUTCOME_COMPLETE = 1,  /**< the server answered; a result is available */
    REALM_OUTCOME_ERROR = 2,     /**< failed; the error says why */
    REALM_OUTCOME_CANCELLED = 3  /**< cancelled by realm_request_cancel(), a disconnect, a destroy or a
                                      discarded batch (error status #REALM_ERR_CANCELLED) */
} realm_outcome_t;

/*
 * Result accessors. A result is opaque and owned by the library: valid during
 * the callback, or until the next realm_queue_poll in pull mode. Every
 * accessor accepts NULL and then returns the "absent" value. Any thread.
 */
/** Generated text: for streams the concatenation of all tokens, otherwise
 *  data.text; "" (len 0) when there is none. Never NULL; NUL-terminated.
 *  `*len` (if len is non-NULL) receives its length in bytes. Owned by r.
 *  @param r the result, or NULL.
 *  @param len NULL, or receives the length in bytes (0 for NULL r).
 *  @return the text, owned by r; "" for NULL r. */
REALM_API const char *realm_result_text(const realm_result_t *r, size_t *len);
/** tokens_generated, or -1 if the server did not send it.
 *  @param r the result, or NULL.
 *  @return the count, or -1 (absent, or NULL r). */
REALM_API int64_t realm_result_tokens_generated(const realm_result_t *r);
/** prompt_tokens, or -1 if absent.
 *  @param r the result, or NULL.
 *  @return the count, or -1 (absent, or NULL r). */
REALM_API int64_t realm_result_prompt_tokens(const realm_result_t *r);
/** cost_usd; returns 1 and stores it in *out (if out is non-NULL) if present, else 0.
 *  @param r the result, or NULL.
 *  @param out NULL, or receives the cost in US dollars when present (untouched otherwise).
 *  @return 1 if present, 0 if absent or r is NULL. */
REALM_API int realm_result_cost_usd(const realm_result_t *r, double *out);
/** time_ms; returns 1 and stores it in *out (if out is non-NULL) if present, else 0.
 *  @param r the result, or NULL.
 *  @param out NULL, or receives the server's time in milliseconds when present (untouched
 *      otherwise).
 *  @return 1 if present, 0 if absent or r is NULL. */
REALM_API int realm_result_time_ms(const realm_result_t *r, double *out);
/** Number of tokens streamed to the handler (0 for a single-frame answer).
 *  @param r the result, or NULL.
 *  @return the number of tokens, 0 for NULL r. */
REALM_API int64_t realm_result_streamed_tokens(const realm_result_t *r);
/** The raw JSON of the server's final `data` value (e.g. health or metadata
 *  object, an HTTP dialect's whole JSON answer); "null" if absent. Never
 *  NULL; NUL-terminated; owned by r. `*len` (if len is non-NULL) receives
 *  its length in bytes.
 *  @param r the result, or NULL.
 *  @param len NULL, or receives the length in bytes.
 *  @return the JSON text, owned by r; "null" when absent or r is NULL. */
REALM_API const char *realm_result_json(const realm_result_t *r, size_t *len);
/** Why generation stopped, as the server said ("stop", "length", ...), ""
 *  when it did not say. Never NULL; owned by r.
 *  @param r the result, or NULL.
 *  @return the reason, owned by r; "" when absent or r is NULL. */
REALM_API const char *realm_result_finish_reason(const realm_result_t *r);
/** Usage: completion tokens, or -1 if the server did not send it.
 *  @param r the result, or NULL.
 *  @return the count, or -1 (absent, or NULL r). */
REALM_API int64_t realm_result_completion_tokens(const realm_result_t *r);
/** Usage: total tokens, or -1 if the server did not send it.
 *  @param r the result, or NULL.
 *  @return the count, or -1 (absent, or NULL r). */
REALM_API int64_t realm_result_total_tokens(const realm_result_t *r);
/** The model the server said it used ("" when it did not say). Never NULL; owned by r.
 *  @param r the result, or NULL.
 *  @return the model name, owned by r; "" when absent or r is NULL. */
REALM_API const char *realm_result_model(const realm_result_t *r);
/** Round trip measured by the client from the moment the request was written
 *  to its connection until its end, in milliseconds; -1 if it was never sent
 *  (or r is NULL).
 *  @param r the result, or NULL.
 *  @return milliseconds, or -1. */
REALM_API double realm_result_elapsed_ms(const realm_result_t *r);
/** Time to first token measured by the client from the moment the request
 *  was written to its connection, in milliseconds; -1 if no token arrived
 *  (or r is NULL).
 *  @param r the result, or NULL.
 *  @return milliseconds, or -1. */
REALM_API double realm_result_first_token_ms(const realm_result_t *r);

/** @} */

/* ======================================================================== */
/** @defgroup handler Request handlers
 *  Where a request reports: callbacks on the event thread, or a queue.
 *  @{ */
/* ======================================================================== */

/** Token batch callback: `count` >= 1 tokens, in order, laid out with the
 *  stride of realm_handler_t.token_size. Runs on the event thread; must not
 *  block. `tokens` and their text are valid only during the call.
 *  @param user realm_handler_t.user, unchanged.
 *  @param req the request (valid during the call; the caller's reference keeps it longer).
 *  @param tokens the first token; the array has `count` entries with the stride
 *      realm_handler_t.token_size.
 *  @param count number of tokens, >= 1. */
typedef void (*realm_tokens_cb)(void *user, realm_request_t *req,
                                const realm_token_t *tokens, size_t count);
/**
 * Terminal callback, exactly once per accepted request. Event thread.
 * `result` is non-NULL only for REALM_OUTCOME_COMPLETE; `error` is non-NULL for
 * REALM_OUTCOME_ERROR and REALM_OUTCOME_CANCELLED (status REALM_ERR_CANCELLED).
 * Both belong to the library and are valid only during the call (copy the
 * error with realm_error_copy() to keep it). `req` stays valid while the
 * caller holds its reference; it may be released from inside this callback.
 * @param user realm_handler_t.user, unchanged.
 * @param req the request (see above).
 * @param outcome how it ended.
 * @param result with #REALM_OUTCOME_COMPLETE: the result (owned by the library, valid during the
 *     call); else NULL.
 * @param error with #REALM_OUTCOME_ERROR or #REALM_OUTCOME_CANCELLED: the error (owned by the
 *     library, valid during the call); else NULL.
 */
typedef void (*realm_done_cb)(void *user, realm_request_t *req, realm_outcome_t outcome,
                              const realm_result_t *result, const realm_error_t *error);

/**
 * Start callback: the server said it started the request (ws-system
 * `stream_start`), with the model it runs (UTF-8, NUL-terminated, "" when it
 * named none; valid only during the call). At most once per request, before
 * its tokens. Event thread.
 * @param user realm_handler_t.user, unchanged.
 * @param req the request (valid during the call; the caller's reference keeps it longer).
 * @param model the model the server runs it on, "" when it named none; valid during the call.
 */
typedef void (*realm_started_cb)(void *user, realm_request_t *req, const char *model);

/** realm_handler_t.events bits */
#define REALM_HANDLER_EV_STARTED 0x1u  /**< report the server's start: on_started, or REALM_QEV_STARTED */

/**
 * Where a request reports. Initialise with REALM_HANDLER_INIT. Either set
 * callbacks, or set `queue` (pull mode: callbacks are then ignored and events
 * carrying `user` are appended to the queue). The library copies the handler
 * when the request starts; the struct itself may be freed after.
 */
typedef struct realm_handler {
    size_t struct_size;         /**< sizeof(realm_handler_t) as the caller compiled it (set by REALM_HANDLER_INIT);
                                     the library reads only the fields within it */
    void *user;                 /**< passed back unchanged to every callback, or in every queue event */
    realm_tokens_cb on_tokens;  /**< may be NULL: tokens are then only in the result text */
    realm_done_cb on_done;      /**< may be NULL */
    realm_queue_t *queue;       /**< pull mode; the queue must outlive the request's DONE event */
    size_t token_size;          /**< sizeof(realm_token_t) as the caller compiled it: token arrays handed
                                     to this handler have that stride, so realm_token_t may grow (fields
                                     are only appended). 0 = the first layout. */
    /* Appended with ws-system. */
    uint32_t events;            /**< REALM_HANDLER_EV_* bits: optional events this handler wants */
    realm_started_cb on_started;/**< with REALM_HANDLER_EV_STARTED in callback mode; may be NULL */
} realm_handler_t;
/** Initialiser of realm_handler_t: sizes set, everything else NULL/0. */
#define REALM_HANDLER_INIT {sizeof(realm_handler_t), NULL, NULL, NULL, NULL, sizeof(realm_token_t), 0, NULL}

/** @} */

/* ======================================================================== */
/** @defgroup queue Pull mode (queues)
 *  Requests and client events appended to a queue with a wakeup fd, polled
 *  by the application's own thread (the Python SDK is built on it).
 *  @{ */
/* ======================================================================== */

/** Kinds of queue events. */
typedef enum realm_queue_event_kind {
    REALM_QEV_TOKENS = 1,  /**< tokens/token_count are set */
    REALM_QEV_DONE = 2,    /**< outcome/result/error are set, as for realm_done_cb */
    REALM_QEV_CLIENT = 3,  /**< client_event is set (see realm_client_set_event_queue) */
    REALM_QEV_STARTED = 4  /**< the server started the request (handlers with REALM_HANDLER_EV_STARTED
                                only): `result` is set and realm_result_model() names the model */
} realm_queue_event_kind_t;

struct realm_client_event;

/** One event polled from a queue. Pointers are valid until the next poll on that queue. */
typedef struct realm_queue_event {
    realm_queue_event_kind_t kind;  /**< which of the fields below are set */
    void *user;                  /**< handler.user, or the user given to set_event_queue */
    realm_request_t *request;    /**< NULL for REALM_QEV_CLIENT; the queue holds its own reference until the
                                      next poll, so it is valid even if the caller released theirs */
    const realm_token_t *tokens; /**< REALM_QEV_TOKENS: the tokens (consecutive batches of one request merged) */
    size_t token_count;          /**< REALM_QEV_TOKENS: number of tokens */
    realm_outcome_t outcome;     /**< REALM_QEV_DONE: how the request ended */
    const realm_result_t *result;/**< REALM_QEV_DONE with REALM_OUTCOME_COMPLETE, and REALM_QEV_STARTED; else NULL */
    const realm_error_t *error;  /**< REALM_QEV_DONE with REALM_OUTCOME_ERROR or REALM_OUTCOME_CANCELLED; else NULL */
    const struct realm_client_event *client_event; /**< REALM_QEV_CLIENT: the connection event */
} realm_queue_event_t;

/** New empty queue, owned by the caller (free it with realm_queue_destroy()).
 *  Any thread.
 *  @param out receives the new queue; not NULL.
 *  @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT for NULL out;
 *  #REALM_ERR_NO_MEMORY; #REALM_ERR_INTERNAL when its eventfd cannot be
 *  created (e.g. out of file descriptors). */
REALM_API realm_status_t realm_queue_new(realm_queue_t **out);
/**
 * Frees a queue and any events still in it. Accepts NULL. Call only when no
 * accepted request still reports to it (its DONE event was polled) and no
 * client still has it as event queue.
 * @param q the queue to free, or NULL.
 */
REALM_API void realm_queue_destroy(realm_queue_t *q);
/**
 * A file descriptor (eventfd) that becomes readable when events arrive while
 * the consumer has drained the queue. Read it (8 bytes) or ignore its value,
 * then poll until realm_queue_poll returns fewer than `max`. Owned by the queue
 * (do not close it). -1 for NULL.
 * @param q the queue, or NULL.
 * @return the eventfd (owned by the queue), or -1 for NULL q.
 */
REALM_API int realm_queue_fd(const realm_queue_t *q);
/**
 * Optional callback run on the event thread under the same condition as the fd
 * (at most once per burst, after the consumer drained the queue). It must only
 * signal another thread (it must not poll the queue). Pass NULL to remove.
 * @param q the queue.
 * @param notify the callback, run on the event thread with `user`; NULL removes it.
 * @param user passed to `notify` unchanged.
 * @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for a NULL queue.
 */
REALM_API realm_status_t realm_queue_set_notify(realm_queue_t *q, void (*notify)(void *user), void *user);
/**
 * Moves up to `max` events into `out` and returns how many (0 for NULL q or
 * out, or max 0). Consecutive token
 * batches of one request are merged. Events (and their pointers) stay valid
 * until the next poll on this queue or its destruction. Not thread-safe
 * against concurrent polls of the same queue.
 * @param q the queue, or NULL.
 * @param out array of at least `max` events to fill, or NULL.
 * @param max capacity of `out`.
 * @return the number of events stored in `out` (0..max); 0 for NULL q or out, max 0, or an empty
 *     queue.
 */
REALM_API size_t realm_queue_poll(realm_queue_t *q, realm_queue_event_t *out, size_t max);

/** @} */

/* ======================================================================== */
/** @defgroup logging Logging
 *  The library's process-wide log.
 *  @{ */
/* ======================================================================== */

/** Log levels, most important first. */
typedef enum realm_log_level {
    REALM_LOG_ERROR = 1,  /**< errors (none at present: failures are reported at REALM_LOG_WARN) */
    REALM_LOG_WARN = 2,   /**< connection failed or lost, server and protocol errors, TLS warnings */
    REALM_LOG_INFO = 3,   /**< connection events: connecting, connected, lost, reconnecting */
    REALM_LOG_DEBUG = 4   /**< protocol detail, libwebsockets' own messages */
} realm_log_level_t;

/** A log line: `message` is UTF-8, without a trailing newline, valid during the call.
 *  @param user the `user` given to realm_set_log_callback(), unchanged.
 *  @param level the line's level.
 *  @param message the line: UTF-8, NUL-terminated, no trailing newline; valid during the call. */
typedef void (*realm_log_cb)(void *user, realm_log_level_t level, const char *message);

/**
 * Routes the library's log (process-wide, every client) to `cb`, for
 * messages at `max_level` or more important; NULL `cb` restores the default:
 * stderr at the level the environment variable REALM_LOG names ("error",
 * "warn", "info" or "debug"; unset or anything else: nothing), or at
 * REALM_LOG_DEBUG when REALM_DEBUG is set to anything but "0". API keys, tokens and the values of
 * request headers never appear in a message; `token=` in a URL is shown as
 * `token=***`. `cb` runs on the event thread (or on the thread of the call
 * that logs), must not block and must not call back into the library. When
 * this returns, the previous callback is not running and will not be called
 * again.
 * @param cb the callback, or NULL for the default.
 * @param user passed to `cb` unchanged.
 * @param max_level the least important level passed on, #REALM_LOG_ERROR..#REALM_LOG_DEBUG
 *     (checked even when cb is NULL).
 * @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for a level outside 1..4.
 */
REALM_API realm_status_t realm_set_log_callback(realm_log_cb cb, void *user, realm_log_level_t max_level);

/** @} */

/* ======================================================================== */
/** @defgroup client Client
 *  A connection (or pool of connections) to one server, and its events.
 *  @{ */
/* ======================================================================== */

/** Connection states. */
typedef enum realm_conn_state {
    REALM_STATE_DISCONNECTED = 0, /**< not connected and not trying */
    REALM_STATE_CONNECTING = 1,   /**< TCP/TLS/upgrade/auth in progress */
    REALM_STATE_CONNECTED = 2,    /**< ready: welcome received */
    REALM_STATE_RECONNECTING = 3, /**< waiting before the next attempt */
    REALM_STATE_CLOSED = 4        /**< destroyed */
} realm_conn_state_t;

/** Kinds of connection events. */
typedef enum realm_client_event_type {
    REALM_EVENT_CONNECTED = 1,    /**< the connection is ready (also after a reconnect) */
    REALM_EVENT_DISCONNECTED = 2, /**< an established connection closed or dropped */
    REALM_EVENT_RECONNECTING = 3, /**< a reconnect attempt is scheduled */
    REALM_EVENT_ERROR = 4         /**< not tied to one request: connecting failed or reconnecting gave up (the
                                       client is then disconnected), or a server or protocol error */
} realm_client_event_type_t;

/** A connection event. Strings may be NULL where not applicable. Owned by the
 *  library: valid during the callback (or until the next realm_queue_poll()). */
typedef struct realm_client_event {
    realm_client_event_type_t type; /**< what happened; says which fields below are set */
    int close_code;                 /**< DISCONNECTED: WebSocket close code, 1006 if none was received */
    const char *reason;             /**< DISCONNECTED: close reason text */
    uint32_t attempt;               /**< RECONNECTING: 1-based attempt number */
    uint32_t delay_ms;              /**< RECONNECTING: wait before that attempt */
    const realm_error_t *error;     /**< ERROR: what went wrong; DISCONNECTED: cause, or NULL */
    const char *tenant_id;          /**< CONNECTED: tenant in effect */
    const char *server_version;     /**< CONNECTED: server's version string */
} realm_client_event_t;

/** Connection event callback (realm_client_set_event_callback()). Runs on
 *  the event thread; must not block; `event` is valid only during the call.
 *  @param user the `user` given to realm_client_set_event_callback(), unchanged.
 *  @param client the client the event is about.
 *  @param event the event; valid during the call. */
typedef void (*realm_client_event_cb)(void *user, realm_client_t *client,
                                      const realm_client_event_t *event);
/** Completion of connect/disconnect: status REALM_OK or the error (valid
 *  only during the call; NULL on success). Event thread.
 *  @param user the `user` given to the connect or disconnect call, unchanged.
 *  @param client the client.
 *  @param status #REALM_OK, or the error status.
 *  @param error NULL on success, else the error (owned by the library, valid during the call). */
typedef void (*realm_complete_cb)(void *user, realm_client_t *client,
                                  realm_status_t status, const realm_error_t *error);

/**
 * Creates a client (not yet connected). `opts` may be NULL for defaults and is
 * copied. Starts the process's event thread if this is the first client.
 * The caller owns *out and must call realm_client_destroy.
 * @param opts the options (copied), or NULL for the defaults.
 * @param out receives the new client (NULL on failure); not NULL.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT (NULL out; a dialect that
 * does not fit the URL; a ws-system key missing, unreadable or malformed);
 * #REALM_ERR_NO_MEMORY; #REALM_ERR_INTERNAL (event thread could not start;
 * see *err).
 */
REALM_API realm_status_t realm_client_new(const realm_options_t *opts, realm_client_t **out,
                                          realm_error_t **err);
/**
 * Destroys a client. Blocking: every accepted request ends (as cancelled) and
 * the connection is closed before it returns; no callback of this client runs
 * after it returns. Accepts NULL. Called from a callback (event thread) it
 * does not block: the destruction completes after the callback returns.
 * Batches of this client must have been sent or discarded first. Stops the
 * event thread if this was the last client.
 * @param client the client to destroy, or NULL.
 */
REALM_API void realm_client_destroy(realm_client_t *client);

/**
 * Sets the connection event callback (replacing any previous one); it runs on
 * the event thread. Call before connect for the first events to be seen. Pass
 * NULL to remove. When this returns, the previous callback is not running and
 * will not be called again (it waits for a call in progress; a callback may
 * replace itself).
 * @param client the client.
 * @param cb the callback, or NULL to remove it.
 * @param user passed to `cb` unchanged.
 * @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for a NULL client.
 */
REALM_API realm_status_t realm_client_set_event_callback(realm_client_t *client,
                                                         realm_client_event_cb cb, void *user);
/** Routes connection events to a queue (REALM_QEV_CLIENT, carrying `user`)
 *  instead of the callback; NULL removes. The queue must outlive the client or
 *  be removed first. Same guarantee as realm_client_set_event_callback.
 *  @param client the client.
 *  @param q the queue, or NULL to stop routing events to a queue.
 *  @param user carried by every #REALM_QEV_CLIENT event of this client.
 *  @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for a NULL client. */
REALM_API realm_status_t realm_client_set_event_queue(realm_client_t *client, realm_queue_t *q,
                                                      void *user);

/**
 * Starts connecting. Returns at once; `cb` (may be NULL) is called once on the
 * event thread with REALM_OK when the connection is ready (welcome received,
 * auth done), or with the error: REALM_ERR_CONNECT_FAILED, REALM_ERR_TLS,
 * REALM_ERR_TIMEOUT, REALM_ERR_UNAUTHORIZED, REALM_ERR_PROTOCOL,
 * REALM_ERR_CANCELLED (disconnect or destroy first). The first attempt is not
 * retried; reconnection applies to established connections that drop.
 * Connecting an already connected client completes at once with REALM_OK.
 * @param client the client.
 * @param cb completion callback, or NULL.
 * @param user passed to `cb` unchanged.
 * @return #REALM_OK (`cb` will be called), #REALM_ERR_INVALID_ARGUMENT for a
 * NULL client, #REALM_ERR_INVALID_STATE while the client is being destroyed,
 * #REALM_ERR_INTERNAL if the event thread is shutting down (then `cb` is
 * not called).
 */
REALM_API realm_status_t realm_client_connect(realm_client_t *client, realm_complete_cb cb,
                                              void *user);
/**
 * Blocking connect, bounded by `timeout_ms` (0 = the connect timeout plus a
 * margin of one second). Not on the event thread.
 * @param client the client.
 * @param timeout_ms the longest wait in milliseconds, 0 for the default above.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return the same statuses as the callback of realm_client_connect, or
 * #REALM_ERR_TIMEOUT when `timeout_ms` passes first, or
 * #REALM_ERR_INVALID_STATE on the event thread, or
 * #REALM_ERR_INVALID_ARGUMENT for a NULL client; *err (if err is non-NULL)
 * receives the details of any failure.
 */
REALM_API realm_status_t realm_client_connect_wait(realm_client_t *client, uint32_t timeout_ms,
                                                   realm_error_t **err);
/**
 * Closes the connection (close code 1000) and stops reconnecting. Accepted
 * requests end as cancelled. When it returns, realm_client_state() reads
 * REALM_STATE_DISCONNECTED and new requests are refused (REALM_ERR_NOT_CONNECTED);
 * the connection itself closes on the event thread right after. `cb` (may be
 * NULL) runs once closed with REALM_OK, on the event thread. The client may be
 * connected again later.
 * @param client the client.
 * @param cb completion callback, or NULL.
 * @param user passed to `cb` unchanged.
 * @return #REALM_OK, #REALM_ERR_INVALID_ARGUMENT for a NULL client, or
 * #REALM_ERR_INTERNAL if the event thread is shutting down.
 */
REALM_API realm_status_t realm_client_disconnect(realm_client_t *client, realm_complete_cb cb,
                                                 void *user);
/** Blocking disconnect: returns once the connection is closed and every
 *  accepted request has ended. Not on the event thread.
 *  @param client the client.
 *  @return #REALM_OK; #REALM_ERR_INVALID_STATE on the event thread;
 *  #REALM_ERR_INVALID_ARGUMENT for a NULL client; #REALM_ERR_INTERNAL if the
 *  event thread is shutting down. */
REALM_API realm_status_t realm_client_disconnect_wait(realm_client_t *client);

/** Current state (REALM_STATE_CLOSED for NULL). Any thread; the value may
 *  change right after it is read.
 *  @param client the client, or NULL.
 *  @return the state at the time of the call. */
REALM_API realm_conn_state_t realm_client_state(const realm_client_t *client);
/**
 * Copies the tenant id in effect (NUL-terminated) into buf and returns its
 * length, or -1 for NULL client. Truncates to cap-1 bytes; returns the full
 * length, so a return >= cap means truncated. 0 if none yet. buf may be NULL
 * (with any cap) to ask for the length only.
 * @param client the client, or NULL.
 * @param buf where to copy the text, or NULL.
 * @param cap size of `buf` in bytes, terminator included.
 * @return the full length in bytes (without terminator), or -1 for a NULL client (or an internal
 *     failure).
 */
REALM_API int realm_client_tenant_id(const realm_client_t *client, char *buf, size_t cap);
/** Same contract as realm_client_tenant_id, for the server version of the last welcome.
 *  @param client the client, or NULL.
 *  @param buf where to copy the text, or NULL.
 *  @param cap size of `buf` in bytes, terminator included.
 *  @return the full length in bytes (without terminator; 0 before the first welcome), or -1 for a
 *      NULL client (or an internal failure). */
REALM_API int realm_client_server_version(const realm_client_t *client, char *buf, size_t cap);
/** 1 if the server announced protocol extension `name` in its last welcome
 *  ("interleave", "cancel", "retry_after", "terminal"), else 0 (also for a
 *  NULL client or name).
 *  @param client the client, or NULL.
 *  @param name the extension's name, NUL-terminated, or NULL.
 *  @return 1 or 0. */
REALM_API int realm_client_has_extension(const realm_client_t *client, const char *name);

/** @} */

/* ======================================================================== */
/** @defgroup requests Requests
 *  Starting, cancelling and releasing requests.
 *
 *  Request start functions: on success (#REALM_OK) the request is accepted
 *  and its handler will see exactly one terminal event. If `out` is non-NULL
 *  it receives a reference to the request that the caller must release with
 *  realm_request_release() (also after the request ended); on failure `*out`
 *  is set to NULL. `call_opts` may be NULL. The handler struct and every
 *  string and array argument are copied before the call returns.
 *
 *  Errors (nothing is called back): #REALM_ERR_INVALID_ARGUMENT (NULL client
 *  or handler, a handler not initialised with REALM_HANDLER_INIT, missing
 *  prompt, invalid UTF-8, malformed JSON, a call the client's dialect cannot
 *  carry, a batch of another client), #REALM_ERR_NOT_CONNECTED (never
 *  connected, disconnected, or gave up reconnecting), #REALM_ERR_QUEUE_FULL,
 *  #REALM_ERR_INVALID_STATE (the client is being destroyed),
 *  #REALM_ERR_NO_MEMORY. `*err` (if err is non-NULL) says which argument is
 *  wrong. While connecting or reconnecting, requests wait in the bounded
 *  queue.
 *
 *  JSON arguments are checked as the server reads them: RFC 8259 exactly (no
 *  raw control characters in strings, no leading zeros, no bad escapes),
 *  numbers within a double's range, at most 64 levels of nesting; the error
 *  message says at which byte a bad one goes wrong.
 *
 *  A request runs to its terminal event whatever happens to the caller's
 *  reference: realm_request_release() does not cancel it.
 *  @{ */
/* ======================================================================== */

/** Opaque batch of held requests (ws-system only). See realm_batch_new(). */
typedef struct realm_batch realm_batch_t;
/**
 * Per-call options common to every request. Initialise with REALM_CALL_OPTIONS_INIT.
 * 0 means "the client's default" for both timeouts.
 */
typedef struct realm_call_options {
    size_t struct_size;        /**< sizeof(realm_call_options_t) as the caller compiled it (set by
                                    REALM_CALL_OPTIONS_INIT); the library reads only the fields within it */
    uint32_t timeout_ms;       /**< total timeout override; UINT32_MAX = none */
    uint32_t idle_timeout_ms;  /**< idle timeout override; UINT32_MAX = none */
    /* Appended with ws-system. */
    realm_batch_t *batch;      /**< NULL, or a batch of the same client: the request is accepted but held
                                    until realm_batch_send (see realm_batch_new) */
} realm_call_options_t;
/** Initialiser of realm_call_options_t: the client's timeouts, no batch. */
#define REALM_CALL_OPTIONS_INIT {sizeof(realm_call_options_t), 0, 0, NULL}

/** One chat message: role ("system", "user", "assistant", ...) and content, UTF-8. */
typedef struct realm_message {
    const char *role;     /**< non-empty, UTF-8, NUL-terminated */
    const char *content;  /**< UTF-8, NUL-terminated (may be "") */
} realm_message_t;

/** realm_generate_params_t.set bit: presence_penalty is set. */
#define REALM_PARAM_PRESENCE_PENALTY 0x1u
/** realm_generate_params_t.set bit: frequency_penalty is set. */
#define REALM_PARAM_FREQUENCY_PENALTY 0x2u
/** realm_generate_params_t.set bit: seed is set. */
#define REALM_PARAM_SEED 0x4u

/**
 * Parameters of `generate`. Initialise with REALM_GENERATE_PARAMS_INIT: the
 * numeric fields then hold "unset" sentinels (negative) and are omitted from
 * the wire, so the server's defaults apply. Strings and arrays are copied
 * by realm_generate().
 */
typedef struct realm_generate_params {
    size_t struct_size;              /**< sizeof(realm_generate_params_t) as the caller compiled it (set by
                                          REALM_GENERATE_PARAMS_INIT); only fields within it are read */
    const char *prompt;              /**< required; UTF-8, NUL-terminated */
    const char *model;               /**< NULL = the client's model option, if any */
    int64_t max_tokens;              /**< < 0 = unset */
    double temperature;              /**< < 0 = unset */
    double top_p;                    /**< < 0 = unset */
    int64_t top_k;                   /**< < 0 = unset */
    double repetition_penalty;       /**< < 0 = unset */
    int stream;                      /**< 1 = stream tokens */
    const char *extra_params_json;   /**< NULL, or a JSON object whose members are added to params
                                          (replacing same-named ones; values sent as written) */
    /* Appended with the dialects: chat and the OpenAI sampling fields (openai-ws.md 3). */
    const realm_message_t *messages; /**< chat: the conversation; NULL = a completion of `prompt`.
                                          With messages, prompt may be NULL. */
    size_t message_count;            /**< number of messages (>= 1 with messages) */
    const char *const *stop;         /**< stop sequences (UTF-8), NULL = none */
    size_t stop_count;               /**< number of stop sequences, at most 64 */
    double presence_penalty;         /**< -2..2, sent when REALM_PARAM_PRESENCE_PENALTY is in `set` */
    double frequency_penalty;        /**< -2..2, sent when REALM_PARAM_FREQUENCY_PENALTY is in `set` */
    int64_t seed;                    /**< sent when REALM_PARAM_SEED is in `set` */
    uint32_t set;                    /**< REALM_PARAM_* bits: which of the three fields above are set */
} realm_generate_params_t;
/** Initialiser of realm_generate_params_t: every optional field unset. */
#define REALM_GENERATE_PARAMS_INIT \
    {sizeof(realm_generate_params_t), NULL, NULL, -1, -1.0, -1.0, -1, -1.0, 0, NULL, NULL, 0, NULL, 0, 0.0, 0.0, 0, 0}

/** generate: text completion, streaming when params->stream is 1; a chat
 *  completion when params->messages is set. Over the Realm protocol a chat is
 *  sent as a prompt (the single user message as it is, else "Role: content"
 *  lines ending in "Assistant:"). Over openai-ws and openai-http a prompt
 *  goes to /completions, and to /chat/completions as one user message when
 *  the client's URL or `endpoint` option names the chat endpoint; a chat on a
 *  client fixed to /completions is refused (REALM_ERR_INVALID_ARGUMENT).
 *  Errors: see @ref requests (also #REALM_ERR_INVALID_ARGUMENT for NULL
 *  params, both or neither of prompt and messages, or an out-of-range
 *  field).
 *  @param client the client.
 *  @param params what to generate (initialised with #REALM_GENERATE_PARAMS_INIT; copied).
 *  @param call_opts per-call options (#REALM_CALL_OPTIONS_INIT), or NULL for the client's defaults.
 *  @param handler where the request reports (#REALM_HANDLER_INIT; copied).
 *  @param out NULL, or receives a reference to the request (release it with
 *      realm_request_release()); NULL on failure.
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 *  @return #REALM_OK when the request is accepted, else an error status (see @ref requests) and
 *      nothing is called back. */
REALM_API realm_status_t realm_generate(realm_client_t *client, const realm_generate_params_t *params,
                                        const realm_call_options_t *call_opts,
                                        const realm_handler_t *handler, realm_request_t **out,
                                        realm_error_t **err);
/** pipeline: runs server pipeline `name` with `input_json` (any JSON value; NULL = {}).
 *  Errors: see @ref requests (also #REALM_ERR_INVALID_ARGUMENT for a NULL or
 *  empty name).
 *  @param client the client.
 *  @param name the pipeline's name, non-empty, NUL-terminated.
 *  @param input_json its input, any JSON value (NUL-terminated), or NULL for {}.
 *  @param call_opts per-call options, or NULL.
 *  @param handler where the request reports (copied).
 *  @param out NULL, or receives a reference to the request; NULL on failure.
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 *  @return #REALM_OK when the request is accepted, else an error status (see @ref requests). */
REALM_API realm_status_t realm_pipeline(realm_client_t *client, const char *name, const char *input_json,
                                        const realm_call_options_t *call_opts,
                                        const realm_handler_t *handler, realm_request_t **out,
                                        realm_error_t **err);
/** health: result JSON is the server's health object. Errors: see @ref requests.
 *  @param client the client.
 *  @param call_opts per-call options, or NULL.
 *  @param handler where the request reports (copied).
 *  @param out NULL, or receives a reference to the request; NULL on failure.
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 *  @return #REALM_OK when the request is accepted, else an error status (see @ref requests). */
REALM_API realm_status_t realm_health(realm_client_t *client, const realm_call_options_t *call_opts,
                                      const realm_handler_t *handler, realm_request_t **out,
                                      realm_error_t **err);
/** metadata: result JSON is the server's function catalogue. Errors: see @ref requests.
 *  @param client the client.
 *  @param call_opts per-call options, or NULL.
 *  @param handler where the request reports (copied).
 *  @param out NULL, or receives a reference to the request; NULL on failure.
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 *  @return #REALM_OK when the request is accepted, else an error status (see @ref requests). */
REALM_API realm_status_t realm_metadata(realm_client_t *client, const realm_call_options_t *call_opts,
                                        const realm_handler_t *handler, realm_request_t **out,
                                        realm_error_t **err);
/** models: the server's model list (openai-http: GET {base}/models; result
 *  JSON is the server's answer). REALM_ERR_INVALID_ARGUMENT on dialects
 *  without one (realm, openai-ws). Errors: see @ref requests.
 *  @param client the client.
 *  @param call_opts per-call options, or NULL.
 *  @param handler where the request reports (copied).
 *  @param out NULL, or receives a reference to the request; NULL on failure.
 *  @param err NULL, or receives a new error (owned by the caller) when the call fails.
 *  @return #REALM_OK when the request is accepted, else an error status (see @ref requests). */
REALM_API realm_status_t realm_models(realm_client_t *client, const realm_call_options_t *call_opts,
                                      const realm_handler_t *handler, realm_request_t **out,
                                      realm_error_t **err);
/**
 * Any function by name with raw JSON params (NULL = {}). Streaming frames, if
 * the server sends them, are delivered as tokens. Over openai-http it is a
 * POST of `params_json` to {base}/`function` (e.g. "embeddings"); openai-ws
 * has no such call (REALM_ERR_INVALID_ARGUMENT).
 * Errors: see @ref requests (also #REALM_ERR_INVALID_ARGUMENT for a NULL or
 * empty function).
 * @param client the client.
 * @param function the function's name, non-empty, NUL-terminated.
 * @param params_json its params, a JSON value (NUL-terminated), or NULL for {}.
 * @param call_opts per-call options, or NULL.
 * @param handler where the request reports (copied).
 * @param out NULL, or receives a reference to the request; NULL on failure.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK when the request is accepted, else an error status (see @ref requests).
 */
REALM_API realm_status_t realm_call(realm_client_t *client, const char *function, const char *params_json,
                                    const realm_call_options_t *call_opts,
                                    const realm_handler_t *handler, realm_request_t **out,
                                    realm_error_t **err);

/**
 * A new empty batch for `client`.
 *
 * Batches (ws-system `batch`, ws-system.md 4.5): requests started with
 * call_opts->batch set are accepted as usual (each will see exactly one
 * terminal event) but held; realm_batch_send puts them on the wire as ONE
 * frame, in the order they were started. The server runs the items one
 * after another (a generate to its end before the next item starts) and
 * answers each under its own id, so every request reports as if sent alone;
 * their timeouts start at realm_batch_send.
 *
 * The caller owns the batch until
 * realm_batch_send or realm_batch_discard, one of which must be called
 * before the client is destroyed: held requests are not the client's yet.
 * Any thread; requests may be added from several threads at once.
 * @param client the client the batch's requests are started on.
 * @param out receives the new batch (NULL on failure); not NULL.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK; #REALM_ERR_INVALID_ARGUMENT (NULL argument, or a
 * dialect without batches: only ws-system has them); #REALM_ERR_NO_MEMORY.
 */
REALM_API realm_status_t realm_batch_new(realm_client_t *client, realm_batch_t **out, realm_error_t **err);
/** Number of requests held by the batch (0 for NULL). Any thread.
 *  @param batch the batch, or NULL.
 *  @return the number of held requests. */
REALM_API size_t realm_batch_size(const realm_batch_t *batch);
/**
 * Sends the held requests as one frame and frees the batch (also when it
 * fails). Any thread, never blocks. When the client is not connected the
 * requests end as any request would (waiting in the queue while connecting,
 * else REALM_ERR_NOT_CONNECTED through their handlers).
 * @param batch the batch; freed by this call whatever it returns.
 * @param err NULL, or receives a new error (owned by the caller) when the call fails.
 * @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for NULL or an empty
 * batch (freed all the same).
 */
REALM_API realm_status_t realm_batch_send(realm_batch_t *batch, realm_error_t **err);
/** Frees a batch without sending it: its requests end as cancelled (on the
 *  event thread, through their handlers). Accepts NULL. Any thread.
 *  @param batch the batch, or NULL. */
REALM_API void realm_batch_discard(realm_batch_t *batch);

/**
 * Cancels a request. Any thread (callbacks included), idempotent, never
 * blocks. If the request has
 * not ended yet it ends promptly with REALM_OUTCOME_CANCELLED; when the server
 * supports the "cancel" extension it is also told to stop. Cancelling an
 * ended request is a no-op. Valid until the caller releases the request.
 * @param req a request the caller still holds a reference to.
 * @return #REALM_OK, or #REALM_ERR_INVALID_ARGUMENT for NULL.
 */
REALM_API realm_status_t realm_request_cancel(realm_request_t *req);
/** Releases the caller's reference (from a start function's `out`). Accepts
 *  NULL. Does not cancel: an accepted request still reports to its handler.
 *  Any thread, callbacks included.
 *  @param req the caller's reference, or NULL. */
REALM_API void realm_request_release(realm_request_t *req);
/** The request's wire id (NUL-terminated, owned by req, valid while the caller
 *  holds its reference), "" for NULL.
 *  @param req the request, or NULL.
 *  @return the id, owned by req; "" for NULL. */
REALM_API const char *realm_request_id(const realm_request_t *req);
/** 1 once the request has ended: set just before its terminal event is delivered
 *  (or queued, in pull mode), so code woken by that event sees 1. 0 for NULL.
 *  @param req the request, or NULL.
 *  @return 1 or 0. */
REALM_API int realm_request_is_done(const realm_request_t *req);

/** @} */

/* ======================================================================== */
/** @defgroup tokens Token estimate
 *  The offline token estimator of the Tekton client (tekton.md 6.5), kept in
 *  the core so that every binding counts alike. A real tokenizer is the
 *  caller's: this is the fallback heuristic only.
 *  @{ */
/* ======================================================================== */

/**
 * Estimated number of tokens of a text: its number of Unicode code points
 * divided by 4 (rounded down), plus 1 (`len(text) // 4 + 1` in Python), so
 * "" is 1, "abcd" is 2 and "hello world" is 3.
 *
 * `text` is UTF-8 of `len` bytes (no terminator needed; NULL allowed when
 * `len` is 0). Reads nothing beyond `len`, keeps no pointer, allocates
 * nothing. Any thread.
 * @param text UTF-8 text of `len` bytes; may be NULL when `len` is 0.
 * @param len its length in bytes.
 * @return the estimate (>= 1), or #REALM_ERR_INVALID_ARGUMENT (negative) when
 * `text` is NULL with a non-zero `len` or is not valid UTF-8.
 */
REALM_API int64_t realm_estimate_tokens(const char *text, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* REALM_REALM_H */
