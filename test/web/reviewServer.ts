import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '../../src/api/index.js';
import { KyselyIncidentStore } from '../../src/incidents/index.js';
import { createWebHandler } from '../../src/web/index.js';
import { pendingFixture, reviewFixtures, type IncidentFixture } from './fixtures.js';

/** The real API and review page over a real SQLite store in a temporary folder, seeded with the fixtures. */
export interface ReviewServer {
  /** Base URL, with a trailing slash. */
  url: string;
  store: KyselyIncidentStore;
  /** Incident id by fixture key. */
  ids: Map<string, string>;
  fixtures: Map<string, IncidentFixture>;
  /** The id of fixture `key`; throws for an unknown key. */
  id(key: string): string;
  close(): Promise<void>;
}

export const TEST_WORKER = 'test-worker';

/**
 * Starts the server: fixtures recorded, claimed and triaged (or failed) as a triage worker would,
 * then the pending one recorded last so it stays unclaimed.
 */
export async function startReviewServer(now = Date.now()): Promise<ReviewServer> {
  const dir = mkdtempSync(join(tmpdir(), 'logtriage-web-'));
  const store = KyselyIncidentStore.sqlite(join(dir, 'logtriage.db'));
  await store.migrate();
  const ids = new Map<string, string>();
  const fixtures = new Map<string, IncidentFixture>();
  const byId = new Map<string, IncidentFixture>();
  for (const fixture of reviewFixtures(now)) {
    const { id } = await store.record(fixture.incident);
    ids.set(fixture.key, id);
    fixtures.set(fixture.key, fixture);
    byId.set(id, fixture);
  }
  for (const claimed of await store.claim(TEST_WORKER, 1000, 60_000, now)) {
    const fixture = byId.get(claimed.id)!;
    if (fixture.triage) await store.completeTriage(claimed.id, TEST_WORKER, fixture.triage, now);
    else await store.failTriage(claimed.id, TEST_WORKER, fixture.failedWith ?? 'failed', { final: true }, now);
  }
  const pending = pendingFixture(now);
  ids.set(pending.key, (await store.record(pending.incident)).id);
  fixtures.set(pending.key, pending);

  const app = createApiApp({ store, web: createWebHandler() });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    store,
    ids,
    fixtures,
    id(key) {
      const id = ids.get(key);
      if (!id) throw new Error(`no fixture ${key}`);
      return id;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
