import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TriageConfigInput } from '../../../src/config/triage.js';
import { createIncidentStore, IncidentStoreError, signatureOf, type IncidentStore, type KyselyIncidentStore, type NewIncident } from '../../../src/incidents/index.js';
import { TriageOutputError, TriageUnavailableError } from '../../../src/triage/errors.js';
import { writeTinyModels, type TinyModels } from '../../../src/triage/gguf/index.js';
import { HeuristicTriager } from '../../../src/triage/HeuristicTriager.js';
import { LlamaCppTriager } from '../../../src/triage/LlamaCppTriager.js';
import { loadTaxonomy } from '../../../src/triage/taxonomy.js';
import { TriageWorker } from '../../../src/triage/TriageWorker.js';
import type { TriageInput, TriageOutcome, Triager } from '../../../src/triage/types.js';
import type { createLogger } from '../../../src/util/logger.js';
import { capture, HDFS_SESSION, newIncident, tinyAnswerBias, triageConfig } from '../backends/helpers.js';

const taxonomy = loadTaxonomy();
const root = mkdtempSync(join(tmpdir(), 'logtriage-worker-'));
let files: TinyModels;
const open: { stores: KyselyIncidentStore[]; workers: TriageWorker[] } = { stores: [], workers: [] };

beforeAll(async () => {
  files = await writeTinyModels(join(root, 'models'));
});

