import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../src/api/index.js';
import { errorSchema } from '../../src/api/responseSchemas.js';
import type { IncidentStore } from '../../src/incidents/index.js';
import { createLogger } from '../../src/util/logger.js';
import { call, startApi, type TestApi } from './apiFixtures.js';

function expectErrorShape(answer: { status: number; headers: Headers; body: unknown }, status: number, code: string): ApiErrorBody {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(errorSchema.strict().safeParse(answer.body).success).toBe(true);
  const body = answer.body as ApiErrorBody;
  expect(body.error.code).toBe(code);
  return body;
}

describe('explanation API: query validation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it.each([
    ['limit=0', 'limit', /whole number from 1 to 500/],
    ['limit=501', 'limit', /whole number from 1 to 500/],
    ['limit=ten', 'limit', /whole number from 1 to 500/],
    ['limit=2.5', 'limit', /whole number/],
    ['limit=5&limit=6', 'limit', /more than once/],
    ['status=done', 'status', /must be one of pending, triaged, failed/],
    ['severity=urgent', 'severity', /must be one of critical, high, medium, low/],
    ['review=maybe', 'review', /must be one of unreviewed, confirmed, false_positive, relabelled/],
    ['from=yesterday', 'from', /ISO 8601/],
    ['to=2026-11-23T16:00:00', 'to', /with a zone/],
    ['from=2026-11-24&to=2026-11-23', 'to', /later than from/],
    ['q=', 'q', /must not be empty/],
    [`q=${'x'.repeat(201)}`, 'q', /at most 200 characters/],
    ['state=pending', 'state', /unknown name/],
    ['service=a&service=b', 'service', /more than once/],
  ])('GET /api/incidents?%s → 400 naming %s', async (query, field, reason) => {
    const body = expectErrorShape(await call(api, `/api/incidents?${query}`), 400, 'invalid_request');
    expect(body.error.field).toBe(field);
    expect(body.error.reason).toMatch(reason);
    expect(body.error.message).toContain(`query parameter ${field}:`);
  });

  it('lists the allowed values of an enumeration', async () => {
    const body = expectErrorShape(await call(api, '/api/incidents?status=done'), 400, 'invalid_request');
    expect(body.error.allowed).toEqual(['pending', 'triaged', 'failed']);
  });

  it('refuses unknown parameters on the other routes too', async () => {
    for (const path of ['/api/stats?verbose=1', '/api/categories?x=1', '/api/incidents/inc_x?full=1', '/api/audit?limit=0']) {
      expectErrorShape(await call(api, path), 400, 'invalid_request');
    }
  });
});

describe('explanation API: routes and methods', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it('answers unknown routes under /api with 404 in the error shape', async () => {
    const body = expectErrorShape(await call(api, '/api/incidentz'), 404, 'not_found');
    expect(body.error.message).toContain('/api/openapi.json');
    expectErrorShape(await call(api, '/api/incidents/a/b/c'), 404, 'not_found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const deleted = await call(api, '/api/incidents/inc_x', { method: 'DELETE' });
    expectErrorShape(deleted, 405, 'method_not_allowed');
    expect(deleted.headers.get('allow')).toBe('GET, HEAD');
    const get = await call(api, '/api/incidents/inc_x/review');
    expectErrorShape(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers a path that is not valid percent-encoding with 400', async () => {
    expectErrorShape(await call(api, '/api/incidents/%E0%A4%A'), 400, 'invalid_request');
  });

  it('answers anything outside /api with 404 JSON when no review page is mounted', async () => {
    expectErrorShape(await call(api, '/'), 404, 'not_found');
  });

  it('sends no-store and a restrictive CSP on API answers', async () => {
    const { headers } = await call(api, '/api/stats');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(headers.get('x-powered-by')).toBeNull();
  });
});

describe('explanation API: failures of the store', () => {
  it('answers 500 without details when a store call throws, and logs it with the request id', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream });
    const api = await startApi({
      logger,
      wrap: (store) =>
        new Proxy(store, {
          get(target, key, receiver) {
            if (key === 'stats') return async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'secret_column')"));
            const value = Reflect.get(target, key, receiver) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as IncidentStore,
    });
    try {
      const answer = await call(api, '/api/stats');
      const body = expectErrorShape(answer, 500, 'internal_error');
      expect(answer.text).not.toContain('secret_column');
      expect(answer.text).not.toContain('at ');
      expect(body.error.requestId).toBe(answer.headers.get('x-request-id'));
      const logged = lines.map((l) => JSON.parse(l) as { requestId?: string; err?: { message?: string; stack?: string } });
      expect(logged.some((l) => l.requestId === body.error.requestId && l.err?.message?.includes('secret_column') && l.err.stack !== undefined)).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('answers 503 with Retry-After once the store is closed', async () => {
    const api = await startApi();
    try {
      await api.store.dispose();
      const answer = await call(api, '/api/incidents');
      const body = expectErrorShape(answer, 503, 'store_unavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(body.error.message).not.toContain('sqlite');
      expectErrorShape(await call(api, '/api/incidents/inc_x/review', { body: { action: 'confirm' } }), 503, 'store_unavailable');
    } finally {
      await api.close();
    }
  });

  it('answers 503 when PostgreSQL cannot be reached', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const api = await startApi({
      wrap: (store) =>
        new Proxy(store, {
          get(target, key, receiver) {
            if (key === 'list') return async () => Promise.reject(new Error('incident store (postgres …): cannot list incidents', { cause: refused }));
            const value = Reflect.get(target, key, receiver) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as IncidentStore,
    });
    try {
      expectErrorShape(await call(api, '/api/incidents'), 503, 'store_unavailable');
    } finally {
      await api.close();
    }
  });
});

describe('explanation API: the review page hook', () => {
  it('mounts options.web at / after /api', async () => {
    const web = express.Router();
    web.get('/', (_req, res) => {
      res.type('html').send('<!doctype html><title>review</title>');
    });
    web.get('/api/incidents', (_req, res) => {
      res.send('the page must not shadow the API');
    });
    const api = await startApi({ web });
    try {
      const page = await fetch(`${api.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>review</title>');
      expect((await call(api, '/api/incidents')).body).toEqual({ items: [] });
      expectErrorShape(await call(api, '/nothing-here'), 404, 'not_found');
    } finally {
      await api.close();
    }
  });
});
