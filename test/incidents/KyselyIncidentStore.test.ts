import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialMigration } from '../../src/incidents/migrations/001_initial.js';
import { newIncidentRow } from '../../src/incidents/rows.js';
import { InputError } from '../../src/util/errors.js';
import { IncidentStoreError, MAX_PAGE_SIZE, SEARCH_PROBE_ROWS, type IncidentQuery, type KyselyIncidentStore, type Severity, type StoredIncident } from '../../src/incidents/index.js';
import { BASE_TIME, newIncident, PG_SKIP_REASON, PG_URL, postgresBackend, sqliteBackend, triageResult, type StoreBackend } from './storeFixtures.js';

const backends = [
  { name: 'sqlite', make: sqliteBackend, skip: false },
  { name: PG_URL ? 'postgres' : `postgres (skipped: ${PG_SKIP_REASON})`, make: postgresBackend, skip: !PG_URL },
];

/** Records in chunks, so PostgreSQL uses its pool without queueing hundreds of queries at once. */
async function recordAll(store: KyselyIncidentStore, incidents: ReturnType<typeof newIncident>[]): Promise<{ id: string }[]> {
  const out: { id: string }[] = [];
  for (let i = 0; i < incidents.length; i += 20) out.push(...(await Promise.all(incidents.slice(i, i + 20).map((inc) => store.record(inc)))));
  return out;
}

async function allPages(store: KyselyIncidentStore, query: IncidentQuery): Promise<{ pages: StoredIncident[][]; ids: string[] }> {
  const pages: StoredIncident[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 1_000) throw new Error('paging does not end');
  } while (cursor);
  return { pages, ids: pages.flat().map((i) => i.id) };
}

