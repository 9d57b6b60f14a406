'use strict';
// The Tekton client's errors (tekton.md 6.4) and their mapping from the
// core's RealmError, as the Python package tekton_llm_client.exceptions:
//
//   TektonLLMError                       code
//   ├── ConnectionError                  CONNECTION
//   ├── TimeoutError                     TIMEOUT
//   ├── AuthenticationError              AUTHENTICATION
//   ├── ServiceUnavailableError          SERVICE_UNAVAILABLE
//   ├── RateLimitError                   RATE_LIMITED
//   ├── InvalidRequestError              INVALID_REQUEST
//   ├── AdapterError(adapterId, message) ADAPTER
//   ├── FallbackError                    FALLBACK_FAILED
//   └── CancelledError                   CANCELLED   (librealm: upstream reported a cancel as a timeout)
//
// The core maps the HTTP statuses (400 INVALID_REQUEST, 401 UNAUTHORIZED,
// 429 RATE_LIMITED, any other SERVER with httpStatus); this file only picks
// the class from the core's status family.
const { RealmError, ERROR_TABLE } = require('./errors.js');

const NAME_OF = new Map(ERROR_TABLE.map((row) => [row.status, row.name]));

class TektonLLMError extends Error {
  /**
   * @param {string} message
   * @param {object} [details] { httpStatus, retryAfter (seconds), coreCode, cause }
   */
  constructor(message = '', details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.code = new.target.code;
    this.httpStatus = details.httpStatus;
    this.retryAfter = details.retryAfter;
    this.coreCode = details.coreCode;
  }
}
TektonLLMError.code = 'TEKTON_LLM_ERROR';

// One subclass per Tekton code; `code` is static so that instances and
// classes agree (RateLimitError.code === new RateLimitError().code).
function subclass(name, code) {
  const cls = { [name]: class extends TektonLLMError {} }[name];
  cls.code = code;
  return cls;
}

const ConnectionError = subclass('ConnectionError', 'CONNECTION');
const TimeoutError = subclass('TimeoutError', 'TIMEOUT');
const AuthenticationError = subclass('AuthenticationError', 'AUTHENTICATION');
const ServiceUnavailableError = subclass('ServiceUnavailableError', 'SERVICE_UNAVAILABLE');
const RateLimitError = subclass('RateLimitError', 'RATE_LIMITED');
const InvalidRequestError = subclass('InvalidRequestError', 'INVALID_REQUEST');
const FallbackError = subclass('FallbackError', 'FALLBACK_FAILED');
const CancelledError = subclass('CancelledError', 'CANCELLED');

class AdapterError extends TektonLLMError {
  /**
   * @param {string} adapterId  e.g. "rhetor"
   * @param {string} message    becomes "Adapter '<adapterId>' error: <message>"
   * @param {object} [details]
   */
  constructor(adapterId, message, details = {}) {
    super(`Adapter '${adapterId}' error: ${message}`, details);
    this.adapterId = adapterId;
  }
}
AdapterError.code = 'ADAPTER';

/**
 * The Tekton error for an error of the core (or of the addon's argument
 * checks). `timeout` (seconds) words a timeout as upstream did.
 */
function mapError(e, timeout) {
  if (e instanceof TektonLLMError) return e;
  if (!(e instanceof RealmError)) {
    if (e instanceof TypeError || e instanceof RangeError) return new InvalidRequestError(e.message, { cause: e });
    return new TektonLLMError(`Unexpected error: ${e && e.message !== undefined ? e.message : e}`, { cause: e });
  }
  const coreCode = NAME_OF.get(e.status) || e.code;
  const details = {
    httpStatus: e.httpStatus,
    retryAfter: e.retryAfter === undefined ? undefined : e.retryAfter / 1000,
    coreCode,
    cause: e,
  };
  switch (e.category) {
    case 'auth':
      return new AuthenticationError(e.message, details);
    case 'rate_limit':
      return new RateLimitError(e.message, details);
    case 'timeout':
      return new TimeoutError(timeout ? `Request timed out after ${timeout} seconds` : e.message, details);
    case 'connection':
      return new ConnectionError(e.message, details);
    case 'argument':
      return new InvalidRequestError(e.message, details);
    case 'cancelled':
      return new CancelledError(e.message, details);
    case 'server':
      if (coreCode === 'INVALID_REQUEST') return new InvalidRequestError(e.message, details);
      if (e.httpStatus === 503) return new ServiceUnavailableError(e.message, details);
      return new AdapterError('rhetor', e.message, details);
    default:
      return new TektonLLMError(`Unexpected error: ${e.message}`, details);
  }
}

module.exports = {
  TektonLLMError,
  ConnectionError,
  TimeoutError,
  AuthenticationError,
  ServiceUnavailableError,
  RateLimitError,
  InvalidRequestError,
  AdapterError,
  FallbackError,
  CancelledError,
  mapError,
};
