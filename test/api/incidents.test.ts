import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ExplanationJson, IncidentJson, IncidentSummary } from '../../src/api/index.js';
import { explanationSchema, incidentPageSchema, incidentSchema } from '../../src/api/responseSchemas.js';
import { BASE_TIME, call, seedIncident, startApi, type TestApi } from './apiFixtures.js';

type Page = { items: IncidentSummary[]; nextCursor?: string };

describe('explanation API: incidents', () => {
  let api: TestApi;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApi();
    const s = api.store;
    // Triaged ones first: seeding a triaged incident claims every pending one.
    ids.timeout = await seedIncident(s, { detectedAt: BASE_TIME + 1_000, service: 'checkout', triage: { category: 'timeout', severity: 'high', summary: 'checkout timed out' } });
    ids.db = await seedIncident(s, {
      detectedAt: BASE_TIME + 2_000,
      service: 'payments',
      lines: ['GET /pay 200', 'ERROR deadlock detected on table ledger', 'retrying'],
      triage: { category: 'database_error', severity: 'critical', summary: 'ledger deadlock', evidenceLines: [1, 7], backend: 'heuristic' },
    });
    ids.hostile = await seedIncident(s, {
      detectedAt: BASE_TIME + 3_000,
      service: 'web',
      lines: ['GET /search?q=<script>alert(1)</script> 500', 'ERROR render failed & "quoted" </div>', 'done'],
      triage: { category: 'service_call_failure', severity: 'medium', summary: 'search <b>render</b> failed', evidenceLines: [0] },
    });
    ids.pending = await seedIncident(s, { detectedAt: BASE_TIME + 4_000, service: 'checkout', triage: 'pending' });
  });
  afterAll(async () => api.close());

  describe('GET /api/incidents', () => {
    it('lists incidents newest first as summaries without lines, templates, template ids and evidence', async () => {
      const { status, headers, body } = await call<Page>(api, '/api/incidents');
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(body.items.map((i) => i.id)).toEqual([ids.pending, ids.hostile, ids.db, ids.timeout]);
      expect(incidentPageSchema.strict().safeParse(body).success).toBe(true);
      const db = body.items.find((i) => i.id === ids.db)!;
      expect(db).not.toHaveProperty('lines');
      expect(db).not.toHaveProperty('templates');
      expect(db).not.toHaveProperty('templateIds');
      expect(db).not.toHaveProperty('evidence');
      expect(db).toMatchObject({ eventCount: 3, category: 'database_error', severity: 'critical', summary: 'ledger deadlock', service: 'payments', occurrences: 1 });
      expect(db.triage.status).toBe('triaged');
      const pending = body.items.find((i) => i.id === ids.pending)!;
      expect(pending).toMatchObject({ category: null, severity: null, summary: null, eventCount: 3 });
      expect(pending.triage.status).toBe('pending');
      expect(body.nextCursor).toBeUndefined();
    });

    it.each([
      ['status=pending', ['pending']],
      ['status=triaged&severity=critical', ['db']],
      ['category=timeout', ['timeout']],
      ['service=checkout', ['pending', 'timeout']],
      ['review=unreviewed&service=web', ['hostile']],
      ['q=DEADLOCK', ['db']],
      [`from=${BASE_TIME + 2_000}&to=${BASE_TIME + 4_000}`, ['hostile', 'db']],
      [`from=${encodeURIComponent(new Date(BASE_TIME + 3_000).toISOString())}`, ['pending', 'hostile']],
      [`to=${encodeURIComponent(new Date(BASE_TIME + 3_000).toISOString().replace('Z', '+00:00'))}`, ['db', 'timeout']],
      ['from=2026-11-24', []],
    ])('filters with %s', async (query, expected) => {
      const { status, body } = await call<Page>(api, `/api/incidents?${query}`);
      expect(status).toBe(200);
      expect(body.items.map((i) => i.id)).toEqual(expected.map((name) => ids[name]));
    });

    it('pages with limit and cursor through every incident exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { status, body } = await call<Page>(api, `/api/incidents?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(status).toBe(200);
        expect(body.items.length).toBeLessThanOrEqual(3);
        seen.push(...body.items.map((i) => i.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(2);
      expect(seen).toEqual([ids.pending, ids.hostile, ids.db, ids.timeout]);
    });

    it('keeps the filters on later pages', async () => {
      const first = await call<Page>(api, '/api/incidents?service=checkout&limit=1');
      expect(first.body.items.map((i) => i.id)).toEqual([ids.pending]);
      const second = await call<Page>(api, `/api/incidents?service=checkout&limit=1&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
      expect(second.body.items.map((i) => i.id)).toEqual([ids.timeout]);
      expect(second.body.nextCursor).toBeUndefined();
    });

    it('refuses a cursor it did not hand out, naming the field', async () => {
      const { status, body } = await call<ApiErrorBody>(api, '/api/incidents?cursor=not-a-cursor');
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });
      expect(body.error.message).toContain('nextCursor');
    });
  });

  describe('GET /api/incidents/:id', () => {
    it('answers the full incident with lines, templates, evidence, triage and review; times in epoch ms', async () => {
      const { status, body } = await call<IncidentJson>(api, `/api/incidents/${ids.db}`);
      expect(status).toBe(200);
      expect(incidentSchema.strict().safeParse(body).success).toBe(true);
      expect(body.lines).toEqual(['GET /pay 200', 'ERROR deadlock detected on table ledger', 'retrying']);
      expect(body.templateIds).toHaveLength(3);
      expect(body.evidence[0]).toMatchObject({ position: 1, surprise: 9.1 });
      expect(body.detectedAt).toBe(BASE_TIME + 2_000);
      expect(body.triage.result).toMatchObject({ category: 'database_error', backend: 'heuristic' });
      expect(body.review).toEqual({ state: 'unreviewed', corrections: {} });
    });

    it('answers 404 in the error shape for an unknown id', async () => {
      const { status, headers, body } = await call<ApiErrorBody>(api, '/api/incidents/inc_nope');
      expect(status).toBe(404);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('inc_nope'), requestId: expect.any(String) } });
      expect(headers.get('x-request-id')).toBe(body.error.requestId);
    });
  });

  describe('GET /api/incidents/:id/explanation', () => {
    it("answers tier 2's explanation with the cited lines", async () => {
      const { status, body } = await call<ExplanationJson>(api, `/api/incidents/${ids.timeout}/explanation`);
      expect(status).toBe(200);
      expect(explanationSchema.strict().safeParse(body).success).toBe(true);
      expect(body).toMatchObject({
        id: ids.timeout,
        status: 'triaged',
        category: 'timeout',
        severity: 'high',
        confidence: 0.8,
        summary: 'checkout timed out',
        suggestedActions: ['check the datanode disk latency'],
        backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
        heuristic: false,
        corrected: false,
        original: null,
        review: { state: 'unreviewed', corrections: {} },
      });
      expect(body.evidenceLines).toEqual([{ index: 1, line: expect.stringContaining('INFO dfs.DataNode') }]);
    });

    it('flags the heuristic backend and leaves out cited indices past the kept lines', async () => {
      const { body } = await call<ExplanationJson>(api, `/api/incidents/${ids.db}/explanation`);
      expect(body.heuristic).toBe(true);
      expect(body.evidenceLines).toEqual([{ index: 1, line: 'ERROR deadlock detected on table ledger' }]);
    });

    it('answers 200 with status pending, null triage fields and empty lists before triage', async () => {
      const { status, body } = await call<ExplanationJson>(api, `/api/incidents/${ids.pending}/explanation`);
      expect(status).toBe(200);
      expect(explanationSchema.strict().safeParse(body).success).toBe(true);
      expect(body).toMatchObject({
        status: 'pending',
        category: null,
        severity: null,
        confidence: null,
        summary: null,
        explanation: null,
        evidenceLines: [],
        suggestedActions: [],
        backend: null,
        heuristic: false,
        corrected: false,
      });
    });

    it('answers 404 for an unknown id', async () => {
      const { status, body } = await call<ApiErrorBody>(api, '/api/incidents/inc_missing/explanation');
      expect(status).toBe(404);
      expect(body.error.code).toBe('not_found');
    });
  });

  describe('hostile log content', () => {
    it('comes back as JSON-encoded data, never as markup', async () => {
      const { headers, text, body } = await call<IncidentJson>(api, `/api/incidents/${ids.hostile}`);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(text).not.toContain('<script>');
      expect(text).not.toContain('</div>');
      expect(text).toContain('\\u003cscript\\u003e');
      expect(body.lines[0]).toBe('GET /search?q=<script>alert(1)</script> 500');
      expect(body.lines[1]).toBe('ERROR render failed & "quoted" </div>');
    });

    it('is escaped in the list and the explanation as well', async () => {
      const list = await call<Page>(api, '/api/incidents?service=web');
      expect(list.text).not.toContain('<b>');
      expect(list.body.items[0]!.summary).toBe('search <b>render</b> failed');
      const explanation = await call<ExplanationJson>(api, `/api/incidents/${ids.hostile}/explanation`);
      expect(explanation.text).not.toContain('<script>');
      expect(explanation.body.evidenceLines[0]!.line).toContain('<script>alert(1)</script>');
    });
  });
});
