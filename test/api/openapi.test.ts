import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_ACTIONS } from '../../src/api/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { call, startApi, type TestApi } from './apiFixtures.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document

/** Every `$ref` in `node`. */
function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsOf(value, out);
    }
  }
  return out;
}

function resolve(doc: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
}

describe('explanation API: GET /api/openapi.json', () => {
  let api: TestApi;
  let doc: Json;

  beforeAll(async () => {
    api = await startApi();
    const answer = await call(api, '/api/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    doc = JSON.parse(answer.text) as Json;
  });
  afterAll(async () => api.close());

  it('is an OpenAPI 3.1 document with every route', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const routes = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        'GET /api/incidents',
        'GET /api/incidents/{id}',
        'GET /api/incidents/{id}/explanation',
        'POST /api/incidents/{id}/review',
        'GET /api/categories',
        'GET /api/stats',
        'GET /api/audit',
        'GET /api/me',
        'GET /api/openapi.json',
      ].sort(),
    );
    expect(new Set(routes.map((r) => doc.paths[r.split(' ')[1]!][r.split(' ')[0]!.toLowerCase()].operationId)).size).toBe(routes.length);
  });

  it('declares the bearer scheme, required by default and waived for the document itself', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/api/audit'].get['x-required-role']).toBe('admin');
    expect(doc.paths['/api/incidents/{id}/review'].post['x-required-role']).toBe('reviewer');
  });

  it('describes query parameters from the zod schemas that validate them', () => {
    const params = doc.paths['/api/incidents'].get.parameters as Json[];
    expect(params.map((p) => p.name)).toEqual(['status', 'category', 'severity', 'service', 'review', 'from', 'to', 'q', 'limit', 'cursor']);
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(byName.limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } });
    expect(byName.status.schema.enum).toEqual(['pending', 'triaged', 'failed']);
    expect(byName.review.schema.enum).toEqual(['unreviewed', 'confirmed', 'false_positive', 'relabelled']);
    expect(byName.from.description).toContain('ISO 8601');
    expect(doc.paths['/api/incidents/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
  });

  it("describes the review body with the actions and the taxonomy's categories", () => {
    const body = doc.paths['/api/incidents/{id}/review'].post.requestBody;
    expect(body.required).toBe(true);
    const schema = resolve(doc, body.content['application/json'].schema.$ref) as Json;
    expect(schema.required).toEqual(['action']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.description).toContain('only accepted with, `relabel`');
    expect(schema.properties.action.enum).toEqual([...REVIEW_ACTIONS]);
    expect(schema.properties.category.enum).toEqual(loadTaxonomy().categories.map((c) => c.name));
    expect(schema.properties.explanation.maxLength).toBe(20_000);
  });

  it('describes the answers and the one error shape for every error status', () => {
    const list = doc.paths['/api/incidents'].get.responses;
    expect(list['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/IncidentPage');
    expect(Object.keys(list).sort()).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(Object.keys(doc.paths['/api/incidents/{id}/review'].post.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '415', '500', '503']);
    const explanation = doc.components.schemas.Explanation;
    expect(explanation.required).toEqual(expect.arrayContaining(['id', 'status', 'category', 'explanation', 'evidenceLines', 'heuristic', 'corrected', 'review']));
    expect(explanation.properties.category.anyOf ?? explanation.properties.category.type).toBeDefined();
    const summary = doc.components.schemas.IncidentSummary;
    expect(Object.keys(summary.properties)).toEqual(expect.arrayContaining(['eventCount', 'category', 'severity', 'summary']));
    expect(summary.properties).not.toHaveProperty('lines');
    const error = doc.components.schemas.Error;
    expect(error.required).toEqual(['error']);
    expect(error.properties.error.required).toEqual(['code', 'message', 'requestId']);
    expect(error.properties.error.properties.code.enum).toEqual(expect.arrayContaining(['invalid_request', 'not_found', 'unauthorized', 'forbidden', 'store_unavailable']));
    for (const status of ['400', '401', '403', '404', '405', '413', '415', '500', '503']) {
      expect(doc.components.responses[`Error${status}`].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    }
  });

  it('has no dangling $ref', () => {
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
  });

  it('documents routes that answer', async () => {
    for (const path of Object.keys(doc.paths as Json).filter((p) => !p.includes('{') && doc.paths[p].get)) {
      expect((await call(api, path)).status, path).toBe(200);
    }
  });
});
