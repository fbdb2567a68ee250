import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLogEvent, type LogEvent } from '../../src/ingest/index.js';
import { MemoryIncidentSink } from '../../src/incidents/index.js';
import { Pipeline, type Anomaly } from '../../src/pipeline/index.js';

let traceCounter = 0;
function traceId(): string {
  return (++traceCounter).toString(16).padStart(32, '0');
}

/** One request of a small web service: cache hit, or cache miss and a query. */
function normalTrace(n: number): LogEvent[] {
  const trace = traceId();
  const ev = (body: string) => makeLogEvent({ body, traceId: trace, resource: { 'service.name': 'shop' } });
  const lines = [`GET /api/items/${n} from 10.0.0.${n % 250}`];
  if (n % 3 === 0) lines.push(`cache hit for key item:${n}`);
  else lines.push(`cache miss for key item:${n}`, `query items took ${n % 40} ms`);
  lines.push(`response 200 in ${n % 90} ms`);
  return lines.map(ev);
}

function failingTrace(n: number): LogEvent[] {
  const trace = traceId();
  const ev = (body: string) => makeLogEvent({ body, traceId: trace, resource: { 'service.name': 'shop' } });
  return [`GET /api/items/${n} from 10.0.0.7`, `cache miss for key item:${n}`, `database pool exhausted, waited ${n} ms for a connection`, `response 503 in ${n} ms`].map(ev);
}

function feed(pipeline: Pipeline, events: LogEvent[]): void {
  pipeline.ingest(events.map((event) => ({ event, templateId: pipeline.annotate(event).templateId })));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Pipeline', () => {
  const sink = new MemoryIncidentSink();
  const anomalies: Anomaly[] = [];
  const suppressed = new Set<string>();
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = new Pipeline({
      config: { pipeline: { suppressionRefreshMs: 100, learning: { sessions: 60, minSessions: 20, maxTrainSeconds: 30 } } },
      sink,
      persist: false,
      suppressions: async () => new Set(suppressed),
    });
    pipeline.onAnomaly((a) => anomalies.push(a));
    await pipeline.start();
  }, 60_000);

  afterAll(async () => {
    await pipeline.dispose();
  });

  it('starts in learning mode without a model and says so in its status and metrics', async () => {
    expect(pipeline.status()).toMatchObject({ mode: 'learning', ready: true, learning: { sessions: 0, target: 60 } });
    expect(await pipeline.metrics.metrics()).toMatch(/logtriage_mode\{mode="learning"\} 1/);
  });

  it('gives messages that differ only in values one template id', () => {
    const a = pipeline.annotate(makeLogEvent({ body: 'response 200 in 31 ms' }));
    const b = pipeline.annotate(makeLogEvent({ body: 'response 200 in 7 ms' }));
    expect(a.templateId).toBe(b.templateId);
    expect(a.template).toBe('response <*> in <*>');
    expect(pipeline.annotate(makeLogEvent({ body: '' })).templateId).toBe('empty');
  });

  it('trains on the sessions it collected, switches to detection, and flags an unusual session', async () => {
    for (let n = 0; n < 60; n++) feed(pipeline, normalTrace(n));
    await pipeline.flush();
    await until(() => pipeline.status().mode === 'detecting', 45_000);
    expect(pipeline.status().modelVersion).toBe('learned-lstm');
    expect(await pipeline.metrics.metrics()).toMatch(/logtriage_trainings_total\{outcome="ok"\} 1/);

    anomalies.length = 0;
    for (let n = 100; n < 110; n++) feed(pipeline, normalTrace(n));
    const failing = failingTrace(1);
    feed(pipeline, failing);
    await pipeline.flush();
    expect(anomalies.map((a) => a.traceId)).toEqual([failing[0]!.traceId]);
    const [anomaly] = anomalies;
    expect(anomaly!.score).toBeGreaterThan(anomaly!.threshold);
    expect(anomaly!.service).toBe('shop');
    expect(anomaly!.templates).toContain('database pool exhausted, waited <*> for a connection');
    expect(anomaly!.evidence[0]!.position).toBe(2);
    // What the model expected instead, with template texts.
    expect(['query items took <*>', 'response <*> in <*>']).toContain(anomaly!.evidence[0]!.expected[0]!.template);
    expect(anomaly!.incidentId).toMatch(/^inc_/);
    const [incident] = await sink.recent();
    expect(incident).toMatchObject({ id: anomaly!.incidentId, occurrences: 1, lines: failing.map((e) => e.body) });
  }, 90_000);

  it('counts the same sequence flagged again as another occurrence of the same incident', async () => {
    anomalies.length = 0;
    feed(pipeline, failingTrace(2));
    await pipeline.flush();
    expect(anomalies).toHaveLength(1);
    const incidents = await sink.recent();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: anomalies[0]!.incidentId, occurrences: 2 });
  });

  it('does not flag a sequence again once reviewers marked its signature a false positive', async () => {
    const [incident] = await sink.recent();
    suppressed.add(incident!.signature);
    await new Promise((r) => setTimeout(r, 1_300));
    anomalies.length = 0;
    feed(pipeline, failingTrace(3));
    await pipeline.flush();
    expect(anomalies).toHaveLength(0);
    expect(await pipeline.metrics.metrics()).toMatch(/logtriage_sessions_suppressed_total 1/);
    suppressed.clear();
  });

  it('drops sessions from analysis, counted, when the scoring queue is full', async () => {
    const small = new Pipeline({ config: { pipeline: { scoreQueueSessions: 3, learning: { enabled: false } } }, persist: false, sink: new MemoryIncidentSink() });
    await small.start();
    expect(small.status().mode).toBe('mining');
    for (let n = 0; n < 5; n++) feed(small, normalTrace(n));
    await small.flush();
    expect(await small.metrics.metrics()).toMatch(/logtriage_sessions_dropped_total\{reason="no_model"\} 5/);
    await small.dispose();
    await small.dispose();
    expect(small.status().mode).toBe('stopped');
  });
});

