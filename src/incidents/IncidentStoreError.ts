import { LogtriageError } from '../util/errors.js';

/**
 * Codes of {@link IncidentStoreError}: `STORE_UNAVAILABLE` the database cannot be reached or opened
 * right now (refused, terminated, closed handle; a retry later may work), `STORE_CLOSED` the store
 * was disposed, `STORE_FAILED` a statement failed (missing tables, full disk, constraint).
 */
export type IncidentStoreErrorCode = 'STORE_UNAVAILABLE' | 'STORE_CLOSED' | 'STORE_FAILED';

/**
 * The incident store's database failed or could not be reached. The message names the database
 * (a PostgreSQL URL without its password), the operation, the cause and what to check; `cause`
 * keeps the driver's error.
 */
export class IncidentStoreError extends LogtriageError {
  declare readonly code: IncidentStoreErrorCode;

  constructor(code: IncidentStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
