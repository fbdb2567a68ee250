import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { postgresKysely, sqliteKysely } from '../../src/incidents/dialects.js';
import { KyselyIncidentStore, signatureOf, type NewIncident, type TriageResult } from '../../src/incidents/index.js';
import type { StoreTables } from '../../src/incidents/schema.js';

/** The PostgreSQL of the integration tests (CI sets it); unset: the PostgreSQL variants are skipped. */
export const PG_URL = process.env.LOGTRIAGE_TEST_PG_URL;
export const PG_SKIP_REASON = 'LOGTRIAGE_TEST_PG_URL is not set, e.g. postgres://postgres@127.0.0.1:5432/test';

/** The connection string with `search_path` set to `schema` (and an application_name to find its connections). */
export function urlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  parsed.searchParams.set('application_name', schema);
  return parsed.toString();
}

/** Runs SQL as the test's administrator (outside any store). */
export async function adminQuery(text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** One database for one test: a temp SQLite file, or a fresh PostgreSQL schema `lt_<random>` (dropped by `cleanup`). */
export interface StoreBackend {
  kind: 'sqlite' | 'postgres';
  /** A new store on this database (its own connection or pool), not yet migrated. */
  open(): KyselyIncidentStore;
  /** sqlite: the file; postgres: the schema. */
  where: string;
  /** Plain Kysely on this database, for setting up what a store would not write (destroy it after use). */
  kysely(): Kysely<StoreTables>;
  cleanup(): Promise<void>;
}

export async function sqliteBackend(): Promise<StoreBackend> {
  const dir = mkdtempSync(join(tmpdir(), 'logtriage-store-'));
  const path = join(dir, 'db', 'logtriage.db');
  return { kind: 'sqlite', where: path, open: () => KyselyIncidentStore.sqlite(path), kysely: () => sqliteKysely(path).db, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postgresBackend(poolSize = 4): Promise<StoreBackend> {
  const schema = `lt_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = urlWithSchema(PG_URL!, schema);
  return {
    kind: 'postgres',
    where: schema,
    open: () => KyselyIncidentStore.postgres({ url, poolSize }),
    kysely: () => postgresKysely({ url, poolSize: 1 }).db,
    cleanup: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

export const BASE_TIME = 1_700_000_000_000;

/** A flagged session; `templateIds` make its signature. */
export function newIncident(templateIds: string[], overrides: Partial<NewIncident> = {}): NewIncident {
  const detectedAt = overrides.detectedAt ?? BASE_TIME;
  return {
    sessionKey: `blk_${templateIds.join('')}`,
    service: 'checkout',
    firstTimestamp: detectedAt - 5_000,
    lastTimestamp: detectedAt - 100,
    detectedAt,
    templateIds,
    templates: templateIds.map((id) => `Received block <*> of size <*> from <*> (${id})`),
    lines: templateIds.map((id, i) => `081109 2035${i} INFO dfs.DataNode: Received block blk_-16089 of size 67108864 from /10.251.42.84 (${id})`),
    truncatedLines: 0,
    score: 14.5,
    threshold: 7.25,
    evidence: [{ position: 1, templateId: templateIds[0] ?? 'x', surprise: 9.1, expected: [{ templateId: 'E5', probability: 0.93 }] }],
    modelVersion: 'lstm-v3',
    signature: signatureOf(templateIds),
    ...overrides,
  };
}

export function triageResult(overrides: Partial<TriageResult> = {}): TriageResult {
  return {
    category: 'resource_exhaustion',
    severity: 'high',
    confidence: 0.8,
    summary: 'DataNode ran out of disk while receiving blocks',
    explanation: 'The write pipeline failed after the DataNode reported No space left on device.',
    evidenceLines: [0],
    suggestedActions: ['free disk space on the DataNode'],
    backend: 'heuristic',
    ...overrides,
  };
}
