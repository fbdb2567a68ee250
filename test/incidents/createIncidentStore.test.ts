import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIncidentStore, IncidentStoreError, KyselyIncidentStore, redactUrl } from '../../src/incidents/index.js';
import { LogtriageError } from '../../src/util/errors.js';
import { createLogger } from '../../src/util/logger.js';
import { adminQuery, newIncident, PG_SKIP_REASON, PG_URL, postgresBackend, urlWithSchema, type StoreBackend } from './storeFixtures.js';

const defaults = { poolSize: 4 } as const;

describe('createIncidentStore on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logtriage-create-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates <dataDir>/logtriage.db, migrated and in WAL mode, and keeps incidents across a reopen', async () => {
    const dataDir = join(dir, 'data');
    const store = await createIncidentStore({ kind: 'sqlite', dataDir, ...defaults });
    const { id } = await store.record(newIncident(['E1']));
    await store.dispose();
    await store.dispose();
    expect(existsSync(join(dataDir, 'logtriage.db'))).toBe(true);
    const raw = new BetterSqlite3(join(dataDir, 'logtriage.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('select name from kysely_migration order by name').all()).toEqual([{ name: '001_initial' }, { name: '002_search_extra' }]);
    raw.close();
    const reopened = await createIncidentStore({ kind: 'sqlite', dataDir, ...defaults });
    expect((await reopened.get(id))?.occurrences).toBe(1);
    await reopened.dispose();
  });

  it('uses sqlitePath when given', async () => {
    const sqlitePath = join(dir, 'elsewhere', 'incidents.sqlite');
    const store = await createIncidentStore({ kind: 'sqlite', dataDir: join(dir, 'data'), sqlitePath, ...defaults });
    await store.dispose();
    expect(existsSync(sqlitePath)).toBe(true);
    expect(existsSync(join(dir, 'data', 'logtriage.db'))).toBe(false);
  });

  it('names the file and what to do when it is not a database', async () => {
    const sqlitePath = join(dir, 'not-a-db.sqlite');
    writeFileSync(sqlitePath, 'this is a text file, not SQLite '.repeat(200));
    const error = await createIncidentStore({ kind: 'sqlite', dataDir: dir, sqlitePath, ...defaults }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogtriageError);
    expect((error as Error).message).toContain(sqlitePath);
    expect((error as Error).message).toMatch(/not a (healthy SQLite )?database/);
  });

  it('rejects calls with a clear IncidentStoreError when the database handle goes away at run time', async () => {
    mkdirSync(join(dir, 'db'));
    const handle = new BetterSqlite3(join(dir, 'db', 'x.db'));
    const store = KyselyIncidentStore.sqlite(handle);
    await store.migrate();
    await store.record(newIncident(['E1']));
    handle.close();
    const error = await store.record(newIncident(['E2'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncidentStoreError);
    expect((error as IncidentStoreError).code).toBe('STORE_UNAVAILABLE');
    expect((error as Error).message).toMatch(/^incident store \(sqlite .*x\.db\): cannot record an incident: .*not open.*; the database handle was closed/);
    await expect(store.list()).rejects.toBeInstanceOf(IncidentStoreError);
    await store.dispose();
    await store.dispose();
  });
});

describe('createIncidentStore on PostgreSQL', () => {
  it('says which server it cannot reach (without the password) and what to check', async () => {
    const started = Date.now();
    const error = await createIncidentStore({ kind: 'postgres', dataDir: '.', postgresUrl: 'postgres://logtriage:s3cret-pw@127.0.0.1:1/logtriage', ...defaults }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogtriageError);
    const message = (error as Error).message;
    expect(message).toContain('postgres://logtriage:***@127.0.0.1:1/logtriage');
    expect(message).not.toContain('s3cret');
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toMatch(/check that the server is running/);
    expect((error as LogtriageError).code).toBe('STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses postgres without a URL', async () => {
    await expect(createIncidentStore({ kind: 'postgres', dataDir: '.', ...defaults })).rejects.toThrow(/store.postgresUrl is not set/);
  });

  describe.skipIf(!PG_URL)(PG_URL ? 'with a server' : `with a server (skipped: ${PG_SKIP_REASON})`, () => {
    let backend: StoreBackend;
    beforeEach(async () => {
      backend = await postgresBackend();
    });
    afterEach(async () => backend.cleanup());

    it('names a database that does not exist', async () => {
      const url = new URL(PG_URL!);
      url.pathname = '/lt_no_such_database';
      const error = await createIncidentStore({ kind: 'postgres', dataDir: '.', postgresUrl: url.toString(), ...defaults }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LogtriageError);
      expect((error as Error).message).toMatch(/lt_no_such_database.*does not exist.*create it or fix the database name/);
    });

    it('migrates into the schema of its search_path and reports a dropped schema as missing tables', async () => {
      const store = await createIncidentStore({ kind: 'postgres', dataDir: '.', postgresUrl: urlWithSchema(PG_URL!, backend.where), ...defaults });
      try {
        await store.record(newIncident(['E1']));
        const tables = await adminQuery(`select table_name from information_schema.tables where table_schema = '${backend.where}' order by 1`);
        expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(['api_tokens', 'audit_log', 'incidents', 'kysely_migration', 'kysely_migration_lock', 'suppressed_signatures']);
        await adminQuery(`DROP SCHEMA ${backend.where} CASCADE`);
        const error = await store.record(newIncident(['E2'])).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(IncidentStoreError);
        expect((error as Error).message).toMatch(/^incident store \(postgres postgres:\/\/.*\): cannot record an incident: relation "incidents" does not exist; the tables are missing/);
        expect((error as IncidentStoreError).code).toBe('STORE_FAILED');
        await expect(store.stats()).rejects.toThrow(/tables are missing/);
      } finally {
        await store.dispose();
      }
    });

    it('survives its connections being terminated: idle errors are logged, and calls work again', async () => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }) });
      const store = await createIncidentStore({ kind: 'postgres', dataDir: '.', postgresUrl: urlWithSchema(PG_URL!, backend.where), ...defaults }, logger);
      try {
        await Promise.all([1, 2, 3].map((i) => store.record(newIncident([`E${i}`]))));
        const killed = await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = '${backend.where}'`);
        expect(killed.rowCount).toBeGreaterThan(0);
        const failures: unknown[] = [];
        let page;
        for (let attempt = 0; attempt < 5 && !page; attempt++) {
          page = await store.list().catch((e: unknown) => void failures.push(e));
          if (!page) await new Promise((r) => setTimeout(r, 100));
        }
        expect(page?.items).toHaveLength(3);
        for (const failure of failures) {
          expect(failure).toBeInstanceOf(IncidentStoreError);
          expect((failure as Error).message).toMatch(/unreachable or restarted/);
          expect((failure as IncidentStoreError).code).toBe('STORE_UNAVAILABLE');
        }
        await new Promise((r) => setTimeout(r, 50));
        expect(lines.join('')).toMatch(/idle PostgreSQL connection failed/);
        expect(lines.join('')).not.toMatch(/"password"/);
      } finally {
        await store.dispose();
      }
    });
  });
});

describe('redactUrl', () => {
  it('hides passwords in the user part and in parameters, and never shows an unparseable string', () => {
    expect(redactUrl('postgres://u:pw@db:5432/x')).toBe('postgres://u:***@db:5432/x');
    expect(redactUrl('postgres://u@db/x?password=pw&sslmode=require')).toBe('postgres://u@db/x?password=***&sslmode=require');
    expect(redactUrl('postgres://db/x')).toBe('postgres://db/x');
    expect(redactUrl('host=db password=pw')).not.toContain('pw');
  });
});
