import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoriesJson, StatsJson } from '../../src/api/index.js';
import { categoriesSchema, statsSchema } from '../../src/api/responseSchemas.js';
import { call, seedIncident, startApi, type TestApi } from './apiFixtures.js';

describe('explanation API: GET /api/categories', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({
      taxonomy: {
        version: 1,
        categories: [
          { name: 'timeout', description: 'An operation did not finish in time.' },
          { name: 'disk_full', description: 'A disk ran out of space.' },
          { name: 'unknown', description: 'Fits nothing else.' },
        ],
      },
    });
    await seedIncident(api.store, { triage: { category: 'timeout' } });
    await seedIncident(api.store, { triage: { category: 'timeout' } });
    await seedIncident(api.store, { triage: { category: 'legacy_oom' } });
    await seedIncident(api.store, { triage: { category: 'database_error' } });
    await seedIncident(api.store, { triage: { category: 'database_error' } });
    const relabelled = await seedIncident(api.store, { triage: { category: 'timeout' } });
    await api.store.review(relabelled, { action: 'relabel', category: 'disk_full' }, 'test');
    await seedIncident(api.store, { triage: 'pending' });
  });
  afterAll(async () => api.close());

  it("lists the taxonomy's categories in order with counts, then those in use that it lacks, flagged, most used first", async () => {
    const { status, body } = await call<CategoriesJson>(api, '/api/categories');
    expect(status).toBe(200);
    expect(categoriesSchema.strict().safeParse(body).success).toBe(true);
    expect(body.categories).toEqual([
      { name: 'timeout', description: 'An operation did not finish in time.', count: 2, inTaxonomy: true },
      { name: 'disk_full', description: 'A disk ran out of space.', count: 1, inTaxonomy: true },
      { name: 'unknown', description: 'Fits nothing else.', count: 0, inTaxonomy: true },
      { name: 'database_error', description: null, count: 2, inTaxonomy: false },
      { name: 'legacy_oom', description: null, count: 1, inTaxonomy: false },
    ]);
  });

  it('accepts a relabel only to a category of the taxonomy it was given', async () => {
    const id = await seedIncident(api.store, { triage: 'pending' });
    expect((await call(api, `/api/incidents/${id}/review`, { body: { action: 'relabel', category: 'database_error' } })).status).toBe(400);
    expect((await call(api, `/api/incidents/${id}/review`, { body: { action: 'relabel', category: 'disk_full' } })).status).toBe(200);
  });
});

describe('explanation API: GET /api/stats', () => {
  it("answers the store's counts and the triage queue depth from the store by default", async () => {
    const api = await startApi();
    try {
      await seedIncident(api.store, { triage: { severity: 'critical' } });
      await seedIncident(api.store, { triage: 'pending' });
      await seedIncident(api.store, { triage: 'pending' });
      const { status, body } = await call<StatsJson>(api, '/api/stats');
      expect(status).toBe(200);
      expect(statsSchema.strict().safeParse(body).success).toBe(true);
      expect(body).toMatchObject({ total: 3, byStatus: { pending: 2, triaged: 1, failed: 0 }, bySeverity: { critical: 1, unknown: 2 }, occurrences: 3, triageQueueDepth: 2 });
      expect(body).not.toHaveProperty('pipeline');
    } finally {
      await api.close();
    }
  });

  it('adds the sources the service passes, and answers null for one that fails', async () => {
    const api = await startApi({ stats: { pipelineStatus: () => ({ mode: 'scoring', ready: true, modelVersion: 'lstm-v3' }), triageQueueDepth: async () => 7 } });
    const broken = await startApi({
      stats: {
        pipelineStatus: () => {
          throw new Error('pipeline stopped');
        },
        triageQueueDepth: async () => Promise.reject(new Error('queue gone')),
      },
    });
    try {
      const ok = await call<StatsJson>(api, '/api/stats');
      expect(ok.body).toMatchObject({ total: 0, triageQueueDepth: 7, pipeline: { mode: 'scoring', ready: true, modelVersion: 'lstm-v3' } });
      const failing = await call<StatsJson>(broken, '/api/stats');
      expect(failing.status).toBe(200);
      expect(failing.body).toMatchObject({ total: 0, triageQueueDepth: null, pipeline: null });
    } finally {
      await api.close();
      await broken.close();
    }
  });
});
