import type { Migration, MigrationProvider } from 'kysely/migration';
import type { StoreDialect } from '../schema.js';
import { initialMigration } from './001_initial.js';
import { searchExtraMigration } from './002_search_extra.js';

/**
 * The store's migrations, defined in code (no files to find at run time), keyed by name; Kysely's
 * `Migrator` runs them in name order and records each in `kysely_migration`. Append new versions;
 * never change one that has shipped.
 */
export function storeMigrations(dialect: StoreDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '001_initial': initialMigration(dialect),
    '002_search_extra': searchExtraMigration,
  };
  return { getMigrations: async () => migrations };
}
