import { LogtriageError } from '../util/errors.js';

/** The `code` of every error the API answers, with its HTTP status. */
export const API_ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  store_unavailable: 503,
} as const;

/** Machine-readable error code of an API answer. */
export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** All error codes, for the OpenAPI document. */
export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as ApiErrorCode[];

/** Where a rejected value came from, for the message (`query parameter limit: …`). */
export type ApiErrorDetails = {
  /** The offending query parameter, path parameter or body field (dotted path). */
  field?: string;
  /** Why it was rejected, without the field name. */
  reason?: string;
  /** The values the field accepts, when it is an enumeration. */
  allowed?: readonly string[];
  /** Extra response headers (`Allow`, `WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
};

/**
 * An error the API answers as `{ "error": { code, message, field?, reason?, allowed?, requestId } }`
 * with the status of its code. The message is meant for the person calling the API: what was
 * expected, what was found, what to do.
 */
export class ApiError extends LogtriageError {
  declare readonly code: ApiErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly reason: string | undefined;
  readonly allowed: readonly string[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = API_ERROR_STATUS[code];
    this.field = details.field;
    this.reason = details.reason;
    this.allowed = details.allowed;
    this.headers = details.headers ?? {};
  }
}

/** The one JSON body of every API error. */
export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    field?: string;
    reason?: string;
    allowed?: string[];
    /** Also sent as the `X-Request-Id` header and logged with the error. */
    requestId: string;
  };
}

/** The body answered for `error`. */
export function errorBody(error: ApiError, requestId: string): ApiErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { field: error.field } : {}),
      ...(error.reason !== undefined ? { reason: error.reason } : {}),
      ...(error.allowed !== undefined ? { allowed: [...error.allowed] } : {}),
      requestId,
    },
  };
}
