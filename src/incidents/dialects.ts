import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { StoreTables } from './schema.js';

/** How long a SQLite writer waits for another process's write lock before `SQLITE_BUSY`, ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** How long a PostgreSQL connection attempt may take before it fails, ms. */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

// Every transaction of the store writes. `BEGIN IMMEDIATE` takes the write lock at the start, so
// a second process waits (busy_timeout) instead of failing with SQLITE_BUSY when its read lock
// cannot be upgraded, and a claim's select and update see the same queue.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * Opens (creating the file and its directory) a SQLite database for the store: WAL, busy timeout
 * {@link SQLITE_BUSY_TIMEOUT_MS}, synchronous NORMAL (durable at checkpoints, never corrupt),
 * 32 MiB page cache. Transactions begin IMMEDIATE.
 */
export function sqliteKysely(target: string | BetterSqlite3.Database): { db: Kysely<StoreTables>; database: BetterSqlite3.Database } {
  let database: BetterSqlite3.Database;
  if (typeof target === 'string') {
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    database = new BetterSqlite3(target);
  } else {
    database = target;
  }
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('synchronous = NORMAL');
    database.pragma('cache_size = -32768');
  } catch (error) {
    if (typeof target === 'string') database.close();
    throw error;
  }
  return { db: new Kysely<StoreTables>({ dialect: new ImmediateSqliteDialect({ database }) }), database };
}

// int8 (counts, epoch ms) and numeric (sums of bigint) as numbers, for this pool only: epoch ms
// and counts stay far below 2^53, and the process-wide pg.types are left alone.
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Options of {@link postgresKysely}. */
export interface PostgresPoolOptions {
  /** Connection string, e.g. `postgres://logtriage@db:5432/logtriage`; `?options=-c search_path=…` selects a schema. */
  url: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Called with errors of idle connections (a restarted server, a terminated backend); the pool drops those connections. */
  onIdleError?: (error: Error) => void;
}

/** A `pg.Pool` (application_name `logtriage` unless the URL sets one; connect timeout {@link PG_CONNECT_TIMEOUT_MS}) and Kysely over it. */
export function postgresKysely(options: PostgresPoolOptions): { db: Kysely<StoreTables>; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: 'logtriage',
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    types: typeParsers,
  });
  // Without a listener, an idle connection's error (server restart, pg_terminate_backend) is an
  // unhandled 'error' event and ends the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  // pg-pool listens for errors only on idle clients: a connection PostgreSQL terminates while it is
  // checked out would raise an unhandled 'error' and end the process. The query on it fails (and is
  // reported as the store being unavailable); the client is discarded when released.
  pool.on('connect', (client) => client.on('error', (error) => options.onIdleError?.(error)));
  return { db: new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) }), pool };
}
