import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp, type ApiOptions } from '../../src/api/index.js';
import { createIncidentStore, signatureOf, type IncidentStore, type KyselyIncidentStore, type NewIncident, type TriageResult } from '../../src/incidents/index.js';

/** A running API on a loopback port with a real SQLite store in a temp directory. */
export interface TestApi {
  url: string;
  store: KyselyIncidentStore;
  dataDir: string;
  close(): Promise<void>;
}

/** A real SQLite store (migrated) in a fresh temp data directory. */
export async function openTestStore(): Promise<{ store: KyselyIncidentStore; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-api-'));
  const store = await createIncidentStore({ kind: 'sqlite', poolSize: 1, dataDir });
  return { store, dataDir };
}

/** Starts `createApiApp` on 127.0.0.1:0; `options.store` replaces the app's store (a wrapper around the real one). */
export async function startApi(options: Partial<ApiOptions> & { wrap?: (store: KyselyIncidentStore) => IncidentStore } = {}): Promise<TestApi> {
  const { store, dataDir } = await openTestStore();
  const { wrap, ...rest } = options;
  const app = createApiApp({ ...rest, store: wrap ? wrap(store) : store });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    dataDir,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An answer of the API: status, headers, raw text, and the body parsed as JSON. */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** Calls the API; a body object is sent as JSON. */
export async function call<T = unknown>(api: { url: string }, path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${api.url}${path}`, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

export const BASE_TIME = 1_795_449_600_000; // 2026-11-23T16:00:00Z

let sequence = 0;

/** Options of {@link seedIncident}. */
export interface SeedOptions extends Partial<NewIncident> {
  /** Tier 2's result (merged over a default); `'pending'` leaves the incident untriaged. */
  triage?: Partial<TriageResult> | 'pending';
}

/**
 * Records an incident (a distinct signature each call) and, unless `triage: 'pending'`, triages it
 * right away through the store's queue (claim, complete). Seed triaged incidents before pending
 * ones: a claim takes every pending incident.
 */
export async function seedIncident(store: IncidentStore, options: SeedOptions = {}): Promise<string> {
  const { triage, ...overrides } = options;
  const n = ++sequence;
  const templateIds = overrides.templateIds ?? [`E${n}a`, `E${n}b`, `E${n}c`];
  const detectedAt = overrides.detectedAt ?? BASE_TIME + n * 1_000;
  const incident: NewIncident = {
    sessionKey: `blk_${n}`,
    service: 'checkout',
    firstTimestamp: detectedAt - 5_000,
    lastTimestamp: detectedAt - 100,
    detectedAt,
    templateIds,
    templates: templateIds.map((id) => `Received block <*> of size <*> (${id})`),
    lines: templateIds.map((id, i) => `081109 20351${i} INFO dfs.DataNode: Received block blk_${n} of size 67108864 (${id})`),
    truncatedLines: 0,
    score: 14.5,
    threshold: 7.25,
    evidence: [{ position: 1, templateId: templateIds[1] ?? 'x', surprise: 9.1, expected: [{ templateId: 'E5', probability: 0.93 }] }],
    modelVersion: 'lstm-v3',
    signature: signatureOf(templateIds),
    ...overrides,
  };
  const { id } = await store.record(incident);
  if (triage === 'pending') return id;
  const result: TriageResult = {
    category: 'timeout',
    severity: 'high',
    confidence: 0.8,
    summary: `block ${n} write timed out`,
    explanation: 'The write pipeline stalled and the client gave up after the deadline.',
    evidenceLines: [1],
    suggestedActions: ['check the datanode disk latency'],
    backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
    ...triage,
  };
  const claimed = await store.claim('test-worker', 1_000, 60_000, detectedAt);
  if (!claimed.some((c) => c.id === id)) throw new Error(`seedIncident: ${id} was not claimable`);
  if (!(await store.completeTriage(id, 'test-worker', result, detectedAt))) throw new Error(`seedIncident: cannot complete ${id}`);
  return id;
}
