import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { InputError, LogtriageError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { postgresKysely, sqliteKysely } from './dialects.js';
import { newIncidentId } from './ids.js';
import {
  REVIEW_STATES,
  ROLES,
  SEVERITIES,
  TRIAGE_STATUSES,
  type AuditEntry,
  type IncidentPage,
  type IncidentQuery,
  type IncidentStats,
  type IncidentStore,
  type ReviewCorrections,
  type ReviewInput,
  type ReviewState,
  type Role,
  type StoredIncident,
  type TokenInfo,
  type TriageResult,
} from './IncidentStore.js';
import { IncidentStoreError } from './IncidentStoreError.js';
import { storeMigrations } from './migrations/index.js';
import { redactUrl } from './redactUrl.js';
import { likePattern, newIncidentRow, reviewSearchText, toAuditEntry, toStoredIncident, toTokenInfo, type IncidentRow } from './rows.js';
import type { IncidentsTable, StoreDialect, StoreTables } from './schema.js';
import { isUnavailable, storeErrorHint } from './storeErrorHint.js';
import type { NewIncident } from './types.js';

/** Page size of {@link KyselyIncidentStore.list} without `limit`. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page of {@link KyselyIncidentStore.list}; a larger `limit` is cut to this. */
export const MAX_PAGE_SIZE = 500;
/** `last_used_at` of a token is written at most once per this many ms, so verifying a token on every API call is not a write on every call. */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

/** How often a SQLite store refreshes its planner statistics (`ANALYZE`), ms. */
export const OPTIMIZE_INTERVAL_MS = 3_600_000;
/** Incidents from which a SQLite store keeps planner statistics. */
export const ANALYZE_MIN_ROWS = 1_000;
/**
 * Rows a text search first examines, newest first, before it searches everything: enough to fill
 * a page for a common word (see {@link KyselyIncidentStore.list}).
 */
export const SEARCH_PROBE_ROWS = 2_000;

/** Longest accepted review texts, in characters. */
const MAX_CATEGORY = 200;
const MAX_EXPLANATION = 20_000;
const MAX_NOTE = 5_000;
const MAX_NAME = 200;
const MAX_QUERY = 500;
const MAX_ERROR = 4_000;

/** Every `incidents` column but the search columns (`search_text` is large, and both serve only for filtering). */
const INCIDENT_COLUMNS = [
  'id',
  'signature',
  'session_key',
  'service',
  'trace_id',
  'first_timestamp',
  'last_timestamp',
  'detected_at',
  'last_detected_at',
  'occurrences',
  'template_ids',
  'templates',
  'lines',
  'truncated_lines',
  'score',
  'threshold',
  'evidence',
  'model_version',
  'status',
  'attempts',
  'last_error',
  'claimed_by',
  'lease_until',
  'not_before',
  'triage_result',
  'triaged_at',
  'category',
  'severity',
  'review_state',
  'reviewer',
  'reviewed_at',
  'corrections',
  'updated_at',
] as const satisfies readonly (keyof IncidentsTable)[];

/** Options of the {@link KyselyIncidentStore} factories. */
export interface KyselyIncidentStoreOptions {
  /** Receives migrations (info) and errors of idle PostgreSQL connections (warn). Default: silent. */
  logger?: Logger;
}

/** Where a PostgreSQL store connects. */
export interface PostgresStoreOptions extends KyselyIncidentStoreOptions {
  /** Connection string; `?options=-c%20search_path%3Dmy_schema` puts the tables into another schema. */
  url: string;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
}

/** The review part of an incident, as the audit log keeps it before and after a review. */
interface ReviewPart {
  state: ReviewState;
  reviewer?: string;
  reviewedAt?: number;
  corrections: ReviewCorrections;
}

function num(value: number | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function requireText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${what} is required and must be non-empty text`);
  if (value.length > max) throw new InputError(`${what} is ${value.length} characters long; at most ${max} are accepted`);
  return value;
}

function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) throw new InputError(`${what} must be one of ${allowed.join(', ')}; found ${JSON.stringify(value)}`);
  return value as T;
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}; found ${limit}`);
  return Math.min(limit, MAX_PAGE_SIZE);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The durable {@link IncidentStore} over Kysely: SQLite (better-sqlite3, WAL, one process) or
 * PostgreSQL (`pg.Pool`, any number of replicas and triage workers), with one set of queries and
 * versioned migrations for both. Every failure of the database rejects with an
 * {@link IncidentStoreError} that names the database and what to check; bad arguments reject with
 * an `InputError`.
 *
 * Semantics beyond the interface:
 * - The effective `category` is the reviewer's once they relabel (kept through later confirms),
 *   else tier 2's.
 * - A claimed incident stays `pending` with `claimedBy`/`leaseUntil` set; `claim` takes pending
 *   incidents whose `notBefore` and lease (if any) have passed, oldest first.
 * - `confirm` and `relabel` after a `false_positive` take the signature off the allow-list again.
 */
export class KyselyIncidentStore implements IncidentStore {
  private disposed = false;
  private disposing: Promise<void> | undefined;
  private optimizeTimer: NodeJS.Timeout | undefined;

  /**
   * Use {@link KyselyIncidentStore.sqlite}, {@link KyselyIncidentStore.postgres} or
   * `createIncidentStore`.
   * @param db Kysely over the store's tables; destroyed by `dispose()`.
   * @param dialect The SQL dialect behind `db`.
   * @param target Names the database in error messages, e.g. `sqlite /data/logtriage.db`.
   */
  constructor(
    private readonly db: Kysely<StoreTables>,
    readonly dialect: StoreDialect,
    readonly target: string,
    private readonly logger: Logger = silentLogger(),
  ) {}

  /**
   * A store on a SQLite file (created with its directory when missing) or on an open
   * better-sqlite3 handle, which the store then owns and closes on `dispose()`. Call `migrate()`
   * before use (`createIncidentStore` does). Open one store per file and process and share it:
   * the store serializes its transactions, but a second connection in the same process would wait
   * for the first one's write lock synchronously, blocking the event loop up to the busy timeout
   * and then failing. Other processes simply wait for the lock.
   */
  static sqlite(file: string | BetterSqlite3.Database, options: KyselyIncidentStoreOptions = {}): KyselyIncidentStore {
    const { db, database } = sqliteKysely(file);
    return new KyselyIncidentStore(db, 'sqlite', `sqlite ${database.name}`, options.logger);
  }

  /** A store on PostgreSQL with its own pool (nothing connects before the first call). Call `migrate()` before use. */
  static postgres(options: PostgresStoreOptions): KyselyIncidentStore {
    const logger = options.logger ?? silentLogger();
    const target = `postgres ${redactUrl(options.url)}`;
    const { db } = postgresKysely({
      url: options.url,
      poolSize: options.poolSize,
      onIdleError: (error: Error) => logger.warn({ err: error, store: target }, 'idle PostgreSQL connection failed; the pool drops it and connects again on demand'),
    });
    return new KyselyIncidentStore(db, 'postgres', target, logger);
  }

  /** Runs a database operation, turning a driver failure into an {@link IncidentStoreError}. */
  private async run<T>(operation: string, body: (db: Kysely<StoreTables>) => Promise<T>): Promise<T> {
    if (this.disposed) throw new IncidentStoreError('STORE_CLOSED', `incident store (${this.target}): cannot ${operation}: the store is closed (dispose() was called)`);
    try {
      return await body(this.db);
    } catch (error) {
      if (error instanceof LogtriageError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const code = isUnavailable(this.dialect, error) ? 'STORE_UNAVAILABLE' : 'STORE_FAILED';
      throw new IncidentStoreError(code, `incident store (${this.target}): cannot ${operation}: ${message}; ${storeErrorHint(this.dialect, error)}`, { cause: error });
    }
  }

  async migrate(): Promise<void> {
    await this.run('migrate the schema', async (db) => {
      let migrationTableSchema: string | undefined;
      if (this.dialect === 'postgres') {
        // Kysely's Migrator looks for its tables in every schema unless told which; pin it to the
        // schema the tables go into, so stores in different schemas of one database stay apart.
        const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
        migrationTableSchema = rows[0]?.schema ?? undefined;
        if (!migrationTableSchema) throw new IncidentStoreError('STORE_FAILED', `incident store (${this.target}): no schema on the search_path exists; create it (CREATE SCHEMA …) or fix search_path in the connection string`);
      }
      const migrator = new Migrator({ db, provider: storeMigrations(this.dialect), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
      const { error, results } = await migrator.migrateToLatest();
      for (const result of results ?? []) {
        if (result.status === 'Success') this.logger.info({ store: this.target, migration: result.migrationName }, 'incident store migrated');
      }
      if (error) throw error;
      if (this.dialect === 'sqlite') {
        await this.analyzeIfLarge(db);
        this.optimizeTimer ??= setInterval(() => {
          this.run('refresh planner statistics', (db) => this.analyzeIfLarge(db)).catch((err: unknown) => this.logger.warn({ err, store: this.target }, 'refreshing planner statistics failed'));
        }, OPTIMIZE_INTERVAL_MS).unref();
      }
    });
  }

  /**
   * Refreshes the query planner's statistics, so a combined filter starts from its most selective
   * index: `ANALYZE` (SQLite) or `VACUUM (ANALYZE)` (PostgreSQL) of the store's tables. A SQLite
   * store analyzes itself when migrated and every {@link OPTIMIZE_INTERVAL_MS} (from
   * {@link ANALYZE_MIN_ROWS} incidents on); PostgreSQL's autovacuum does both on its own. For right
   * after a bulk load.
   */
  async optimize(): Promise<void> {
    await this.run('refresh planner statistics', async (db) => {
      for (const table of ['incidents', 'audit_log', 'suppressed_signatures', 'api_tokens']) {
        // PostgreSQL: VACUUM too, so the filter indexes lose the dead entries of a bulk load's
        // updates (claim, triage) that a bitmap scan would otherwise still read.
        await (this.dialect === 'postgres' ? sql`vacuum (analyze) ${sql.table(table)}` : sql`analyze ${sql.table(table)}`).execute(db);
      }
    });
  }

  // Statistics of a nearly empty table would make SQLite's planner treat it as tiny for an hour;
  // without any, it assumes a mid-sized table, which suits a growing store better. A full ANALYZE
  // of 100,000 incidents took 255 ms (sampling with analysis_limit gave every index the same,
  // useless estimate).
  private async analyzeIfLarge(db: Kysely<StoreTables>): Promise<void> {
    const row = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (num(row.n) >= ANALYZE_MIN_ROWS) await sql`analyze`.execute(db);
  }

  async record(incident: NewIncident): Promise<{ id: string; occurrences: number }> {
    const now = Date.now();
    return this.run('record an incident', async (db) => {
      const row = await db
        .insertInto('incidents')
        .values(newIncidentRow(incident, newIncidentId(Math.round(incident.detectedAt)), now))
        .onConflict((conflict) =>
          conflict.column('signature').doUpdateSet((eb) => ({
            occurrences: eb('incidents.occurrences', '+', 1),
            last_detected_at: eb
              .case()
              .when('excluded.last_detected_at', '>', eb.ref('incidents.last_detected_at'))
              .then(eb.ref('excluded.last_detected_at'))
              .else(eb.ref('incidents.last_detected_at'))
              .end(),
            updated_at: now,
          })),
        )
        .returning(['id', 'occurrences'])
        .executeTakeFirstOrThrow();
      return { id: row.id, occurrences: num(row.occurrences) };
    });
  }

  /** Incidents by when their signature was last flagged, newest first. Default 100. */
  async recent(limit = 100): Promise<StoredIncident[]> {
    const size = Math.max(1, Math.min(Math.trunc(limit), 10_000));
    return this.run('list recent incidents', async (db) => {
      const rows = await db.selectFrom('incidents').select(INCIDENT_COLUMNS).orderBy('last_detected_at', 'desc').orderBy('id', 'desc').limit(size).execute();
      return rows.map(toStoredIncident);
    });
  }

  async get(id: string): Promise<StoredIncident | undefined> {
    return this.run('read an incident', async (db) => {
      const row = await db.selectFrom('incidents').select(INCIDENT_COLUMNS).where('id', '=', id).executeTakeFirst();
      return row && toStoredIncident(row);
    });
  }

  /**
   * A page of incidents, newest first by (`detectedAt`, id). `limit` defaults to
   * {@link DEFAULT_PAGE_SIZE}; above {@link MAX_PAGE_SIZE} it is cut to that. `q` matches a
   * substring, case-insensitively (`%` and `_` are literal), by scanning: first the newest
   * {@link SEARCH_PROBE_ROWS} rows that pass the other filters, then, if they do not fill the page,
   * all of them (no text index: a rare word costs a scan of every incident). An `InputError` for a
   * bad filter, limit or cursor.
   */
  async list(query: IncidentQuery = {}): Promise<IncidentPage> {
    const limit = pageSize(query.limit);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.status !== undefined) requireOneOf(query.status, TRIAGE_STATUSES, 'status');
    if (query.severity !== undefined) requireOneOf(query.severity, SEVERITIES, 'severity');
    if (query.reviewState !== undefined) requireOneOf(query.reviewState, REVIEW_STATES, 'reviewState');
    for (const bound of ['from', 'to'] as const) {
      const value = query[bound];
      if (value !== undefined && !Number.isFinite(value)) throw new InputError(`${bound} must be a time in epoch ms; found ${value}`);
    }
    const text = query.q?.trim() ?? '';
    if (text.length > MAX_QUERY) throw new InputError(`q is ${text.length} characters long; at most ${MAX_QUERY} are accepted`);
    const pattern = likePattern(text);
    const matches = sql<boolean>`(${sql.ref('search_text')} like ${pattern} escape '\\' or ${sql.ref('search_extra')} like ${pattern} escape '\\')`;
    return this.run('list incidents', async (db) => {
      const filtered = db
        .selectFrom('incidents')
        .$if(query.status !== undefined, (q) => q.where('status', '=', query.status!))
        .$if(query.category !== undefined, (q) => q.where('category', '=', query.category!))
        .$if(query.severity !== undefined, (q) => q.where('severity', '=', query.severity!))
        .$if(query.service !== undefined, (q) => q.where('service', '=', query.service!))
        .$if(query.reviewState !== undefined, (q) => q.where('review_state', '=', query.reviewState!))
        .$if(query.from !== undefined, (q) => q.where('detected_at', '>=', query.from!))
        .$if(query.to !== undefined, (q) => q.where('detected_at', '<', query.to!))
        .$if(cursor !== undefined, (q) => q.where((eb) => eb(eb.refTuple('detected_at', 'id'), '<', eb.tuple(cursor!.detectedAt, cursor!.id))))
        .orderBy('detected_at', 'desc')
        .orderBy('id', 'desc');
      let rows: IncidentRow[] | undefined;
      if (text !== '') {
        // Probe the newest rows first. Matches within a prefix of the order are the first matches
        // overall, so a full page from the probe is the right page. Without it PostgreSQL's planner,
        // which expects few rows to match a LIKE, scanned and sorted the whole table for a common
        // word (510 ms at 100,000 incidents instead of a few ms).
        const probe = await db
          .selectFrom(filtered.select(['id', 'detected_at', 'search_text', 'search_extra']).limit(SEARCH_PROBE_ROWS).as('newest'))
          .select('id')
          .where(matches)
          .orderBy('detected_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute();
        if (probe.length > limit) {
          rows = await db.selectFrom('incidents').select(INCIDENT_COLUMNS).where('id', 'in', probe.map((r) => r.id)).orderBy('detected_at', 'desc').orderBy('id', 'desc').execute();
        }
      }
      rows ??= await filtered
        .select(INCIDENT_COLUMNS)
        .$if(text !== '', (q) => q.where(matches))
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(toStoredIncident);
      const last = items.at(-1);
      return rows.length > limit && last ? { items, nextCursor: encodeCursor({ detectedAt: last.detectedAt, id: last.id }) } : { items };
    });
  }

  async categories(): Promise<{ category: string; count: number }[]> {
    return this.run('count categories', async (db) => {
      const rows = await db
        .selectFrom('incidents')
        .select((eb) => ['category', eb.fn.countAll<number>().as('count')])
        .where('category', 'is not', null)
        .groupBy('category')
        .orderBy('count', 'desc')
        .orderBy('category')
        .execute();
      return rows.map((row) => ({ category: row.category!, count: num(row.count) }));
    });
  }

  /** Counts over all incidents in one scan; `last24h` counts those detected in the 24 hours before `now` (epoch ms, default the clock). */
  async stats(now = Date.now()): Promise<IncidentStats> {
    const count = (column: 'status' | 'review_state' | 'severity', value: string | null) =>
      value === null
        ? sql<number>`sum(case when ${sql.ref(column)} is null then 1 else 0 end)`
        : sql<number>`sum(case when ${sql.ref(column)} = ${value} then 1 else 0 end)`;
    return this.run('count incidents', async (db) => {
      const row = await db
        .selectFrom('incidents')
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          sql<number>`sum(${sql.ref('occurrences')})`.as('occurrences'),
          sql<number>`sum(case when ${sql.ref('detected_at')} >= ${now - 24 * 3_600_000} then 1 else 0 end)`.as('last24h'),
          ...TRIAGE_STATUSES.map((s) => count('status', s).as(`status_${s}`)),
          ...REVIEW_STATES.map((s) => count('review_state', s).as(`review_${s}`)),
          ...SEVERITIES.map((s) => count('severity', s).as(`severity_${s}`)),
          count('severity', null).as('severity_unknown'),
        ])
        .executeTakeFirstOrThrow();
      const values = row as Record<string, number | string | null>;
      const pick = <K extends string>(prefix: string, keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, num(values[`${prefix}_${k}`])])) as Record<K, number>;
      return {
        total: num(values.total),
        byStatus: pick('status', TRIAGE_STATUSES),
        byReview: pick('review', REVIEW_STATES),
        bySeverity: pick('severity', [...SEVERITIES, 'unknown'] as const),
        last24h: num(values.last24h),
        occurrences: num(values.occurrences),
      };
    });
  }

  /**
   * Applies a review in one transaction: the incident's review state, corrections and effective
   * category, the audit entry (`before`/`after` are the review part), and the allow-list. Every
   * action records `actor` as the reviewer; `note` may accompany any action.
   */
  async review(id: string, input: ReviewInput, actor: string, now = Date.now()): Promise<StoredIncident | undefined> {
    const action = requireOneOf(input.action, ['confirm', 'false_positive', 'relabel', 'edit_explanation', 'note'] as const, 'review action');
    requireText(actor, 'the reviewer (actor)', MAX_NAME);
    const category = action === 'relabel' ? requireText(input.category, 'relabel: category', MAX_CATEGORY).trim() : undefined;
    const explanation = action === 'edit_explanation' ? requireText(input.explanation, 'edit_explanation: explanation', MAX_EXPLANATION) : undefined;
    const note = action === 'note' || input.note !== undefined ? requireText(input.note, `${action}: note`, MAX_NOTE) : undefined;
    return this.run('review an incident', (db) =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('incidents')
          .select(INCIDENT_COLUMNS)
          .where('id', '=', id)
          .$if(this.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst();
        if (!row) return undefined;
        const before: ReviewPart = toStoredIncident(row).review;
        const corrections: ReviewCorrections = { ...before.corrections };
        if (category !== undefined) corrections.category = category;
        if (explanation !== undefined) corrections.explanation = explanation;
        if (note !== undefined) corrections.note = note;
        const state: ReviewState = action === 'confirm' ? 'confirmed' : action === 'false_positive' ? 'false_positive' : action === 'relabel' ? 'relabelled' : before.state;
        const after: ReviewPart = { state, reviewer: actor, reviewedAt: now, corrections };
        const result = row.triage_result === null ? undefined : (JSON.parse(row.triage_result) as TriageResult);
        const changes = {
          review_state: state,
          reviewer: actor,
          reviewed_at: now,
          corrections: JSON.stringify(corrections),
          category: corrections.category ?? result?.category ?? null,
          updated_at: now,
        };
        await trx
          .updateTable('incidents')
          .set({ ...changes, search_extra: reviewSearchText(result, corrections) })
          .where('id', '=', id)
          .execute();
        await trx
          .insertInto('audit_log')
          .values({ at: now, actor, action, incident_id: id, before: JSON.stringify(before), after: JSON.stringify(after) })
          .execute();
        if (action === 'false_positive') {
          await trx
            .insertInto('suppressed_signatures')
            .values({ signature: row.signature, incident_id: id, actor, at: now })
            .onConflict((conflict) => conflict.column('signature').doUpdateSet({ incident_id: id, actor, at: now }))
            .execute();
        } else if (before.state === 'false_positive' && (action === 'confirm' || action === 'relabel')) {
          await trx.deleteFrom('suppressed_signatures').where('signature', '=', row.signature).execute();
        }
        // The row is locked (PostgreSQL) or the database is (SQLite): it is what the update left.
        return toStoredIncident({ ...row, ...changes });
      }),
    );
  }

  /** Audit entries, newest first: of one incident, or of all. `limit` default 100, at most 1000. */
  async audit(incidentId?: string, limit = 100): Promise<AuditEntry[]> {
    const size = Math.max(1, Math.min(Math.trunc(limit), 1_000));
    return this.run('read the audit log', async (db) => {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .$if(incidentId !== undefined, (q) => q.where('incident_id', '=', incidentId!))
        .orderBy('id', 'desc')
        .limit(size)
        .execute();
      return rows.map(toAuditEntry);
    });
  }

  async suppressedSignatures(): Promise<Set<string>> {
    return this.run('read the allow-list', async (db) => {
      const rows = await db.selectFrom('suppressed_signatures').select('signature').execute();
      return new Set(rows.map((row) => row.signature));
    });
  }

  async falsePositiveSessions(): Promise<string[][]> {
    return this.run('read false-positive sessions', async (db) => {
      const rows = await db.selectFrom('incidents').select('template_ids').where('review_state', '=', 'false_positive').orderBy('detected_at').orderBy('id').execute();
      return rows.map((row) => JSON.parse(row.template_ids) as string[]);
    });
  }

  /**
   * Claims up to `limit` (1–1000) claimable incidents, oldest first, for `worker` until
   * `now + leaseMs`, adding one to their `attempts`. Claimable: `pending`, `notBefore` passed and
   * no lease or an expired one. PostgreSQL locks the chosen rows `FOR UPDATE SKIP LOCKED`, SQLite
   * holds its one write lock (`BEGIN IMMEDIATE`), so no incident goes to two workers at once.
   */
  async claim(worker: string, limit: number, leaseMs: number, now = Date.now()): Promise<StoredIncident[]> {
    requireText(worker, 'worker', MAX_NAME);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InputError(`claim limit must be a whole number from 1 to 1000; found ${limit}`);
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new InputError(`leaseMs must be a positive number of milliseconds; found ${leaseMs}`);
    return this.run('claim incidents for triage', (db) =>
      db.transaction().execute(async (trx) => {
        const chosen = await trx
          .selectFrom('incidents')
          .select('id')
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now)]))
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
          .orderBy('detected_at')
          .orderBy('id')
          .limit(limit)
          .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
          .execute();
        if (chosen.length === 0) return [];
        const ids = chosen.map((row) => row.id);
        const rows = await trx
          .updateTable('incidents')
          .set((eb) => ({ claimed_by: worker, lease_until: now + leaseMs, attempts: eb('attempts', '+', 1), updated_at: now }))
          .where('id', 'in', ids)
          .returning(INCIDENT_COLUMNS)
          .execute();
        const order = new Map(ids.map((id, i) => [id, i]));
        return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!).map(toStoredIncident);
      }),
    );
  }

  /** Stores tier 2's result: `triaged`, lease released, effective category updated unless a reviewer set one. */
  async completeTriage(id: string, worker: string, result: TriageResult, now = Date.now()): Promise<boolean> {
    requireOneOf(result.severity, SEVERITIES, 'triage severity');
    requireText(result.category, 'triage category', MAX_CATEGORY);
    return this.run('store a triage result', (db) =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('incidents')
          .select('corrections')
          .where('id', '=', id)
          .where('claimed_by', '=', worker)
          .where('status', '=', 'pending')
          .$if(this.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst();
        if (!row) return false;
        const corrections = JSON.parse(row.corrections) as ReviewCorrections;
        await trx
          .updateTable('incidents')
          .set({
            status: 'triaged',
            triage_result: JSON.stringify(result),
            triaged_at: now,
            category: corrections.category ?? result.category,
            severity: result.severity,
            claimed_by: null,
            lease_until: null,
            not_before: null,
            last_error: null,
            search_extra: reviewSearchText(result, corrections),
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        return true;
      }),
    );
  }

  /** Records a failed attempt: `failed` for good when `final`, else `pending` again, claimable from `retryAt` (default `now`). The error text is kept (first 4000 characters). */
  async failTriage(id: string, worker: string, error: string, options: { retryAt?: number; final: boolean }, now = Date.now()): Promise<boolean> {
    return this.run('record a failed triage', async (db) => {
      const result = await db
        .updateTable('incidents')
        .set({
          status: options.final ? 'failed' : 'pending',
          last_error: String(error).slice(0, MAX_ERROR),
          claimed_by: null,
          lease_until: null,
          not_before: options.final ? null : Math.round(options.retryAt ?? now),
          updated_at: now,
        })
        .where('id', '=', id)
        .where('claimed_by', '=', worker)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Incidents in state `pending`, including those a worker holds right now. */
  async pendingCount(): Promise<number> {
    return this.run('count pending incidents', async (db) => {
      const row = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
      return num(row.n);
    });
  }

  /** A new token `lt_` + 43 base64url characters (32 random bytes); only its sha256 is stored. */
  async createToken(name: string, role: Role, now = Date.now()): Promise<{ token: string; info: TokenInfo }> {
    requireText(name, 'token name', MAX_NAME);
    requireOneOf(role, ROLES, 'token role');
    const token = `lt_${randomBytes(32).toString('base64url')}`;
    const info: TokenInfo = { id: `tok_${randomBytes(8).toString('hex')}`, name, role, createdAt: now };
    await this.run('create a token', (db) => db.insertInto('api_tokens').values({ id: info.id, name, role, token_hash: hashToken(token), created_at: now }).execute());
    return { token, info };
  }

  async listTokens(): Promise<TokenInfo[]> {
    return this.run('list tokens', async (db) => {
      const rows = await db.selectFrom('api_tokens').select(['id', 'name', 'role', 'created_at', 'last_used_at', 'revoked_at']).orderBy('created_at').orderBy('id').execute();
      return rows.map(toTokenInfo);
    });
  }

  /** Revokes a token for good (revoking it again changes nothing and answers true). */
  async revokeToken(id: string, now = Date.now()): Promise<boolean> {
    return this.run('revoke a token', async (db) => {
      const found = await db.selectFrom('api_tokens').select('id').where('id', '=', id).executeTakeFirst();
      if (!found) return false;
      await db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      return true;
    });
  }

  /** The token's info when it exists and is not revoked; `lastUsedAt` is recorded with a resolution of {@link TOKEN_USE_RESOLUTION_MS}. */
  async verifyToken(token: string, now = Date.now()): Promise<TokenInfo | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1_000) return undefined;
    const hash = hashToken(token);
    return this.run('verify a token', async (db) => {
      const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
      // The lookup goes by hash, so it reveals nothing of the token; the constant-time comparison
      // guards against a collation or index that would match a different string.
      if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
      const info = toTokenInfo(row);
      if (info.lastUsedAt === undefined || now - info.lastUsedAt >= TOKEN_USE_RESOLUTION_MS) {
        await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
        info.lastUsedAt = now;
      }
      return info;
    });
  }

  async hasTokens(): Promise<boolean> {
    return this.run('look for tokens', async (db) => {
      const row = await db.selectFrom('api_tokens').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
      return row !== undefined;
    });
  }

  /** Closes the database (SQLite) or ends the pool (PostgreSQL). Later calls reject with an `IncidentStoreError`. Safe to call twice. */
  async dispose(): Promise<void> {
    clearInterval(this.optimizeTimer);
    this.disposed = true;
    this.disposing ??= this.db.destroy().catch((error: unknown) => {
      this.logger.warn({ err: error, store: this.target }, 'closing the incident store failed');
    });
    await this.disposing;
  }
}
