'use strict';
// RealmError and the core's error table. The addon hands failures over as
// plain objects ({ code, message, status, retryAfter, ... }); fromNative()
// makes RealmErrors of them. Codes and categories come from the core, so the
// Node, Python and C APIs name every error alike.
const native = require('./native.js');

const ERROR_TABLE = Object.freeze(native.errorTable().map((row) => Object.freeze(row)));
const BY_NAME = new Map(ERROR_TABLE.map((row) => [row.name, row]));
const BY_STATUS = new Map(ERROR_TABLE.map((row) => [row.status, row]));

/** Every code of the core's error table, e.g. ErrorCodes.RATE_LIMIT_EXCEEDED === "RATE_LIMIT_EXCEEDED". */
const ErrorCodes = Object.freeze(
  Object.fromEntries(ERROR_TABLE.filter((row) => row.status !== 0).map((row) => [row.name, row.name])),
);

class RealmError extends Error {
  /**
   * @param {string} code     core error code (see ErrorCodes) or the server's code verbatim
   * @param {string} message
   * @param {object} [details] { status, retryAfter, retryable, httpStatus, closeCode, cause }
   */
  constructor(code, message, details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    const row = (details.status !== undefined && BY_STATUS.get(details.status)) || BY_NAME.get(code);
    this.name = 'RealmError';
    this.code = code;
    this.retryAfter = details.retryAfter;
    this.retryable = details.retryable !== undefined ? Boolean(details.retryable) : Boolean(row && row.retryable);
    this.status = details.status !== undefined ? details.status : row ? row.status : undefined;
    this.category = row ? row.category : 'server';
    this.httpStatus = details.httpStatus;
    this.closeCode = details.closeCode;
  }
}

function fromNative(obj, cause) {
  const details = obj;
  if (cause !== undefined) details.cause = cause;
  return new RealmError(obj.code, obj.message, details);
}

// Errors thrown by the addon itself (argument validation) carry .code/.status.
function toRealmError(e) {
  if (e instanceof RealmError) return e;
  if (e && typeof e.code === 'string' && typeof e.status === 'number') {
    return new RealmError(e.code, e.message, { status: e.status });
  }
  return e;
}

function abortedError(signal) {
  return new RealmError('CANCELLED', 'the request was aborted', {
    status: statusOf('CANCELLED'),
    cause: signal.reason,
  });
}

function invalid(message) {
  return new RealmError('INVALID_ARGUMENT', message, { status: statusOf('INVALID_ARGUMENT') });
}

/** The core's numeric status for an error code name. */
function statusOf(code) {
  return BY_NAME.get(code).status;
}

module.exports = { ERROR_TABLE, ErrorCodes, RealmError, fromNative, toRealmError, abortedError, invalid, statusOf };
