import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createIncidentStore } from '../../src/incidents/index.js';
import { LogtriageService } from '../../src/cli/serve/LogtriageService.js';
import { writeTinyModels } from '../../src/triage/gguf/index.js';
import { LlamaCppTriager } from '../../src/triage/LlamaCppTriager.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { sdkClient, type SdkClient } from '../plugins/otel-collector/sdkClients.js';
import { tinyAnswerBias } from '../triage/backends/helpers.js';
import { downstream, waitFor, type Downstream } from './downstream.js';

// Issue 8: one log's whole way through the product, every hop on its real implementation: the
// official OTLP/protobuf exporter under the sdk-logs LoggerProvider → the OTLP/HTTP receiver →
// the template miner → trace-id sessions → tier 1 (learnt in learning mode from the first
// sessions) → the SQLite incident store → tier 2 on the generated tiny llama.cpp model and LoRA →
// the explanation API → the anomaly records downstream.

const LEARNING_SESSIONS = 40;
const TINY_BACKEND = 'llamacpp:tiny-llama.gguf+tiny-lora.gguf';

const root = mkdtempSync(join(tmpdir(), 'logtriage-e2e-'));
const dataDir = join(root, 'data');
let sink: Downstream;
let service: LogtriageService | undefined;
let triager: LlamaCppTriager | undefined;
let client: SdkClient | undefined;
let addresses: Awaited<ReturnType<LogtriageService['start']>>;

// sdkClient derives the span id from the first 16 digits, which must not all be zero.
function traceId(n: number): string {
  return `e2e0${n.toString(16).padStart(28, '0')}`;
}

/** A normal checkout request: three events under one trace id. */
function emitNormal(n: number): void {
  const id = traceId(n);
  client!.emit(`GET /api/items/${n}`, id);
  client!.emit(n % 2 ? `cache hit for item ${n}` : `cache miss for item ${n}`, id);
  client!.emit(`response 200 in ${n + 3} ms`, id);
}

