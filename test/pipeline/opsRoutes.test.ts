import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry, Counter } from 'prom-client';
import { opsRoutes, type PipelineStatus } from '../../src/pipeline/index.js';

describe('opsRoutes', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(status: PipelineStatus, listening = true): Promise<string> {
    const metrics = new Registry();
    new Counter({ name: 'logtriage_test_total', help: 'test', registers: [metrics] }).inc(3);
    const routes = opsRoutes({ metrics, status: () => status, listening: () => listening });
    server = createServer((req, res) => {
      if (!routes(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  const learning: PipelineStatus = { mode: 'learning', ready: true, templates: 4, sessionsOpen: 2, scoreQueue: 0, learning: { sessions: 10, target: 2000, minSessions: 200, deadline: '2026-01-01T00:00:00.000Z' } };

  it('serves metrics in the Prometheus text format, health, and readiness with the mode', async () => {
    const base = await serve(learning);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await metrics.text()).toMatch(/logtriage_test_total 3/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, mode: 'learning', learning: { sessions: 10 } });
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 503 on /readyz while starting or while the receivers are not listening', async () => {
    const base = await serve({ ...learning, mode: 'starting', ready: false });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const notListening = await serve(learning, false);
    const answer = await fetch(`${notListening}/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ ready: false });
  });
});
