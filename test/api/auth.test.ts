import { request } from 'node:http';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertListenAllowed, isLoopback, type ApiErrorBody, type IncidentJson, type MeJson } from '../../src/api/index.js';
import { authenticate } from '../../src/api/auth.js';
import type { AuditEntry, IncidentStore } from '../../src/incidents/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/logger.js';
import { call, seedIncident, startApi, type TestApi } from './apiFixtures.js';

describe('explanation API: auth', () => {
  describe('without tokens (open mode)', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(async () => api.close());

    it('answers loopback callers as the local admin', async () => {
      const { status, body } = await call<MeJson>(api, '/api/me');
      expect(status).toBe(200);
      expect(body).toEqual({ name: 'local', role: 'admin', auth: 'open' });
      expect((await call(api, '/api/audit')).status).toBe(200);
    });

    it('still refuses a token it does not know', async () => {
      const { status, headers, body } = await call<ApiErrorBody>(api, '/api/me', { token: 'lt_forged' });
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(body.error.code).toBe('unauthorized');
    });

    it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
      const { port } = new URL(api.url);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/incidents', headers: { host: `rebind.attacker.example:${port}` } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(401);
      expect((JSON.parse(answer.body) as ApiErrorBody).error.message).toContain('rebind.attacker.example');
    });

    it('switches to requiring tokens as soon as one is created, and back when the last is revoked', async () => {
      const { info } = await api.store.createToken('ci', 'viewer');
      expect((await call(api, '/api/incidents')).status).toBe(401);
      await api.store.revokeToken(info.id);
      expect((await call(api, '/api/incidents')).status).toBe(200);
    });
  });

  describe('with tokens', () => {
    let api: TestApi;
    const tokens: Record<'viewer' | 'reviewer' | 'admin', string> = { viewer: '', reviewer: '', admin: '' };
    let id: string;

    beforeAll(async () => {
      api = await startApi();
      for (const role of ['viewer', 'reviewer', 'admin'] as const) tokens[role] = (await api.store.createToken(`${role}-alice`, role)).token;
      id = await seedIncident(api.store);
    });
    afterAll(async () => api.close());

    it('answers 401 in the error shape without a token, with a Bearer challenge', async () => {
      for (const path of ['/api/incidents', `/api/incidents/${id}`, `/api/incidents/${id}/explanation`, '/api/categories', '/api/stats', '/api/me', '/api/audit']) {
        const { status, headers, body } = await call<ApiErrorBody>(api, path);
        expect(status, path).toBe(401);
        expect(headers.get('www-authenticate')).toBe('Bearer realm="logtriage"');
        expect(body.error.code).toBe('unauthorized');
        expect(body.error.message).toContain('Authorization: Bearer');
      }
      expect((await call(api, `/api/incidents/${id}/review`, { body: { action: 'confirm' } })).status).toBe(401);
    });

    it('answers 401 for an unknown token and for a header that is not Bearer', async () => {
      expect((await call<ApiErrorBody>(api, '/api/incidents', { token: `${tokens.admin}x` })).status).toBe(401);
      const basic = await call<ApiErrorBody>(api, '/api/incidents', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
      expect(basic.status).toBe(401);
      expect(basic.body.error.message).toContain('Bearer <token>');
      expect((await call(api, '/api/incidents', { headers: { authorization: `Bearer ${'a'.repeat(5_000)}` } })).status).toBe(401);
    });

    it('lets a viewer read but not review (403), and writes no audit entry', async () => {
      expect((await call(api, '/api/incidents', { token: tokens.viewer })).status).toBe(200);
      expect((await call(api, `/api/incidents/${id}/explanation`, { token: tokens.viewer })).status).toBe(200);
      const { status, body } = await call<ApiErrorBody>(api, `/api/incidents/${id}/review`, { token: tokens.viewer, body: { action: 'confirm' } });
      expect(status).toBe(403);
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toContain('reviewer');
      expect(await api.store.audit(id)).toEqual([]);
    });

    it("records the reviewer token's name as the actor, and the admin reads it in the audit log", async () => {
      const reviewed = await call<IncidentJson>(api, `/api/incidents/${id}/review`, { token: tokens.reviewer, body: { action: 'relabel', category: 'data_corruption' } });
      expect(reviewed.status).toBe(200);
      expect(reviewed.body.review.reviewer).toBe('reviewer-alice');

      const audit = await call<{ entries: AuditEntry[] }>(api, '/api/audit', { token: tokens.admin });
      expect(audit.status).toBe(200);
      expect(audit.body.entries[0]).toMatchObject({
        actor: 'reviewer-alice',
        action: 'relabel',
        incidentId: id,
        before: { state: 'unreviewed' },
        after: { state: 'relabelled', reviewer: 'reviewer-alice', corrections: { category: 'data_corruption' } },
      });
      expect(typeof audit.body.entries[0]!.at).toBe('number');
    });

    it('keeps the audit log from viewers and reviewers', async () => {
      for (const role of ['viewer', 'reviewer'] as const) {
        const { status, body } = await call<ApiErrorBody>(api, '/api/audit', { token: tokens[role] });
        expect(status).toBe(403);
        expect(body.error.message).toContain('admin');
      }
    });

    it('tells each caller who they are', async () => {
      expect((await call<MeJson>(api, '/api/me', { token: tokens.reviewer })).body).toEqual({ name: 'reviewer-alice', role: 'reviewer', auth: 'token' });
    });

    it('refuses a revoked token', async () => {
      const { token, info } = await api.store.createToken('temp', 'admin');
      expect((await call(api, '/api/me', { token })).status).toBe(200);
      await api.store.revokeToken(info.id);
      expect((await call(api, '/api/me', { token })).status).toBe(401);
    });

    it('serves the OpenAPI document without a token', async () => {
      expect((await call(api, '/api/openapi.json')).status).toBe(200);
    });
  });

  describe('authenticate', () => {
    const noTokens = { hasTokens: async () => false, verifyToken: async () => undefined } as unknown as IncidentStore;
    const request = (remoteAddress: string, hostname = '127.0.0.1') => ({ get: () => undefined, socket: { remoteAddress }, hostname, path: '/api/incidents' }) as unknown as Request;

    it('answers callers from another machine 401 while no token exists', async () => {
      await expect(authenticate(request('10.1.2.3'), noTokens, silentLogger())).rejects.toMatchObject({ status: 401, message: expect.stringContaining('logtriage tokens create') });
    });

    it('answers a loopback caller 401 when it addressed another name (DNS rebinding) while no token exists', async () => {
      await expect(authenticate(request('127.0.0.1', 'attacker.example'), noTokens, silentLogger())).rejects.toMatchObject({ status: 401, message: expect.stringContaining('attacker.example') });
      expect(await authenticate(request('127.0.0.1', 'localhost'), noTokens, silentLogger())).toMatchObject({ name: 'local' });
      expect(await authenticate(request('::1', '[::1]'), noTokens, silentLogger())).toMatchObject({ name: 'local' });
    });

    it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])('answers %s as the local admin while no token exists', async (peer) => {
      expect(await authenticate(request(peer), noTokens, silentLogger())).toEqual({ name: 'local', role: 'admin', auth: 'open' });
    });
  });
});

describe('assertListenAllowed', () => {
  it.each(['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.1.1'])('allows loopback %s without tokens', (host) => {
    expect(() => assertListenAllowed(host, false)).not.toThrow();
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'logtriage.internal'])('refuses %s without tokens, saying how to create one', (host) => {
    expect(() => assertListenAllowed(host, false)).toThrow(ConfigError);
    expect(() => assertListenAllowed(host, false)).toThrow(/logtriage tokens create/);
  });

  it('allows any host once tokens exist', () => {
    expect(() => assertListenAllowed('0.0.0.0', true)).not.toThrow();
  });
});

describe('isLoopback', () => {
  it('tells loopback addresses from others', () => {
    expect(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', 'LOCALHOST'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '128.0.0.1', '::ffff:10.0.0.1', '', 'localhost.evil.com'].some(isLoopback)).toBe(false);
  });
});