describe('Pipeline persistence', () => {
  it('saves the template miner at shutdown and restores the same ids at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logtriage-pipeline-'));
    try {
      const config = { service: { dataDir: dir }, pipeline: { learning: { enabled: false } } };
      const first = new Pipeline({ config });
      await first.start();
      const id = first.annotate(makeLogEvent({ body: 'worker 3 finished job 991' })).templateId;
      await first.dispose();
      const snapshot = JSON.parse(readFileSync(join(dir, 'templates.json'), 'utf8')) as { templates: unknown[] };
      expect(snapshot.templates.length).toBe(1);
      const second = new Pipeline({ config });
      await second.start();
      expect(second.miner.size).toBe(1);
      expect(second.annotate(makeLogEvent({ body: 'worker 8 finished job 12' })).templateId).toBe(id);
      await second.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a learned model in the registry with its templates, and detects with it at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logtriage-pipeline-'));
    try {
      const config = { service: { dataDir: dir }, pipeline: { learning: { sessions: 30, minSessions: 10, maxTrainSeconds: 20 } } };
      const first = new Pipeline({ config });
      await first.start();
      for (let n = 0; n < 30; n++) feed(first, normalTrace(n));
      await first.flush();
      await until(() => first.status().mode === 'detecting', 45_000);
      const version = first.status().modelVersion!;
      expect(version).toMatch(/learned-lstm$/);
      await first.dispose();
      rmSync(join(dir, 'templates.json'));

      const second = new Pipeline({ config });
      expect(second.miner.size).toBeGreaterThan(0);
      await second.start();
      expect(second.status()).toMatchObject({ mode: 'detecting', modelVersion: version });
      const anomalies: Anomaly[] = [];
      second.onAnomaly((a) => anomalies.push(a));
      feed(second, normalTrace(3));
      const failing = failingTrace(5);
      feed(second, failing);
      await second.flush();
      expect(anomalies.map((a) => a.traceId)).toEqual([failing[0]!.traceId]);
      // The default sink is the durable store (SQLite in the data directory), which the API reads.
      expect(second.store).toBeDefined();
      expect((await second.store!.get(anomalies[0]!.incidentId))?.triage.status).toBe('pending');
      await second.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses a configuration that does not fit the schema', () => {
    expect(() => new Pipeline({ config: { pipeline: { scoreBatchSize: 0 } } })).toThrow(/pipeline.scoreBatchSize/);
  });
});
