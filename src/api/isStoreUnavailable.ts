/**
 * Error codes meaning the database cannot be reached or used right now: Node socket errors,
 * PostgreSQL's too many connections and operator intervention (57P: shutdown, crash, cannot
 * connect now), and the incident store's own codes.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  // The store's own classification (IncidentStoreError): unreachable, or disposed.
  'STORE_UNAVAILABLE',
  'STORE_CLOSED',
]);

/**
 * Code prefixes of the same: PostgreSQL SQLSTATE class 08 (connection exception), and SQLite's
 * busy, locked, cannot open, I/O, read-only and full, with their extended codes
 * (`SQLITE_BUSY_TIMEOUT`, `SQLITE_IOERR_WRITE`, …).
 */
const UNAVAILABLE_PREFIXES = ['08', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_FULL'];

/**
 * Messages of drivers that signal a closed or unreachable database without a code: better-sqlite3
 * after `close()`, Kysely after `destroy()`, pg's pool after `end()` or a lost connection.
 */
const UNAVAILABLE_MESSAGES = [
  /database connection is not open/i,
  /driver has already been destroyed/i,
  /cannot use a pool after calling end/i,
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /store (is )?(closed|disposed)/i,
];

/**
 * Whether `error` (or one of its causes) says the incident store is gone or unreachable, so the
 * API answers 503 `store_unavailable` instead of 500.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_PREFIXES.some((prefix) => code.startsWith(prefix)))) return true;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(current instanceof Error ? current.message : ''))) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isStoreUnavailable(inner))) return true;
    current = current.cause;
  }
  return false;
}
