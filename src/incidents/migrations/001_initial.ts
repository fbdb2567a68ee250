import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { StoreDialect } from '../schema.js';

/**
 * Columns of `incidents` that list filters use. Each gets an index (column, detected_at, id, the
 * other filter columns): a filtered page is read in order, and SQLite checks the other filters in
 * the index before it reads a row (at 100,000 incidents a rare combination of three filters went
 * from 50 ms to under 1 ms).
 */
const FILTER_COLUMNS = ['status', 'category', 'severity', 'service', 'review_state'] as const;

/**
 * Version 1: incidents (with the triage queue and the review in the same row), the audit log, the
 * false-positive allow-list and API tokens. The only dialect difference is the audit log's
 * auto-incrementing key.
 */
export function initialMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('incidents')
        // Small, filtered columns first and large text last: SQLite reads a row's columns in order,
        // so checking `status` must not walk through the overflow pages of `lines` first.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('signature', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('category', 'text')
        .addColumn('severity', 'text')
        .addColumn('service', 'text')
        .addColumn('review_state', 'text', (c) => c.notNull().defaultTo('unreviewed'))
        .addColumn('detected_at', 'bigint', (c) => c.notNull())
        .addColumn('last_detected_at', 'bigint', (c) => c.notNull())
        .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('claimed_by', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('not_before', 'bigint')
        .addColumn('triaged_at', 'bigint')
        .addColumn('reviewer', 'text')
        .addColumn('reviewed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('session_key', 'text', (c) => c.notNull())
        .addColumn('trace_id', 'text')
        .addColumn('first_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('truncated_lines', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('threshold', 'double precision', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('corrections', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('triage_result', 'text')
        .addColumn('template_ids', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('templates', 'text', (c) => c.notNull())
        .addColumn('lines', 'text', (c) => c.notNull())
        .addColumn('search_text', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('incidents_detected').on('incidents').columns(['detected_at', 'id']).execute();
      await db.schema.createIndex('incidents_last_detected').on('incidents').column('last_detected_at').execute();
      for (const column of FILTER_COLUMNS) {
        const others = FILTER_COLUMNS.filter((c) => c !== column);
        await db.schema.createIndex(`incidents_${column}`).on('incidents').columns([column, 'detected_at', 'id', ...others]).execute();
      }

      await db.schema
        .createTable('audit_log')
        .$call((t) =>
          dialect === 'postgres'
            ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
            : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
        )
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('before', 'text', (c) => c.notNull())
        .addColumn('after', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_incident').on('audit_log').columns(['incident_id', 'id']).execute();

      await db.schema
        .createTable('suppressed_signatures')
        .addColumn('signature', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  };
}