afterEach(async () => {
  await Promise.all(open.workers.splice(0).map((w) => w.stop()));
  await Promise.all(open.stores.splice(0).map((s) => s.dispose()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

let dbCounter = 0;
/** A fresh SQLite store; `path` opens an existing one again (as a second process would). */
async function sqliteStore(path = join(root, `db${++dbCounter}`, 'logtriage.db')): Promise<KyselyIncidentStore> {
  const store = await createIncidentStore({ kind: 'sqlite', sqlitePath: path, poolSize: 10, dataDir: root });
  open.stores.push(store);
  return store;
}

const FAST: TriageConfigInput = { timeoutMs: 30_000, worker: { pollIntervalMs: 10, retryBaseMs: 40, leaseMs: 60_000, drainTimeoutMs: 2_000 } };

function worker(store: IncidentStore, triager: Triager, config: TriageConfigInput = {}, extra: { registry?: Registry; logger?: ReturnType<typeof createLogger> } = {}): TriageWorker {
  const merged = triageConfig({ ...FAST, ...config, worker: { ...FAST.worker, ...config.worker } });
  const w = new TriageWorker({ store, triager, taxonomy, config: merged, ...extra });
  open.workers.push(w);
  return w;
}

/** A backend whose answers the test scripts; it records every call. */
class ScriptedTriager implements Triager {
  readonly calls: { id: string; at: number; attempt: number }[] = [];
  constructor(
    readonly name: string,
    private readonly answer: (input: TriageInput, call: number) => Promise<TriageOutcome>,
    readonly parallelism = 4,
  ) {}
  triage(input: TriageInput): Promise<TriageOutcome> {
    this.calls.push({ id: input.incident.id, at: Date.now(), attempt: input.incident.triage.attempts });
    return this.answer(input, this.calls.length);
  }
  async dispose(): Promise<void> {}
}

/** The heuristic's answer under another backend name, after `delayMs`. */
function heuristicAs(name: string, delayMs = 0): ScriptedTriager {
  const heuristic = new HeuristicTriager();
  return new ScriptedTriager(name, async (input) => {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const outcome = await heuristic.triage(input);
    return { ...outcome, result: { ...outcome.result, backend: name }, tokensIn: 100, tokensOut: 20 };
  });
}

async function record(store: IncidentStore, incidents: NewIncident[]): Promise<string[]> {
  const ids: string[] = [];
  for (const incident of incidents) ids.push((await store.record(incident)).id);
  return ids;
}

async function allSettled(store: IncidentStore, timeout = 20_000): Promise<void> {
  await vi.waitFor(async () => expect(await store.pendingCount()).toBe(0), { timeout, interval: 20 });
}

async function metric(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (found?.values ?? []) as { labels: Record<string, string | number>; value: number }[];
}


const TIMEOUT_SHAPE = [
  ['E1', 'GET <*> from <*>', 'GET /api/v1/orders?id=8812 from 10.4.2.7'],
  ['E2', 'Query <*> took <*> ms', 'Query SELECT * FROM orders WHERE id = 8812 took 30012 ms'],
  ['E3', 'Request <*> timed out after <*> ms', 'Request 5f1c timed out after 30000 ms waiting for orders-db'],
] as const;

describe('TriageWorker on a SQLite store', () => {
  it('triages recorded incidents with the heuristic and exports its metrics', async () => {
    const store = await sqliteStore();
    const ids = await record(store, [newIncident(1), newIncident(2, TIMEOUT_SHAPE)]);
    const registry = new Registry();
    const w = worker(store, new HeuristicTriager(), {}, { registry });
    expect(await metric(registry, 'logtriage_triage_queue_depth')).toEqual([{ labels: {}, value: 2 }]);
    w.start();
    await allSettled(store);
    const [reset, slow] = await Promise.all(ids.map((id) => store.get(id)));
    expect(reset?.triage).toMatchObject({ status: 'triaged', attempts: 1, result: { category: 'connection_failure', backend: 'heuristic' } });
    expect(slow?.triage).toMatchObject({ status: 'triaged', result: { category: 'timeout', backend: 'heuristic' } });
    expect(await metric(registry, 'logtriage_triage_queue_depth')).toEqual([{ labels: {}, value: 0 }]);
    expect(await metric(registry, 'logtriage_triage_completed_total')).toEqual([{ labels: { backend: 'heuristic' }, value: 2 }]);
    const latency = (await metric(registry, 'logtriage_triage_seconds')).find((v) => (v as { metricName?: string }).metricName === 'logtriage_triage_seconds_count');
    expect(latency).toMatchObject({ labels: { backend: 'heuristic', outcome: 'ok' }, value: 2 });
  });

  it('triages with the tiny llama model on parallel sequences, counting tokens', async () => {
    const store = await sqliteStore();
    const ids = await record(store, [newIncident(1), newIncident(2, TIMEOUT_SHAPE), newIncident(3, HDFS_SESSION.slice(0, 4))]);
    const triager = await LlamaCppTriager.create({ modelPath: files.base.path, lora: [{ path: files.lora.path, scale: 1 }], gpu: false, threads: 1, sequences: 2, contextSize: 4096, maxTokens: 400, tokenBias: tinyAnswerBias });
    try {
      const registry = new Registry();
      const w = worker(store, triager, { contextSize: 4096, maxPromptTokens: 3400, maxTokens: 400 }, { registry });
      expect(w.concurrency).toBe(2);
      w.start();
      await allSettled(store, 60_000);
      for (const id of ids) {
        const incident = await store.get(id);
        expect(incident?.triage.status).toBe('triaged');
        expect(incident?.triage.result?.backend).toBe('llamacpp:tiny-llama.gguf+tiny-lora.gguf');
        expect(taxonomy.categories.map((c) => c.name)).toContain(incident?.triage.result?.category);
      }
      const [tokensIn] = await metric(registry, 'logtriage_triage_tokens_in_total');
      expect(tokensIn!.value).toBeGreaterThan(3 * 2_500);
      const [tokensOut] = await metric(registry, 'logtriage_triage_tokens_out_total');
      expect(tokensOut!.value).toBeGreaterThan(3 * 10);
      await w.stop();
    } finally {
      await triager.dispose();
    }
  });

  it('marks an incident failed, with the reason, when the model’s answer is invalid twice', async () => {
    const store = await sqliteStore();
    const [id] = await record(store, [newIncident(1)]);
    // Eight tokens cannot hold the JSON object: the real model's answer is cut, both times.
    const triager = await LlamaCppTriager.create({ modelPath: files.base.path, gpu: false, threads: 1, sequences: 1, contextSize: 4096, maxTokens: 8 });
    try {
      const registry = new Registry();
      worker(store, triager, { contextSize: 4096, maxPromptTokens: 3400 }, { registry }).start();
      await allSettled(store, 30_000);
      const incident = await store.get(id!);
      expect(incident?.triage.status).toBe('failed');
      expect(incident?.triage.attempts).toBe(1);
      expect(incident?.triage.lastError).toMatch(/^invalid output: llamacpp:tiny-llama\.gguf: the answer was invalid twice; last: the answer is not JSON/);
      expect((await metric(registry, 'logtriage_triage_failures_total')).find((v) => v.labels.reason === 'invalid_output')?.value).toBe(1);
    } finally {
      await triager.dispose();
    }
  });

  it('retries an unavailable backend with exponential backoff, then classifies by the heuristic', async () => {
    const store = await sqliteStore();
    const [id] = await record(store, [newIncident(1)]);
    const down = new ScriptedTriager('openai:http://gpu-pool/v1', () => Promise.reject(new TriageUnavailableError('openai:http://gpu-pool/v1: HTTP 503 (overloaded)')));
    const registry = new Registry();
    worker(store, down, { worker: { retryBaseMs: 60, maxAttempts: 3 } }, { registry }).start();
    await allSettled(store);
    expect(down.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const gaps = [down.calls[1]!.at - down.calls[0]!.at, down.calls[2]!.at - down.calls[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(60);
    expect(gaps[1]).toBeGreaterThanOrEqual(120);
    const incident = await store.get(id!);
    expect(incident?.triage).toMatchObject({ status: 'triaged', attempts: 3, result: { backend: 'heuristic', category: 'connection_failure' } });
    expect((await metric(registry, 'logtriage_triage_fallbacks_total'))[0]?.value).toBe(1);
    expect((await metric(registry, 'logtriage_triage_failures_total')).find((v) => v.labels.reason === 'unavailable')?.value).toBe(3);
  });

  it('marks the incident failed after maxAttempts when the heuristic fallback is off', async () => {
    const store = await sqliteStore();
    const [id] = await record(store, [newIncident(1)]);
    const down = new ScriptedTriager('openai:http://gpu-pool/v1', () => Promise.reject(new TriageUnavailableError('openai:http://gpu-pool/v1: cannot reach it: ECONNREFUSED')));
    const w = worker(store, down, { fallbackToHeuristic: false, worker: { retryBaseMs: 10, maxAttempts: 2 } });
    w.start();
    // Between attempts the incident waits, pending, with the error and the time of the next try.
    await vi.waitFor(async () => expect((await store.get(id!))?.triage.notBefore).toBeDefined(), { interval: 5 });
    expect((await store.get(id!))?.triage).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED$/) });
    await allSettled(store);
    expect((await store.get(id!))?.triage).toMatchObject({ status: 'failed', attempts: 2, lastError: 'openai:http://gpu-pool/v1: cannot reach it: ECONNREFUSED (gave up after 2 attempts)' });
    expect(down.calls).toHaveLength(2);
  });

  it('copies the result of an incident with the same template sequence instead of calling the backend again', async () => {
    const store = await sqliteStore();
    // The same template-id sequence under two signatures (e.g. written by two pipelines that sign differently).
    const first = newIncident(1);
    const again = { ...newIncident(2), signature: signatureOf(['another', 'signing']) };
    const other = newIncident(3, TIMEOUT_SHAPE);
    const ids = await record(store, [first, again, other]);
    const backend = heuristicAs('llamacpp:model.gguf', 30);
    const registry = new Registry();
    worker(store, backend, { worker: { concurrency: 4 } }, { registry }).start();
    await allSettled(store);
    // Claimed together: the second waited for the first one's answer instead of asking too.
    expect(backend.calls.map((c) => c.id).sort()).toEqual([ids[0], ids[2]].sort());
    const [a, b] = await Promise.all([store.get(ids[0]!), store.get(ids[1]!)]);
    expect(b?.triage.result).toEqual(a?.triage.result);
    expect(b?.triage.status).toBe('triaged');
    expect((await metric(registry, 'logtriage_triage_saved_calls_total'))[0]?.value).toBe(1);
  });

  it('with reuse "templates", also copies for the same templates in another order and count, citing that incident’s own lines', async () => {
    const store = await sqliteStore();
    const reordered = [HDFS_SESSION[0], HDFS_SESSION[2], HDFS_SESSION[3], HDFS_SESSION[4]] as const;
    const ids = await record(store, [newIncident(1), newIncident(2, reordered)]);
    const backend = heuristicAs('llamacpp:model.gguf');
    const registry = new Registry();
    // One at a time, so that the second finds the first one's result stored.
    worker(store, backend, { worker: { concurrency: 1, reuse: 'templates' } }, { registry }).start();
    await allSettled(store);
    expect(backend.calls).toHaveLength(1);
    const [a, b] = await Promise.all(ids.map((id) => store.get(id)));
    expect(b?.triage.result?.category).toBe(a?.triage.result?.category);
    // Line 2 of the first (E6, the exception) is line 1 of the second.
    const cited = a!.triage.result!.evidenceLines.map((line) => a!.templateIds[line]);
    expect(b!.triage.result!.evidenceLines.map((line) => b!.templateIds[line])).toEqual(cited);
    for (const line of b!.triage.result!.evidenceLines) expect(line).toBeLessThan(b!.lines.length);
    expect((await metric(registry, 'logtriage_triage_saved_calls_total'))[0]?.value).toBe(1);
  });

  it('calls the backend for every incident with reuse off, and never reuses a heuristic fallback for an LLM backend', async () => {
    const store = await sqliteStore();
    await record(store, [newIncident(1), { ...newIncident(2), signature: 'other-signature' }]);
    const backend = heuristicAs('llamacpp:model.gguf');
    worker(store, backend, { worker: { reuse: 'off', concurrency: 1 } }).start();
    await allSettled(store);
    expect(backend.calls).toHaveLength(2);
  });

  it('reads results back at start, so that a restarted worker still reuses them', async () => {
    const path = join(root, 'restart', 'logtriage.db');
    const store = await sqliteStore(path);
    await record(store, [newIncident(1)]);
    const backend = heuristicAs('llamacpp:model.gguf');
    const w = worker(store, backend);
    w.start();
    await allSettled(store);
    await w.stop();
    await record(store, [{ ...newIncident(2), signature: 'signed-elsewhere' }]);
    const restarted = heuristicAs('llamacpp:model.gguf');
    worker(store, restarted).start();
    await allSettled(store);
    expect(restarted.calls).toHaveLength(0);
  });

  it('does not triage an incident twice when two workers share the store', async () => {
    const store = await sqliteStore();
    const incidents = Array.from({ length: 24 }, (_, i) => ({ ...newIncident(i + 1), signature: `sig-${i}` }));
    await record(store, incidents);
    const a = heuristicAs('llamacpp:model.gguf', 15);
    const b = heuristicAs('llamacpp:model.gguf', 15);
    const wa = worker(store, a, { worker: { reuse: 'off', concurrency: 3 } });
    const wb = worker(store, b, { worker: { reuse: 'off', concurrency: 3 } });
    expect(wa.id).not.toBe(wb.id);
    wa.start();
    wb.start();
    await allSettled(store);
    const called = [...a.calls, ...b.calls].map((c) => c.id);
    expect(called).toHaveLength(24);
    expect(new Set(called).size).toBe(24);
    expect(a.calls.length).toBeGreaterThan(0);
    expect(b.calls.length).toBeGreaterThan(0);
    const page = await store.list({ status: 'triaged', limit: 100 });
    expect(page.items).toHaveLength(24);
    expect(page.items.every((i) => i.triage.attempts === 1)).toBe(true);
  });

  it('does not triage an incident twice when a worker in another process shares the SQLite file', async () => {
    // Two processes, as the store allows on one SQLite file (in one process, share the store instance:
    // better-sqlite3 waits for the file lock synchronously, which would stall the event loop that holds it).
    const path = join(root, 'two-processes', 'logtriage.db');
    const store = await sqliteStore(path);
    const incidents = Array.from({ length: 30 }, (_, i) => ({ ...newIncident(i + 1), signature: `sig-${i}` }));
    const ids = await record(store, incidents);
    const here = heuristicAs('llamacpp:model.gguf', 50);
    const child = execFile(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'workerProcess.ts'), path, 'worker-b', '50'], { cwd: process.cwd() });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The other process is up once it has made its first call; only then does this one start.
    await vi.waitFor(() => expect(output).toMatch(/called /), { timeout: 20_000, interval: 20 });
    worker(store, here, { worker: { reuse: 'off', concurrency: 3, id: 'worker-a' } }).start();
    await allSettled(store);
    expect(await exited).toBe(0);
    const there = [...output.matchAll(/^called (\S+)$/gm)].map((m) => m[1]!);
    const called = [...here.calls.map((c) => c.id), ...there];
    expect(called.sort()).toEqual([...ids].sort());
    expect(here.calls.length).toBeGreaterThan(0);
    expect(there.length).toBeGreaterThan(0);
    for (const id of ids) expect((await store.get(id))?.triage).toMatchObject({ status: 'triaged', attempts: 1 });
  });

  it('at stop, lets calls finish for drainTimeoutMs, then aborts them and leaves the incident claimable at once', async () => {
    const store = await sqliteStore();
    const [id] = await record(store, [newIncident(1)]);
    let seen: AbortSignal | undefined;
    const hanging = new ScriptedTriager('openai:http://slow/v1', (input) => {
      seen = input.signal;
      return new Promise((_, reject) => input.signal.addEventListener('abort', () => reject(input.signal.reason), { once: true }));
    });
    const registry = new Registry();
    const w = worker(store, hanging, { worker: { drainTimeoutMs: 100 } }, { registry });
    w.start();
    await vi.waitFor(() => expect(hanging.calls).toHaveLength(1), { interval: 5 });
    const started = performance.now();
    await w.stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(seen?.aborted).toBe(true);
    expect(w.active).toBe(0);
    const incident = await store.get(id!);
    expect(incident?.triage).toMatchObject({ status: 'pending', lastError: 'interrupted: the triage worker stopped before the backend answered' });
    expect(incident?.triage.claimedBy).toBeUndefined();
    expect((await metric(registry, 'logtriage_triage_failures_total')).find((v) => v.labels.reason === 'aborted')?.value).toBe(1);
    // Another worker takes it over right away.
    worker(store, new HeuristicTriager()).start();
    await allSettled(store);
    expect((await store.get(id!))?.triage.status).toBe('triaged');
  });

  it('waits for calls in flight at stop when they finish within drainTimeoutMs', async () => {
    const store = await sqliteStore();
    const [id] = await record(store, [newIncident(1)]);
    const backend = heuristicAs('llamacpp:model.gguf', 150);
    const w = worker(store, backend, { worker: { drainTimeoutMs: 5_000 } });
    w.start();
    await vi.waitFor(() => expect(backend.calls).toHaveLength(1), { interval: 5 });
    await w.stop();
    expect((await store.get(id!))?.triage.status).toBe('triaged');
  });

  it('logs a store that went away and keeps trying, without throwing', async () => {
    const store = await sqliteStore();
    await record(store, [newIncident(1)]);
    let failures = 3;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'claim' && failures > 0) {
          return async () => {
            failures--;
            throw new IncidentStoreError('STORE_UNAVAILABLE', 'incident store (postgres://db/logtriage): cannot claim incidents for triage: connection refused');
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { logger, lines } = capture('debug');
    worker(flaky, new HeuristicTriager(), { worker: { pollIntervalMs: 5 } }, { logger }).start();
    await allSettled(store);
    const messages = lines().map((l) => l.msg);
    expect(messages).toContain('cannot claim incidents: the incident store failed; trying again');
    expect(messages).toContain('incident store answers again; triage resumes');
  });

  it('treats an unexpected error like an unavailable backend (retried), and a TriageOutputError as final at once', async () => {
    const store = await sqliteStore();
    const ids = await record(store, [newIncident(1), newIncident(2, TIMEOUT_SHAPE)]);
    const backend = new ScriptedTriager('openai:http://x/v1', (input) =>
      input.incident.id === ids[0] ? Promise.reject(new TriageOutputError('the answer is not JSON')) : Promise.reject(new TypeError('boom')),
    );
    const registry = new Registry();
    worker(store, backend, { worker: { maxAttempts: 2, retryBaseMs: 5 } }, { registry }).start();
    await allSettled(store);
    expect((await store.get(ids[0]!))?.triage).toMatchObject({ status: 'failed', attempts: 1, lastError: 'invalid output: the answer is not JSON' });
    expect((await store.get(ids[1]!))?.triage).toMatchObject({ status: 'triaged', attempts: 2, result: { backend: 'heuristic' } });
    expect((await metric(registry, 'logtriage_triage_failures_total')).find((v) => v.labels.reason === 'internal')?.value).toBe(2);
  });

  it('classifies by the heuristic at once when the prompt cannot be rendered within maxPromptTokens, or fails with the reason', async () => {
    const store = await sqliteStore();
    const ids = await record(store, [newIncident(1), newIncident(2, TIMEOUT_SHAPE)]);
    const backend = heuristicAs('openai:http://x/v1');
    // 300 tokens do not hold the system turn: no backend call can be made.
    const lenient = worker(store, backend, { maxPromptTokens: 300, worker: { concurrency: 1 } });
    lenient.start();
    await allSettled(store);
    await lenient.stop();
    expect(backend.calls).toHaveLength(0);
    expect((await store.get(ids[0]!))?.triage).toMatchObject({ status: 'triaged', attempts: 1, result: { backend: 'heuristic', category: 'connection_failure' } });
    await record(store, [newIncident(3, TIMEOUT_SHAPE.slice(1))]);
    const strict = worker(store, backend, { maxPromptTokens: 300, fallbackToHeuristic: false });
    strict.start();
    await allSettled(store);
    const failed = await store.list({ status: 'failed' });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]?.triage.lastError).toMatch(/^cannot render the triage prompt: /);
  });
});