const FAILING = ['GET /api/items/7', 'cache miss for item 7', 'connect to inventory-db:5432 failed: connection refused', 'response 502 in 3 ms'];

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${addresses.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

beforeAll(async () => {
  sink = await downstream();
  const models = await writeTinyModels(join(root, 'models'));
  // The token bias that makes the random tiny model answer schema-valid JSON is not expressible in
  // config, so the backend is built here and handed to the service; everything else is config.
  triager = await LlamaCppTriager.create({
    modelPath: models.base.path,
    lora: [{ path: models.lora.path, scale: 1 }],
    gpu: false,
    threads: 1,
    contextSize: 4096,
    sequences: 1,
    maxTokens: 400,
    timeoutMs: 30_000,
    tokenBias: tinyAnswerBias,
  });
  const config = configSchema.parse({
    service: { dataDir },
    receivers: { http: { port: 0 }, grpc: { enabled: false } },
    api: { port: 0 },
    forward: { endpoint: sink.url },
    sessions: { idleTimeoutMs: 200, sweepIntervalMs: 50 },
    pipeline: { learning: { sessions: LEARNING_SESSIONS, minSessions: 20, maxTrainSeconds: 30 } },
    store: { kind: 'sqlite' },
    // The tiny model's byte-level vocabulary spends ~2,500 tokens on the system turn alone.
    triage: { contextSize: 4096, maxTokens: 400, maxPromptTokens: 3400, timeoutMs: 30_000, worker: { pollIntervalMs: 100, leaseMs: 60_000 } },
  });
  service = new LogtriageService(config, { triager });
  addresses = await service.start();
  client = sdkClient(new OTLPLogExporter({ url: `${addresses.http}/v1/logs` }), 'shop');
}, 30_000);

afterAll(async () => {
  await client?.shutdown();
  await service?.stop();
  await triager?.dispose();
  await sink?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('logtriage end to end (issue 8)', () => {
  it('takes an OTel SDK log from the exporter through both tiers to the API and downstream', async () => {
    expect(addresses.triage).toBe(TINY_BACKEND);
    expect(await (await fetch(`${addresses.http}/readyz`)).json()).toMatchObject({ ready: true, mode: 'learning' });

    // Hop 1: the official exporter delivers the normal traffic, acknowledged.
    for (let n = 0; n < LEARNING_SESSIONS; n++) emitNormal(n);
    await client!.flush();
    expect(client!.results.map((r) => r.code)).toEqual([0]);

    // Hop 2: every record went downstream at once, annotated with its mined template.
    const forwarded = sink.events();
    expect(forwarded).toHaveLength(LEARNING_SESSIONS * 3);
    expect(forwarded.slice(0, 3).map((e) => e.attributes['logtriage.template'])).toEqual(['GET <*>', 'cache miss for item <*>', 'response <*> in <*>']);
    expect(forwarded[0]!.traceId).toBe(traceId(0));
    expect(await metric('logtriage_events_annotated_total')).toBe(LEARNING_SESSIONS * 3);

    // Hop 3 and 4: the trace-id sessions close on idle and tier 1 learns from them.
    await waitFor('the trace-id sessions to close on idle', async () => ((await metric('logtriage_sessions_closed_total{reason="idle"}')) === LEARNING_SESSIONS ? true : undefined), 10_000);
    expect(await metric('logtriage_sessions_closed_total{reason="maxEvents"}')).toBe(0);
    const detecting = await waitFor('learning mode to train a model', () => (service!.pipeline.status().mode === 'detecting' ? service!.pipeline.status() : undefined), 40_000);
    expect(detecting.modelVersion).toBeTruthy();
    expect(detecting.threshold).toBeGreaterThan(0);

    // A request that fails the way the normal ones never did.
    const failingTrace = traceId(999);
    for (const body of FAILING) client!.emit(body, failingTrace);
    await client!.flush();
    expect(client!.results.map((r) => r.code)).toEqual([0, 0]);

    // Hop 5: tier 1 flags it and the first anomaly record (incident id, no category yet) goes downstream.
    const anomaly = await waitFor('the anomaly record downstream', () => sink.events('logtriage.anomaly')[0]);
    expect(anomaly.traceId).toBe(failingTrace);
    const incidentId = anomaly.attributes['logtriage.incident.id'];
    expect(incidentId).toMatch(/^inc_/);
    expect(anomaly.attributes['logtriage.session.events']).toBe(FAILING.length);
    expect(anomaly.attributes['logtriage.anomaly.category']).toBeUndefined();
    expect(anomaly.attributes['logtriage.anomaly.score'] as number).toBeGreaterThan(anomaly.attributes['logtriage.anomaly.threshold'] as number);
    expect(await metric('logtriage_sessions_flagged_total')).toBe(1);

    // Hop 6: the incident is in the store and the API lists it.
    const listed = (await (await fetch(`${addresses.api}/api/incidents`)).json()) as { items: { id: string; service: string; traceId: string; eventCount: number }[] };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: incidentId, service: 'shop', traceId: failingTrace, eventCount: FAILING.length });

    // Hop 7: tier 2 (the tiny llama.cpp model) classifies it from the store's queue.
    type Explanation = { status: string; category: string | null; severity: string | null; summary: string | null; explanation: string | null; backend: string | null; heuristic: boolean };
    const explanation = await waitFor(
      'tier 2 to triage the incident',
      async () => {
        const body = (await (await fetch(`${addresses.api}/api/incidents/${String(incidentId)}/explanation`)).json()) as Explanation;
        expect(body.status).not.toBe('failed');
        return body.status === 'triaged' ? body : undefined;
      },
      40_000,
    );
    const categories = loadTaxonomy().categories.map((c) => c.name);
    expect(explanation).toMatchObject({ backend: TINY_BACKEND, heuristic: false });
    expect(categories).toContain(explanation.category);
    expect(explanation.severity).toBeTruthy();
    expect(explanation.summary).toBeTruthy();
    expect(typeof explanation.explanation).toBe('string');

    // Hop 8: the anomaly goes downstream once more, now with tier 2's category and explanation.
    const categorised = await waitFor('the categorised anomaly record downstream', () => sink.events('logtriage.anomaly').find((e) => e.attributes['logtriage.anomaly.category'] !== undefined));
    expect(categorised.attributes).toMatchObject({
      'logtriage.incident.id': incidentId,
      'logtriage.anomaly.category': explanation.category,
      'logtriage.anomaly.explanation': explanation.explanation,
    });
    expect(categorised.traceId).toBe(failingTrace);
    expect(sink.events('logtriage.anomaly')).toHaveLength(2);
    // The failing request's own records were forwarded too: nothing is lost for the anomaly.
    expect(sink.events().filter((e) => e.traceId === failingTrace && e.attributes['logtriage.template'] !== undefined)).toHaveLength(FAILING.length);

    // The incident and its triage are durable in the SQLite file once the service has stopped.
    await service!.stop();
    // The injected backend stays the caller's: the service did not dispose of it.
    expect(triager!.countTokens('connection refused')).toBeGreaterThan(0);
    const dbPath = join(dataDir, 'logtriage.db');
    expect(existsSync(dbPath)).toBe(true);
    const store = await createIncidentStore({ ...service!.config.store, sqlitePath: dbPath, dataDir });
    try {
      const stored = await store.get(String(incidentId));
      expect(stored?.triage).toMatchObject({ status: 'triaged', attempts: 1 });
      expect(stored?.triage.result?.backend).toBe(TINY_BACKEND);
    } finally {
      await store.dispose();
    }
  }, 120_000);
});
