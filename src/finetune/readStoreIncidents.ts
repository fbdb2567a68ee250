import type { IncidentQuery, IncidentStore, StoredIncident } from '../incidents/IncidentStore.js';

const PAGE = 500;

/** The incidents of the store matching `query`, newest first, read a page at a time: all of them, or the newest `limit`. */
export async function listAll(store: IncidentStore, query: Omit<IncidentQuery, 'limit' | 'cursor'> = {}, limit = Infinity): Promise<StoredIncident[]> {
  const all: StoredIncident[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, limit: Math.min(PAGE, limit - all.length), ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && all.length < limit);
  return all;
}

/**
 * The reviewed incidents of the store in the order the triage worker reads them for similar
 * incidents: confirmed ones newest first, then relabelled ones newest first.
 */
export async function readReviewedIncidents(store: IncidentStore): Promise<StoredIncident[]> {
  const confirmed = await listAll(store, { reviewState: 'confirmed' });
  const relabelled = await listAll(store, { reviewState: 'relabelled' });
  return [...confirmed, ...relabelled];
}
