import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ExplanationJson, IncidentJson, IncidentSummary } from '../../src/api/index.js';
import { auditSchema, incidentSchema } from '../../src/api/responseSchemas.js';
import type { AuditEntry } from '../../src/incidents/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { call, seedIncident, startApi, type TestApi } from './apiFixtures.js';

describe('explanation API: POST /api/incidents/:id/review', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it('confirms an incident, answers the updated incident, and the store audits it as the local actor', async () => {
    const id = await seedIncident(api.store);
    const { status, body } = await call<IncidentJson>(api, `/api/incidents/${id}/review`, { body: { action: 'confirm', note: 'seen this before' } });
    expect(status).toBe(200);
    expect(incidentSchema.strict().safeParse(body).success).toBe(true);
    expect(body.id).toBe(id);
    expect(body.review).toMatchObject({ state: 'confirmed', reviewer: 'local', corrections: { note: 'seen this before' } });
    expect(body.review.reviewedAt).toBeGreaterThan(Date.now() - 60_000);

    const audit = await call<{ entries: AuditEntry[] }>(api, `/api/audit?incident=${id}`);
    expect(audit.status).toBe(200);
    expect(auditSchema.safeParse(audit.body).success).toBe(true);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'local',
      action: 'confirm',
      incidentId: id,
      before: { state: 'unreviewed', corrections: {} },
      after: { state: 'confirmed', reviewer: 'local', corrections: { note: 'seen this before' } },
    });
    expect(audit.body.entries[0]!.at).toBe(body.review.reviewedAt);
  });

  it("relabels with a taxonomy category: the explanation, the list and the category filter use the reviewer's", async () => {
    const id = await seedIncident(api.store, { service: 'relabel-svc', triage: { category: 'timeout' } });
    const { status, body } = await call<IncidentJson>(api, `/api/incidents/${id}/review`, { body: { action: 'relabel', category: 'resource_exhaustion' } });
    expect(status).toBe(200);
    expect(body.review).toMatchObject({ state: 'relabelled', corrections: { category: 'resource_exhaustion' } });
    expect(body.triage.result?.category).toBe('timeout');

    const explanation = await call<ExplanationJson>(api, `/api/incidents/${id}/explanation`);
    expect(explanation.body).toMatchObject({ category: 'resource_exhaustion', corrected: true, original: { category: 'timeout' } });

    const list = await call<{ items: IncidentSummary[] }>(api, '/api/incidents?category=resource_exhaustion&service=relabel-svc');
    expect(list.body.items.map((i) => [i.id, i.category])).toEqual([[id, 'resource_exhaustion']]);
  });

  it("replaces tier 2's explanation with the reviewer's and keeps the original", async () => {
    const id = await seedIncident(api.store, { triage: { explanation: 'The disk filled up.' } });
    const { status } = await call(api, `/api/incidents/${id}/review`, { body: { action: 'edit_explanation', explanation: 'A lock was held across a network call.' } });
    expect(status).toBe(200);
    const { body } = await call<ExplanationJson>(api, `/api/incidents/${id}/explanation`);
    expect(body).toMatchObject({ explanation: 'A lock was held across a network call.', corrected: true, original: { explanation: 'The disk filled up.' }, category: 'timeout' });
  });

  it('marks a false positive and adds a note', async () => {
    const id = await seedIncident(api.store);
    expect((await call<IncidentJson>(api, `/api/incidents/${id}/review`, { body: { action: 'false_positive' } })).body.review.state).toBe('false_positive');
    const noted = await call<IncidentJson>(api, `/api/incidents/${id}/review`, { body: { action: 'note', note: 'a nightly batch job' } });
    expect(noted.body.review).toMatchObject({ state: 'false_positive', corrections: { note: 'a nightly batch job' } });
    expect(await api.store.suppressedSignatures()).toContain(noted.body.signature);
  });

  it('answers 404 for an unknown incident and writes no audit entry', async () => {
    const { status, body } = await call<ApiErrorBody>(api, '/api/incidents/inc_unknown/review', { body: { action: 'confirm' } });
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
    expect(await api.store.audit('inc_unknown')).toEqual([]);
  });

  describe('refuses a body that does not fit, naming the field', () => {
    const categories = loadTaxonomy().categories.map((c) => c.name);
    let id: string;
    beforeAll(async () => {
      id = await seedIncident(api.store);
    });

    it('a relabel to a category outside the taxonomy, listing the allowed ones', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: { action: 'relabel', category: 'cosmic_rays' } });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', field: 'category', allowed: categories });
      expect(body.error.reason).toContain('timeout, connection_failure');
      expect(body.error.message).toMatch(/^body field category: must be one of the taxonomy's categories/);
    });

    it.each([
      ['an unknown action', { action: 'approve' }, 'action', /must be one of confirm, false_positive, relabel, edit_explanation, note/],
      ['no action', {}, 'action', /^is required and must be one of/],
      ['relabel without category', { action: 'relabel' }, 'category', /is required with action relabel/],
      ['a category with confirm', { action: 'confirm', category: 'timeout' }, 'category', /only accepted with action relabel/],
      ['edit_explanation without explanation', { action: 'edit_explanation' }, 'explanation', /is required with action edit_explanation/],
      ['a blank explanation', { action: 'edit_explanation', explanation: '   ' }, 'explanation', /must not be empty/],
      ['an explanation over the cap', { action: 'edit_explanation', explanation: 'x'.repeat(20_001) }, 'explanation', /at most 20000 characters/],
      ['note without note', { action: 'note' }, 'note', /is required with action note/],
      ['a note that is a number', { action: 'note', note: 42 }, 'note', /must be text/],
      ['an unknown field', { action: 'confirm', reviewer: 'mallory' }, 'reviewer', /unknown name/],
    ])('%s → 400 naming the field', async (_label, payload, field, reason) => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: payload });
      expect(status).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.field).toBe(field);
      expect(body.error.reason).toMatch(reason);
    });

    it('a JSON value that is not an object', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: '"confirm"' });
      expect(status).toBe(400);
      expect(body.error.code).toMatch(/invalid_json|invalid_request/);
    });

    it('malformed JSON, as invalid_json', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: '{"action": "confirm",' });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_json', field: 'body' });
    });

    it('a body that is not JSON, as 415', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: 'action=confirm', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(status).toBe(415);
      expect(body.error.code).toBe('unsupported_media_type');
    });

    it('no body at all', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { method: 'POST' });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', field: 'body' });
    });

    it('a body over maxBodyBytes, as 413', async () => {
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { body: { action: 'note', note: 'x'.repeat(70 * 1024) } });
      expect(status).toBe(413);
      expect(body.error.code).toBe('payload_too_large');
      expect(body.error.message).toContain('65536');
    });

    it('and the incident is unchanged after all of them', async () => {
      const { body } = await call<IncidentJson>(api, `/api/incidents/${id}`);
      expect(body.review).toEqual({ state: 'unreviewed', corrections: {} });
      expect(await api.store.audit(id)).toEqual([]);
    });
  });
});
