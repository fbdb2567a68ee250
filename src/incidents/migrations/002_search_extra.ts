import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Version 2: the searchable text of tier 2's summary and explanation and the reviewer's
 * explanation moves to its own small column, `search_extra`, so storing a triage or a review no
 * longer rewrites the large `search_text` (session key, service, templates, lines), which is now
 * written once. Rows from version 1 keep their combined `search_text`, which still matches.
 */
export const searchExtraMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('incidents')
      .addColumn('search_extra', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  },
};