/** Newest first by (detectedAt, id), as the store promises. */
function newestFirst(a: StoredIncident, b: StoredIncident): number {
  return b.detectedAt - a.detectedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

describe.each(backends)('KyselyIncidentStore on $name', ({ make, skip }) => {
  let backend: StoreBackend;
  let store: KyselyIncidentStore;
  const opened: KyselyIncidentStore[] = [];

  /** Another store (own connection or pool) on the same database. */
  async function another(): Promise<KyselyIncidentStore> {
    const s = backend.open();
    opened.push(s);
    await s.migrate();
    return s;
  }

  beforeEach(async ({ skip: skipTest }) => {
    if (skip) skipTest(PG_SKIP_REASON);
    backend = await make();
    store = await another();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.dispose()));
    await backend?.cleanup();
  });

  describe('record', () => {
    it('stores a new signature as a pending, unreviewed incident with every field', async () => {
      const input = newIncident(['E1', 'E2', 'E3'], { traceId: 'abc123', truncatedLines: 4 });
      const { id, occurrences } = await store.record(input);
      expect(occurrences).toBe(1);
      expect(id).toMatch(/^inc_/);
      const stored = await store.get(id);
      expect(stored).toEqual({
        ...input,
        id,
        occurrences: 1,
        lastDetectedAt: input.detectedAt,
        triage: { status: 'pending', attempts: 0 },
        review: { state: 'unreviewed', corrections: {} },
        updatedAt: expect.any(Number),
      });
      expect(await store.get('inc_unknown')).toBeUndefined();
    });

    it('keeps times in whole milliseconds: OTLP times arrive with microseconds as fractions', async () => {
      const input = newIncident(['E7'], { firstTimestamp: 1_795_453_713_072.9998, lastTimestamp: 1_795_453_713_080.25, detectedAt: 1_795_453_713_100.5 });
      const { id } = await store.record(input);
      const stored = await store.get(id);
      expect([stored!.firstTimestamp, stored!.lastTimestamp, stored!.detectedAt]).toEqual([1_795_453_713_073, 1_795_453_713_080, 1_795_453_713_101]);
    });

    it('counts the same signature again as one more occurrence, keeping the latest detection', async () => {
      const first = await store.record(newIncident(['E1', 'E2'], { detectedAt: BASE_TIME }));
      const again = await store.record(newIncident(['E1', 'E2'], { detectedAt: BASE_TIME + 60_000, sessionKey: 'other' }));
      const late = await store.record(newIncident(['E1', 'E2'], { detectedAt: BASE_TIME + 30_000 }));
      const other = await store.record(newIncident(['E9']));
      expect(again).toEqual({ id: first.id, occurrences: 2 });
      expect(late).toEqual({ id: first.id, occurrences: 3 });
      expect(other.id).not.toBe(first.id);
      const stored = (await store.get(first.id))!;
      expect(stored.lastDetectedAt).toBe(BASE_TIME + 60_000);
      expect(stored.detectedAt).toBe(BASE_TIME);
      expect(stored.sessionKey).toBe('blk_E1E2');
      expect((await store.recent()).map((i) => i.id)).toEqual([first.id, other.id]);
    });

    it('counts concurrent records of one signature atomically, from two connections', async () => {
      const second = await another();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : second).record(newIncident(['E7'], { detectedAt: BASE_TIME + i }))));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.map((r) => r.occurrences).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await store.get(results[0]!.id))!.occurrences).toBe(40);
      expect((await store.stats(BASE_TIME)).total).toBe(1);
    });
  });

  describe('list', () => {
    const SERVICES = ['checkout', 'payments', 'search'];
    const CATEGORIES = ['resource_exhaustion', 'dependency_failure', 'crash_loop'];
    const SEVERITY: Severity[] = ['critical', 'high', 'medium', 'low'];

    /** 60 incidents, 3 per detectedAt (ties), triaged, failed, reviewed in a fixed pattern. */
    async function seed(): Promise<StoredIncident[]> {
      const recorded = await recordAll(
        store,
        Array.from({ length: 60 }, (_, i) => newIncident([`T${i}`], { detectedAt: BASE_TIME + Math.floor(i / 3) * 1_000, service: SERVICES[i % 3], sessionKey: `session-${i}` })),
      );
      const claimed = await store.claim('w', 60, 60_000, BASE_TIME + 100_000);
      expect(claimed).toHaveLength(60);
      for (const [i, { id }] of recorded.entries()) {
        if (i % 5 === 4) continue; // stays pending
        if (i % 7 === 6) {
          expect(await store.failTriage(id, 'w', 'LLM timed out', { final: true })).toBe(true);
          continue;
        }
        expect(await store.completeTriage(id, 'w', triageResult({ category: CATEGORIES[i % 3]!, severity: SEVERITY[i % 4]!, summary: `summary ${i}` }))).toBe(true);
      }
      for (const [i, { id }] of recorded.entries()) {
        if (i % 4 === 1) await store.review(id, { action: 'confirm' }, 'alice');
        if (i % 8 === 2) await store.review(id, { action: 'false_positive' }, 'bob');
        if (i % 10 === 3) await store.review(id, { action: 'relabel', category: 'config_error' }, 'carol');
      }
      const all: StoredIncident[] = [];
      for (const { id } of recorded) all.push((await store.get(id))!);
      return all.sort(newestFirst);
    }

    it('filters by every field, alone and combined, newest first', async () => {
      const all = await seed();
      const effectiveCategory = (i: StoredIncident) => i.review.corrections.category ?? i.triage.result?.category;
      const cases: [IncidentQuery, (i: StoredIncident) => boolean][] = [
        [{}, () => true],
        [{ status: 'pending' }, (i) => i.triage.status === 'pending'],
        [{ status: 'triaged' }, (i) => i.triage.status === 'triaged'],
        [{ status: 'failed' }, (i) => i.triage.status === 'failed'],
        [{ category: 'dependency_failure' }, (i) => effectiveCategory(i) === 'dependency_failure'],
        [{ category: 'config_error' }, (i) => effectiveCategory(i) === 'config_error'],
        [{ severity: 'critical' }, (i) => i.triage.result?.severity === 'critical'],
        [{ service: 'payments' }, (i) => i.service === 'payments'],
        [{ reviewState: 'confirmed' }, (i) => i.review.state === 'confirmed'],
        [{ reviewState: 'false_positive' }, (i) => i.review.state === 'false_positive'],
        [{ reviewState: 'relabelled' }, (i) => i.review.state === 'relabelled'],
        [{ reviewState: 'unreviewed' }, (i) => i.review.state === 'unreviewed'],
        [{ from: BASE_TIME + 5_000, to: BASE_TIME + 12_000 }, (i) => i.detectedAt >= BASE_TIME + 5_000 && i.detectedAt < BASE_TIME + 12_000],
        [{ service: 'search', status: 'triaged', severity: 'high' }, (i) => i.service === 'search' && i.triage.status === 'triaged' && i.triage.result?.severity === 'high'],
        [{ category: 'crash_loop', reviewState: 'unreviewed', from: BASE_TIME + 3_000 }, (i) => effectiveCategory(i) === 'crash_loop' && i.review.state === 'unreviewed' && i.detectedAt >= BASE_TIME + 3_000],
      ];
      for (const [query, keep] of cases) {
        const expected = all.filter(keep).map((i) => i.id);
        const { items } = await store.list({ ...query, limit: 500 });
        expect(items.map((i) => i.id), JSON.stringify(query)).toEqual(expected);
      }
      // The cases are not vacuous: each filter alone selects some but not all.
      for (const [query, keep] of cases.slice(1)) expect(all.filter(keep).length, JSON.stringify(query)).toBeGreaterThan(0);
    });

    it('pages with the cursor without duplicates or gaps, also under a filter and across equal detection times', async () => {
      const all = await seed();
      for (const [query, expected] of [
        [{ limit: 7 }, all],
        [{ limit: 4, service: 'checkout' }, all.filter((i) => i.service === 'checkout')],
        [{ limit: 1, status: 'failed' }, all.filter((i) => i.triage.status === 'failed')],
      ] as const) {
        const { pages, ids } = await allPages(store, query);
        expect(ids).toEqual(expected.map((i) => i.id));
        expect(new Set(ids).size).toBe(ids.length);
        expect(pages.slice(0, -1).every((p) => p.length === query.limit)).toBe(true);
        expect(pages.at(-1)!.length).toBeGreaterThan(0);
      }
      // An incident detected after the first page was read does not shift the next pages.
      const first = await store.list({ limit: 10 });
      await store.record(newIncident(['NEW'], { detectedAt: BASE_TIME + 999_000 }));
      const second = await store.list({ limit: 10, cursor: first.nextCursor! });
      expect(second.items.map((i) => i.id)).toEqual(all.slice(10, 20).map((i) => i.id));
    });

    it(`defaults to 50 a page, cuts a limit to ${MAX_PAGE_SIZE}, and refuses bad limits and cursors`, async () => {
      await recordAll(store, Array.from({ length: 520 }, (_, i) => newIncident([`P${i}`], { detectedAt: BASE_TIME + i })));
      const page = await store.list();
      expect(page.items).toHaveLength(50);
      expect(page.items[0]!.detectedAt).toBe(BASE_TIME + 519);
      const big = await store.list({ limit: 10_000 });
      expect(big.items).toHaveLength(MAX_PAGE_SIZE);
      const rest = await store.list({ limit: 500, cursor: big.nextCursor! });
      expect(rest.items).toHaveLength(20);
      expect(rest.nextCursor).toBeUndefined();
      await expect(store.list({ limit: 0 })).rejects.toBeInstanceOf(InputError);
      await expect(store.list({ limit: 2.5 })).rejects.toThrow(/limit must be a whole number/);
      await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor .* is not one this store handed out/);
      await expect(store.list({ status: 'done' as never })).rejects.toThrow(/status must be one of pending, triaged, failed/);
    });

    it('searches text case-insensitively over session key, service, templates, lines, summary and explanations, with literal wildcards', async () => {
      const a = await store.record(newIncident(['A'], { sessionKey: 'Trace-ABC-42', service: 'Billing-API', templates: ['Disk quota exceeded for <*>'], lines: ['ERROR pool exhausted: 100% of 64 connections in use'] }));
      const b = await store.record(newIncident(['B'], { sessionKey: 'other', service: 'search', templates: ['GC pause <*> ms'], lines: ['GC pause 1000 ms (young_gen)'], detectedAt: BASE_TIME + 1 }));
      const c = await store.record(newIncident(['C'], { sessionKey: 'third', service: 'auth', templates: ['login ok'], lines: ['login ok'], detectedAt: BASE_TIME + 2 }));
      await store.claim('w', 10, 1_000, BASE_TIME);
      await store.completeTriage(b.id, 'w', triageResult({ summary: 'Long Garbage-Collection pauses', explanation: 'Heap nearly FULL' }));
      await store.review(c.id, { action: 'edit_explanation', explanation: 'Brute-force Attempt from one IP' }, 'alice');
      const search = async (q: string) => (await store.list({ q })).items.map((i) => i.id);
      expect(await search('trace-abc')).toEqual([a.id]);
      expect(await search('BILLING-api')).toEqual([a.id]);
      expect(await search('quota EXCEEDED')).toEqual([a.id]);
      expect(await search('pool exhausted')).toEqual([a.id]);
      expect(await search('garbage-collection')).toEqual([b.id]);
      expect(await search('heap nearly full')).toEqual([b.id]);
      expect(await search('brute-force attempt')).toEqual([c.id]);
      expect(await search('100%')).toEqual([a.id]);
      expect(await search('10_0')).toEqual([]); // `_` is no wildcard: "100" would match it
      expect(await search('young_gen')).toEqual([b.id]);
      expect(await search('%')).toEqual([a.id]);
      expect(await search('gc pause')).toEqual([b.id]);
      expect(await search('nothing like this')).toEqual([]);
      expect(await search('   ')).toEqual([c.id, b.id, a.id]);
      expect((await store.list({ q: 'o', service: 'auth' })).items.map((i) => i.id)).toEqual([c.id]);
    });
    it(`finds text beyond the first ${SEARCH_PROBE_ROWS} rows, and pages through many matches without gaps`, async () => {
      const count = SEARCH_PROBE_ROWS + 100;
      const needle = (i: number) => i % 7 === 0 || i === 1;
      await recordAll(
        store,
        Array.from({ length: count }, (_, i) => newIncident([`N${i}`], { detectedAt: BASE_TIME + i, lines: [needle(i) ? `Needle ${i}` : `hay ${i}`, i === 1 ? 'a rare-token here' : 'nothing'] })),
      );
      const expected = Array.from({ length: count }, (_, i) => i).filter(needle).reverse();
      const { pages, ids } = await allPages(store, { q: 'needle', limit: 50 });
      expect(pages.length).toBe(Math.ceil(expected.length / 50));
      expect(ids.length).toBe(expected.length);
      const all = await allPages(store, { limit: 500 });
      const byId = new Map(all.pages.flat().map((i) => [i.id, i.detectedAt - BASE_TIME]));
      expect(ids.map((id) => byId.get(id))).toEqual(expected);
      // The one match is the oldest incident: the probe of the newest rows misses it, the scan finds it.
      expect((await store.list({ q: 'RARE-token' })).items.map((i) => i.detectedAt - BASE_TIME)).toEqual([1]);
      expect((await store.list({ q: 'needle', from: BASE_TIME, to: BASE_TIME + 10, limit: 1 })).items.map((i) => i.detectedAt - BASE_TIME)).toEqual([7]);
    });
  });

  describe('review', () => {
    it('confirms, marks false positives (allow-list), relabels (effective category), edits the explanation and notes, auditing each in order', async () => {
      const { id } = await store.record(newIncident(['R1', 'R2']));
      const signature = newIncident(['R1', 'R2']).signature;
      await store.claim('w', 1, 1_000, BASE_TIME);
      await store.completeTriage(id, 'w', triageResult({ category: 'dependency_failure' }));

      const fp = (await store.review(id, { action: 'false_positive', note: 'nightly batch job' }, 'alice', BASE_TIME + 1))!;
      expect(fp.review).toEqual({ state: 'false_positive', reviewer: 'alice', reviewedAt: BASE_TIME + 1, corrections: { note: 'nightly batch job' } });
      expect(await store.suppressedSignatures()).toEqual(new Set([signature]));
      expect(await store.falsePositiveSessions()).toEqual([['R1', 'R2']]);

      const relabelled = (await store.review(id, { action: 'relabel', category: 'config_error' }, 'bob', BASE_TIME + 2))!;
      expect(relabelled.review.state).toBe('relabelled');
      expect(relabelled.review.corrections).toEqual({ note: 'nightly batch job', category: 'config_error' });
      expect(await store.suppressedSignatures()).toEqual(new Set());
      expect(await store.falsePositiveSessions()).toEqual([]);
      expect((await store.list({ category: 'config_error' })).items.map((i) => i.id)).toEqual([id]);
      expect((await store.list({ category: 'dependency_failure' })).items).toEqual([]);

      const edited = (await store.review(id, { action: 'edit_explanation', explanation: 'A config push set the pool size to 1.' }, 'carol', BASE_TIME + 3))!;
      expect(edited.review.state).toBe('relabelled');
      expect(edited.review.corrections.explanation).toBe('A config push set the pool size to 1.');
      expect((await store.list({ q: 'pool size to 1' })).items.map((i) => i.id)).toEqual([id]);

      await store.review(id, { action: 'false_positive' }, 'alice', BASE_TIME + 4);
      expect(await store.suppressedSignatures()).toEqual(new Set([signature]));
      const confirmed = (await store.review(id, { action: 'confirm' }, 'dave', BASE_TIME + 5))!;
      expect(confirmed.review.state).toBe('confirmed');
      expect(await store.suppressedSignatures()).toEqual(new Set());
      const noted = (await store.review(id, { action: 'note', note: 'seen again on Monday' }, 'erin', BASE_TIME + 6))!;
      expect(noted.review).toMatchObject({ state: 'confirmed', reviewer: 'erin', corrections: { note: 'seen again on Monday', category: 'config_error' } });

      const audit = await store.audit(id);
      expect(audit.map((e) => [e.action, e.actor, e.at])).toEqual([
        ['note', 'erin', BASE_TIME + 6],
        ['confirm', 'dave', BASE_TIME + 5],
        ['false_positive', 'alice', BASE_TIME + 4],
        ['edit_explanation', 'carol', BASE_TIME + 3],
        ['relabel', 'bob', BASE_TIME + 2],
        ['false_positive', 'alice', BASE_TIME + 1],
      ]);
      expect(audit.at(-1)).toMatchObject({ incidentId: id, before: { state: 'unreviewed', corrections: {} }, after: fp.review });
      expect(audit[4]).toMatchObject({ before: fp.review, after: relabelled.review });
      expect(audit.every((e, i) => i === 0 || e.id < audit[i - 1]!.id)).toBe(true);
      expect(await store.audit(id, 2)).toHaveLength(2);
      expect(await store.audit(undefined, 100)).toHaveLength(6);
      expect(await store.audit('inc_other')).toEqual([]);
    });

    it('keeps the reviewer’s category when tier 2 answers later, and counts categories by the effective one', async () => {
      const a = await store.record(newIncident(['A']));
      const b = await store.record(newIncident(['B'], { detectedAt: BASE_TIME + 1 }));
      const c = await store.record(newIncident(['C'], { detectedAt: BASE_TIME + 2 }));
      await store.review(a.id, { action: 'relabel', category: 'security' }, 'alice');
      await store.claim('w', 3, 1_000, BASE_TIME);
      for (const { id } of [a, b, c]) await store.completeTriage(id, 'w', triageResult({ category: 'crash_loop' }));
      expect((await store.get(a.id))!.triage.result!.category).toBe('crash_loop');
      expect(await store.categories()).toEqual([
        { category: 'crash_loop', count: 2 },
        { category: 'security', count: 1 },
      ]);
      expect((await store.list({ category: 'security' })).items.map((i) => i.id)).toEqual([a.id]);
    });

    it('refuses incomplete reviews with an InputError and answers undefined for an unknown incident', async () => {
      const { id } = await store.record(newIncident(['V']));
      await expect(store.review(id, { action: 'relabel' }, 'alice')).rejects.toThrow(/relabel: category is required/);
      await expect(store.review(id, { action: 'relabel', category: '  ' }, 'alice')).rejects.toBeInstanceOf(InputError);
      await expect(store.review(id, { action: 'edit_explanation' }, 'alice')).rejects.toThrow(/edit_explanation: explanation is required/);
      await expect(store.review(id, { action: 'note' }, 'alice')).rejects.toThrow(/note: note is required/);
      await expect(store.review(id, { action: 'approve' as never }, 'alice')).rejects.toThrow(/review action must be one of confirm, false_positive/);
      await expect(store.review(id, { action: 'confirm' }, '')).rejects.toThrow(/actor/);
      await expect(store.review(id, { action: 'edit_explanation', explanation: 'x'.repeat(20_001) }, 'alice')).rejects.toThrow(/at most 20000/);
      expect(await store.review('inc_missing', { action: 'confirm' }, 'alice')).toBeUndefined();
      expect(await store.audit()).toEqual([]);
      expect((await store.get(id))!.review).toEqual({ state: 'unreviewed', corrections: {} });
    });
  });

  describe('triage queue', () => {
    it('claims oldest first, leases, completes only for the lease holder, and retries after a failure', async () => {
      const ids = (await recordAll(store, [0, 1, 2].map((i) => newIncident([`Q${i}`], { detectedAt: BASE_TIME + i * 10 })))).map((r) => r.id);
      const now = BASE_TIME + 1_000;
      const first = await store.claim('w1', 2, 30_000, now);
      expect(first.map((i) => i.id)).toEqual(ids.slice(0, 2));
      expect(first[0]!.triage).toEqual({ status: 'pending', attempts: 1, claimedBy: 'w1', leaseUntil: now + 30_000 });
      expect((await store.claim('w2', 5, 30_000, now + 5_000)).map((i) => i.id)).toEqual([ids[2]]);
      expect(await store.claim('w2', 5, 30_000, now + 29_999)).toEqual([]);
      expect(await store.pendingCount()).toBe(3);

      // w1's lease runs out: w2 takes both over, and w1 can no longer complete or fail them.
      const taken = await store.claim('w2', 5, 30_000, now + 30_000);
      expect(taken.map((i) => [i.id, i.triage.claimedBy, i.triage.attempts])).toEqual([
        [ids[0], 'w2', 2],
        [ids[1], 'w2', 2],
      ]);
      expect(await store.completeTriage(ids[0]!, 'w1', triageResult())).toBe(false);
      expect(await store.failTriage(ids[1]!, 'w1', 'late', { final: true })).toBe(false);
      expect(await store.completeTriage(ids[0]!, 'w2', triageResult(), now + 31_000)).toBe(true);
      expect(await store.completeTriage(ids[0]!, 'w2', triageResult())).toBe(false);
      const done = (await store.get(ids[0]!))!;
      expect(done.triage).toEqual({ status: 'triaged', attempts: 2, result: triageResult(), triagedAt: now + 31_000 });
      expect(done.triage.claimedBy).toBeUndefined();

      // A retryable failure: pending again, not claimable before retryAt.
      expect(await store.failTriage(ids[1]!, 'w2', 'LLM server 503', { final: false, retryAt: now + 60_000 }, now + 31_000)).toBe(true);
      const retry = (await store.get(ids[1]!))!;
      expect(retry.triage).toEqual({ status: 'pending', attempts: 2, lastError: 'LLM server 503', notBefore: now + 60_000 });
      expect((await store.claim('w3', 5, 30_000, now + 59_999)).map((i) => i.id)).toEqual([ids[2]]); // w2's first lease ran out at now + 35 s
      const again = await store.claim('w3', 5, 30_000, now + 60_000);
      expect(again.map((i) => [i.id, i.triage.attempts])).toEqual([[ids[1], 3]]);
      expect(await store.failTriage(ids[1]!, 'w3', 'invalid JSON three times', { final: true })).toBe(true);
      expect((await store.get(ids[1]!))!.triage).toMatchObject({ status: 'failed', attempts: 3, lastError: 'invalid JSON three times' });
      expect(await store.claim('w4', 5, 30_000, now + 10_000_000)).toHaveLength(1); // only ids[2]
      expect(await store.pendingCount()).toBe(1);
      expect((await store.list({ status: 'failed' })).items.map((i) => i.id)).toEqual([ids[1]]);
      await expect(store.claim('', 1, 1_000)).rejects.toBeInstanceOf(InputError);
      await expect(store.claim('w', 0, 1_000)).rejects.toThrow(/claim limit/);
      await expect(store.claim('w', 1, 0)).rejects.toThrow(/leaseMs/);
    });

    it('concurrent workers claim every incident exactly once until the queue is empty (PostgreSQL: two pools)', async () => {
      const count = backend.kind === 'postgres' ? 500 : 200;
      await recordAll(store, Array.from({ length: count }, (_, i) => newIncident([`W${i}`], { detectedAt: BASE_TIME + (i % 50) })));
      // SQLite serves one process: its workers share the one connection, whose transactions the
      // store serializes. (A second connection in the same process would block the event loop in
      // BEGIN IMMEDIATE while the first waits for it; other processes just wait for the lock.)
      const other = backend.kind === 'postgres' ? await another() : store;
      const claims = new Map<string, string[]>();
      const work = async (worker: string, s: KyselyIncidentStore) => {
        for (;;) {
          const batch = await s.claim(worker, 7, 60_000);
          if (batch.length === 0) return;
          for (const incident of batch) {
            claims.set(incident.id, [...(claims.get(incident.id) ?? []), worker]);
            expect(await s.completeTriage(incident.id, worker, triageResult())).toBe(true);
          }
        }
      };
      await Promise.all([work('w1', store), work('w2', other), work('w3', store), work('w4', other)]);
      expect(claims.size).toBe(count);
      expect([...claims.values()].filter((workers) => workers.length !== 1)).toEqual([]);
      const byWorker = new Set([...claims.values()].flat());
      expect(byWorker.size).toBeGreaterThan(1);
      expect(await store.pendingCount()).toBe(0);
      expect((await store.stats()).byStatus).toEqual({ pending: 0, triaged: count, failed: 0 });
    });

    it('lets the other worker claim an incident whose lease expired', async () => {
      const other = await another();
      const { id } = await store.record(newIncident(['L']));
      const t = Date.now();
      expect((await store.claim('crashed', 10, 50, t)).map((i) => i.id)).toEqual([id]);
      expect(await other.claim('alive', 10, 60_000, t + 49)).toEqual([]);
      const reclaimed = await other.claim('alive', 10, 60_000, t + 50);
      expect(reclaimed.map((i) => [i.id, i.triage.claimedBy, i.triage.attempts])).toEqual([[id, 'alive', 2]]);
      expect(await store.completeTriage(id, 'crashed', triageResult())).toBe(false);
      expect(await other.completeTriage(id, 'alive', triageResult())).toBe(true);
    });
  });

  describe('tokens', () => {
    it('creates a token shown once, verifies it by hash, records its use, and revokes it', async () => {
      expect(await store.hasTokens()).toBe(false);
      const { token, info } = await store.createToken('ci-bot', 'reviewer', BASE_TIME);
      expect(token).toMatch(/^lt_[A-Za-z0-9_-]{43}$/);
      expect(info).toEqual({ id: expect.stringMatching(/^tok_/), name: 'ci-bot', role: 'reviewer', createdAt: BASE_TIME });
      const admin = await store.createToken('admin', 'admin', BASE_TIME + 1);
      expect(admin.token).not.toBe(token);
      expect(await store.hasTokens()).toBe(true);

      expect(await store.verifyToken(token, BASE_TIME + 10)).toEqual({ ...info, lastUsedAt: BASE_TIME + 10 });
      expect((await store.verifyToken(token, BASE_TIME + 20))!.lastUsedAt).toBe(BASE_TIME + 10); // within a minute: no write
      expect((await store.verifyToken(token, BASE_TIME + 70_000))!.lastUsedAt).toBe(BASE_TIME + 70_000);
      expect(await store.verifyToken(`${token}x`)).toBeUndefined();
      expect(await store.verifyToken(token.slice(0, -1))).toBeUndefined();
      expect(await store.verifyToken('')).toBeUndefined();

      const listed = await store.listTokens();
      expect(listed.map((t) => [t.name, t.role, t.lastUsedAt])).toEqual([
        ['ci-bot', 'reviewer', BASE_TIME + 70_000],
        ['admin', 'admin', undefined],
      ]);
      expect(JSON.stringify(listed)).not.toContain(token.slice(3));

      expect(await store.revokeToken(info.id, BASE_TIME + 100)).toBe(true);
      expect(await store.verifyToken(token)).toBeUndefined();
      expect(await store.revokeToken('tok_missing')).toBe(false);
      expect((await store.listTokens())[0]!.revokedAt).toBe(BASE_TIME + 100);
      expect(await store.hasTokens()).toBe(true);
      await store.revokeToken(admin.info.id);
      expect(await store.hasTokens()).toBe(false);
      await expect(store.createToken('x', 'root' as never)).rejects.toThrow(/role must be one of viewer, reviewer, admin/);
      await expect(store.createToken('', 'viewer')).rejects.toBeInstanceOf(InputError);
    });
  });

  it('counts incidents by status, review and severity, the last 24 hours and all occurrences', async () => {
    const now = BASE_TIME + 48 * 3_600_000;
    const ids = (await recordAll(store, [0, 1, 2, 3].map((i) => newIncident([`S${i}`], { detectedAt: i < 2 ? now - 3_600_000 : BASE_TIME })))).map((r) => r.id);
    await store.record(newIncident(['S0'], { detectedAt: now }));
    await store.record(newIncident(['S0'], { detectedAt: now }));
    await store.claim('w', 4, 1_000, now);
    await store.completeTriage(ids[0]!, 'w', triageResult({ severity: 'critical' }));
    await store.completeTriage(ids[1]!, 'w', triageResult({ severity: 'low' }));
    await store.failTriage(ids[2]!, 'w', 'boom', { final: true });
    await store.review(ids[0]!, { action: 'confirm' }, 'alice');
    await store.review(ids[3]!, { action: 'relabel', category: 'security' }, 'alice');
    expect(await store.stats(now)).toEqual({
      total: 4,
      byStatus: { pending: 1, triaged: 2, failed: 1 },
      byReview: { unreviewed: 2, confirmed: 1, false_positive: 0, relabelled: 1 },
      bySeverity: { critical: 1, high: 0, medium: 0, low: 1, unknown: 2 },
      last24h: 2,
      occurrences: 6,
    });
  });

  describe('schema and lifecycle', () => {
    it('migrates idempotently, also from a second store on the same database, keeping the data', async () => {
      const { id } = await store.record(newIncident(['M']));
      await store.migrate();
      await store.migrate();
      const second = await another();
      await second.migrate();
      expect((await second.get(id))!.id).toBe(id);
      await expect(second.record(newIncident(['M']))).resolves.toEqual({ id, occurrences: 2 });
    });

    it('upgrades a version-1 database: its incidents stay readable, searchable and reviewable', async () => {
      const old = await make();
      try {
        const db = old.kysely();
        const v1 = new Migrator({ db, provider: { getMigrations: async () => ({ '001_initial': initialMigration(old.kind) }) }, ...(old.kind === 'postgres' ? { migrationTableSchema: old.where } : {}) });
        expect((await v1.migrateToLatest()).error).toBeUndefined();
        // A version-1 row: no search_extra, the triage text inside search_text.
        const { search_extra: _none, ...row } = newIncidentRow(newIncident(['OLD']), 'inc_legacy', BASE_TIME);
        await db.insertInto('incidents').values({ ...row, status: 'triaged', triage_result: JSON.stringify(triageResult({ summary: 'Legacy summary' })), search_text: `${row.search_text}\nlegacy summary` }).execute();
        await db.destroy();

        const upgraded = old.open();
        opened.push(upgraded);
        await upgraded.migrate();
        expect((await upgraded.get('inc_legacy'))!.triage.result!.summary).toBe('Legacy summary');
        expect((await upgraded.list({ q: 'legacy SUMMARY' })).items.map((i) => i.id)).toEqual(['inc_legacy']);
        await upgraded.review('inc_legacy', { action: 'edit_explanation', explanation: 'Written after the upgrade' }, 'alice');
        expect((await upgraded.list({ q: 'after the upgrade' })).items.map((i) => i.id)).toEqual(['inc_legacy']);
        expect((await upgraded.record(newIncident(['OLD']))).occurrences).toBe(2);
      } finally {
        await old.cleanup();
      }
    });

    it('refreshes planner statistics on demand', async () => {
      await recordAll(store, Array.from({ length: 30 }, (_, i) => newIncident([`O${i}`], { service: `svc-${i % 3}` })));
      await store.optimize();
      const db = backend.kysely();
      try {
        const analyzed =
          backend.kind === 'sqlite'
            ? await sql<{ n: number }>`select count(*) as n from sqlite_stat1 where tbl = 'incidents'`.execute(db)
            : await sql<{ n: number }>`select count(*) as n from pg_stat_user_tables where schemaname = ${backend.where} and relname = 'incidents' and last_vacuum is not null and last_analyze is not null`.execute(db);
        expect(Number(analyzed.rows[0]!.n)).toBeGreaterThan(0);
      } finally {
        await db.destroy();
      }
      expect((await store.list({ service: 'svc-1' })).items).toHaveLength(10);
    });

    it('is closed by dispose (twice is fine); calls after it reject with an IncidentStoreError', async () => {
      await store.record(newIncident(['D']));
      await store.dispose();
      await store.dispose();
      await expect(store.record(newIncident(['D']))).rejects.toThrow(/the store is closed \(dispose\(\) was called\)/);
      await expect(store.list()).rejects.toBeInstanceOf(IncidentStoreError);
      await expect(store.get('x')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });
});
