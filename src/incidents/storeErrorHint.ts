import type { StoreDialect } from './schema.js';

const PG_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a PostgreSQL error means no connection could be made or kept (refused, unknown host, timeout, terminated). */
export function isConnectFailure(error: unknown): boolean {
  const code = codeOf(error);
  return PG_UNREACHABLE_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || /Connection terminated|timeout exceeded when trying to connect/i.test(messageOf(error));
}

/** Whether a driver error means the database cannot be used right now (as opposed to a failed statement); a later call may work. */
export function isUnavailable(dialect: StoreDialect, error: unknown): boolean {
  if (dialect === 'sqlite') return /not open/.test(messageOf(error)) || /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|READONLY)/.test(codeOf(error));
  return isConnectFailure(error) || codeOf(error) === '53300';
}

/** What to check for a driver error: one sentence for the operator, without the error's own text. */
export function storeErrorHint(dialect: StoreDialect, error: unknown): string {
  const code = codeOf(error);
  const message = messageOf(error);
  if (dialect === 'sqlite') {
    if (/not open/.test(message)) return 'the database handle was closed; restart logtriage';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'check that the directory of the database file exists and is writable by this process (store.sqlitePath, service.dataDir)';
    if (code.startsWith('SQLITE_BUSY')) return 'another process held the write lock longer than the busy timeout; is a second logtriage writing to the same file? Use store.kind postgres for several replicas';
    if (code.startsWith('SQLITE_FULL')) return 'the disk is full; free space next to the database file';
    if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) return 'check that the database file and its directory exist and are writable by this process';
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return 'the file is not a healthy SQLite database; move it away (a new one is created) or restore a backup';
    if (/no such table/.test(message)) return 'the tables are missing (was the database file replaced?); restart logtriage so the migrations run';
    if (code.startsWith('SQLITE_IOERR')) return 'an I/O error; check the disk and the file system of the database file';
    return 'see the cause';
  }
  if (code === '42P01' || code === '3F000') return 'the tables are missing (was the schema dropped, or does search_path point elsewhere?); restart logtriage so the migrations run';
  if (code.startsWith('28')) return 'authentication failed; check the user and password of store.postgresUrl';
  if (code === '3D000') return 'the database does not exist; create it or fix the database name in store.postgresUrl';
  if (code === '53300') return 'the server has no connections left; lower store.poolSize or raise max_connections';
  if (code === '42501') return 'permission denied; grant the user rights on the schema (CREATE for migrations)';
  if (isConnectFailure(error)) return 'PostgreSQL is unreachable or restarted; check that the server is running and reachable at that host and port (calls succeed again once it is back)';
  return 'see the cause';
}
