import { InputError } from '../util/errors.js';
import { ApiError } from './ApiError.js';
import { isStoreUnavailable } from './isStoreUnavailable.js';

/** What body-parser (under `express.json`) and express's router attach to the errors they raise. */
interface HttpishError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  limit?: unknown;
  length?: unknown;
}

/** Seconds a client should wait before retrying when the store is unavailable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Maps anything thrown while answering a request to an {@link ApiError}: API errors as they are,
 * body parsing failures (malformed JSON, too large, unsupported charset), express's own 4xx (a
 * path that is not valid percent-encoding), arguments the store refused (`InputError`, 400), an
 * unavailable store (503), and anything else as a
 * 500 `internal_error` whose message says nothing about the cause (the caller logs it).
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', `the body is ${typeof e.length === 'number' ? `${e.length} bytes` : 'too large'}; at most ${String(e.limit)} bytes are accepted (config api.maxBodyBytes)`, {
        field: 'body',
        reason: 'too large',
        cause: error,
      });
    case 'entity.parse.failed':
      return new ApiError('invalid_json', `the body is not valid JSON (${error instanceof Error ? error.message : 'parse error'}); send a JSON object`, { field: 'body', reason: 'malformed JSON', cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', `${error instanceof Error ? error.message : 'unsupported encoding'}; send the body as application/json in UTF-8`, { cause: error });
  }
  // The store refuses bad arguments with an InputError whose message is written for the caller.
  if (error instanceof InputError) return new ApiError('invalid_request', error.message, { cause: error });
  if (isStoreUnavailable(error)) {
    return new ApiError('store_unavailable', 'the incident store is unavailable right now; retry later', { headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) }, cause: error });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 413) return new ApiError('payload_too_large', 'the request is too large', { cause: error });
    if (status === 415) return new ApiError('unsupported_media_type', 'the body is not in a supported format; send application/json', { cause: error });
    const what = error instanceof URIError ? 'the path is not valid percent-encoding' : error instanceof Error ? error.message : 'bad request';
    return new ApiError('invalid_request', what, { cause: error });
  }
  return new ApiError('internal_error', 'internal error; the server log has the details under this request id', { cause: error });
}
