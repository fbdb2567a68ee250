import { join } from 'node:path';
import type { StoreConfig } from '../config/store.js';
import { ConfigError, LogtriageError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { KyselyIncidentStore } from './KyselyIncidentStore.js';
import { redactUrl } from './redactUrl.js';
import { isConnectFailure, storeErrorHint } from './storeErrorHint.js';

/** What {@link createIncidentStore} needs: the `store` config slice and the service's data directory. */
export type IncidentStoreSettings = StoreConfig & { dataDir: string };

/**
 * Opens the configured incident store and brings its schema to the latest version: SQLite at
 * `sqlitePath` (default `<dataDir>/logtriage.db`) or PostgreSQL at `postgresUrl` with `poolSize`
 * connections. A database that cannot be opened or reached rejects with a `LogtriageError` that
 * names it (a URL without its password) and says what to check; nothing is left open then.
 */
export async function createIncidentStore(settings: IncidentStoreSettings, logger: Logger = silentLogger()): Promise<KyselyIncidentStore> {
  let store: KyselyIncidentStore;
  if (settings.kind === 'postgres') {
    if (!settings.postgresUrl) throw new ConfigError('store.kind is postgres but store.postgresUrl is not set; give a connection string such as postgres://user@host:5432/db');
    store = KyselyIncidentStore.postgres({ url: settings.postgresUrl, poolSize: settings.poolSize, logger });
  } else {
    const path = settings.sqlitePath ?? join(settings.dataDir, 'logtriage.db');
    try {
      store = KyselyIncidentStore.sqlite(path, { logger });
    } catch (error) {
      throw new LogtriageError('STORE_UNAVAILABLE', `cannot open the SQLite incident store ${path}: ${(error as Error).message}; ${storeErrorHint('sqlite', error)}`, { cause: error });
    }
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.dispose();
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    if (settings.kind === 'postgres' && isConnectFailure(cause)) {
      throw new LogtriageError(
        'STORE_UNAVAILABLE',
        `cannot reach PostgreSQL at ${redactUrl(settings.postgresUrl!)} for the incident store: ${(cause as Error).message}; check that the server is running and accepts connections at that host and port (firewall, listen_addresses, pg_hba.conf), and store.postgresUrl`,
        { cause: error },
      );
    }
    throw error;
  }
  logger.info({ store: store.target }, 'incident store ready');
  return store;
}
