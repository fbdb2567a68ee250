import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { logEventsOf } from '../../src/ingest/otlp/index.js';
import { downstream } from '../e2e/downstream.js';
import { LogtriageService } from '../../src/cli/serve/LogtriageService.js';

let trace = 0;
function traceRecords(bodies: string[]): object[] {
  const traceId = (++trace).toString(16).padStart(32, '0');
  return bodies.map((body) => ({ body: { stringValue: body }, traceId, spanId: '00000000000000aa', severityNumber: 9 }));
}

function normal(n: number): object[] {
  return traceRecords([`GET /api/items/${n}`, n % 2 ? `cache hit for item ${n}` : `cache miss for item ${n}`, `response 200 in ${n} ms`]);
}

async function post(url: string, records: object[]): Promise<Response> {
  return fetch(`${url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeLogs: [{ logRecords: records }] }] }),
  });
}

describe('logtriage serve (LogtriageService)', () => {
  let sink: Awaited<ReturnType<typeof downstream>>;
  let service: LogtriageService;
  let url: string;
  let api: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-serve-'));

  beforeAll(async () => {
    sink = await downstream();
    const config = configSchema.parse({
      service: { dataDir },
      receivers: { http: { port: 0 }, grpc: { port: 0 } },
      api: { port: 0 },
      forward: { endpoint: sink.url },
      sessions: { idleTimeoutMs: 200, sweepIntervalMs: 50 },
      pipeline: { learning: { sessions: 40, minSessions: 20, maxTrainSeconds: 30 } },
    });
    service = new LogtriageService(config);
    const addresses = await service.start();
    url = addresses.http!;
    api = addresses.api!;
    expect(addresses.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    await service.stop();
    await service.stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forwards every record annotated with its template, learns, then flags an unusual trace downstream', async () => {
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toMatchObject({ ready: true, mode: 'learning' });
    for (let n = 0; n < 40; n++) expect((await post(url, normal(n))).status).toBe(200);
    expect(sink.records).toHaveLength(120);
    const first = logEventsOf({ resourceLogs: [{ scopeLogs: [{ logRecords: sink.records.slice(0, 3) }] }] }).events;
    expect(first.map((e) => e.attributes['logtriage.template'])).toEqual(['GET <*>', 'cache miss for item <*>', 'response <*> in <*>']);

    const started = Date.now();
    while (service.pipeline.status().mode !== 'detecting') {
      if (Date.now() - started > 60_000) throw new Error('learning mode did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    const failing = traceRecords(['GET /api/items/7', 'cache miss for item 7', 'connect to inventory-db:5432 failed: connection refused', 'response 502 in 3 ms']);
    expect((await post(url, failing)).status).toBe(200);
    const waitStart = Date.now();
    while (!sink.records.some((r) => r.eventName === 'logtriage.anomaly')) {
      if (Date.now() - waitStart > 10_000) throw new Error('no anomaly record arrived downstream');
      await new Promise((r) => setTimeout(r, 100));
    }
    const anomaly = sink.records.find((r) => r.eventName === 'logtriage.anomaly')!;
    const [event] = logEventsOf({ resourceLogs: [{ scopeLogs: [{ logRecords: [anomaly] }] }] }).events;
    expect(event!.traceId).toBe((failing[0] as { traceId: string }).traceId);
    const listed = (await (await fetch(`${api}/api/incidents`)).json()) as { items: { id: string; service: string }[] };
    expect(listed.items.map((i) => i.id)).toEqual([event!.attributes['logtriage.incident.id']]);
    expect(listed.items[0]!.service).toBe('shop');
    // Tier 2 (the heuristic: no LLM is configured) classifies it from the store's queue.
    const explained = Date.now();
    let explanation: { status: string; category: string | null; heuristic: boolean } = { status: 'pending', category: null, heuristic: false };
    while (explanation.status !== 'triaged') {
      if (Date.now() - explained > 15_000) throw new Error(`not triaged: ${JSON.stringify(explanation)}`);
      await new Promise((r) => setTimeout(r, 100));
      explanation = (await (await fetch(`${api}/api/incidents/${listed.items[0]!.id}/explanation`)).json()) as typeof explanation;
    }
    expect(explanation).toMatchObject({ status: 'triaged', category: 'connection_failure', heuristic: true });
    // …and the anomaly goes downstream once more, now with its category and explanation.
    const categorized = Date.now();
    const withCategory = () => sink.records.filter((r) => r.eventName === 'logtriage.anomaly').map((r) => logEventsOf({ resourceLogs: [{ scopeLogs: [{ logRecords: [r] }] }] }).events[0]!.attributes['logtriage.anomaly.category']);
    while (!withCategory().includes('connection_failure')) {
      if (Date.now() - categorized > 10_000) throw new Error('no categorised anomaly record arrived downstream');
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await fetch(`${api}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/logtriage_sessions_flagged_total 1/);
    expect(metrics).toMatch(/process_resident_memory_bytes/);
  }, 90_000);
});
