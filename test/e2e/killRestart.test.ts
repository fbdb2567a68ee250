import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './downstream.js';
import { failingRequest, normalJsonLines, normalRequest, postLogs, runCli, startServe, type ServeProcess } from './serveProcess.js';

// `kill -9` in the middle of ingestion, then a restart on the same data directory (SQLite): what
// was acknowledged survives, the triage queue carries on, and the model and template ids load as
// they were.

const FAILURES = ['connect to inventory-db:5432 failed: connection refused', 'java.lang.OutOfMemoryError: Java heap space in worker 3', 'disk full: no space left on device /var/lib/shop'];

interface IncidentRow {
  id: string;
  traceId?: string;
  occurrences: number;
  triage: { status: string; attempts: number; result?: { backend: string } };
}

interface Ready {
  ready: boolean;
  mode: string;
  modelVersion?: string;
  templates: number;
}

async function listIncidents(api: string): Promise<IncidentRow[]> {
  const response = await fetch(`${api}/api/incidents?limit=100`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: IncidentRow[] }).items;
}

let traces = 0;
function nextTrace(): string {
  return `c0de${(++traces).toString(16).padStart(28, '0')}`;
}

function failing(error: string): [string, string][] {
  const trace = nextTrace();
  return failingRequest(traces, error).map((body) => [trace, body]);
}

describe('logtriage serve killed with SIGKILL during ingestion and restarted', () => {
  const root = mkdtempSync(join(tmpdir(), 'logtriage-kill-'));
  const dataDir = join(root, 'data');
  const running: ServeProcess[] = [];

  const sets = (triage: boolean) => ({
    'service.dataDir': dataDir,
    'store.kind': 'sqlite',
    'sessions.idleTimeoutMs': 200,
    'sessions.sweepIntervalMs': 50,
    // Saved often, so the kill may well land near a save.
    'pipeline.templateSnapshotIntervalMs': 100,
    'triage.backend': 'heuristic',
    'triage.worker.enabled': triage,
    'triage.worker.pollIntervalMs': 100,
  });

  beforeAll(async () => {
    writeFileSync(join(root, 'normal.jsonl'), normalJsonLines(300));
    await runCli(['--set', `service.dataDir=${dataDir}`, 'train', join(root, 'normal.jsonl'), '--input', 'log', '--format', 'json', '--quiet']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop('SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps acknowledged incidents, resumes pending triage and loads the same model and template ids', async () => {
    // First life: no triage worker here, so every incident is still pending when the process dies.
    const first = await startServe(sets(false));
    running.push(first);
    const before = (await (await fetch(`${first.http}/readyz`)).json()) as Ready;
    expect(before).toMatchObject({ ready: true, mode: 'detecting' });
    expect(before.modelVersion).toBeTruthy();

    const failureTraces: string[] = [];
    for (const error of FAILURES) {
      const records = failing(error);
      failureTraces.push(records[0]![0]);
      expect((await postLogs(first.http, 'shop', records)).status).toBe(200);
    }
    const acknowledged = await waitFor('the incidents to be recorded', async () => {
      const items = await listIncidents(first.api);
      return items.length === FAILURES.length ? items : undefined;
    });
    expect(acknowledged.every((i) => i.triage.status === 'pending' && i.triage.attempts === 0)).toBe(true);
    expect(acknowledged.map((i) => i.traceId).sort()).toEqual([...failureTraces].sort());
    // The template snapshot has the failures' templates before the kill.
    const snapshot = join(dataDir, 'templates.json');
    await waitFor('the template snapshot with the failure templates', () => (existsSync(snapshot) && readFileSync(snapshot, 'utf8').includes('OutOfMemoryError') ? true : undefined), 5_000);

    // Ingestion goes on (normal sessions, as fast as they are acknowledged) when the process is killed.
    let accepted = 0;
    let stopFeeding = false;
    const feeding = (async () => {
      for (let n = 0; !stopFeeding; n++) {
        const batch: [string, string][] = [];
        for (let k = 0; k < 10; k++) {
          const trace = nextTrace();
          for (const body of normalRequest(n * 10 + k)) batch.push([trace, body]);
        }
        try {
          if ((await postLogs(first.http, 'shop', batch)).status === 200) accepted++;
        } catch {
          return;
        }
      }
    })();
    await waitFor('ingestion to be under way', () => (accepted >= 5 ? true : undefined), 10_000);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    stopFeeding = true;
    await feeding;

    // Second life on the same data directory, with the triage worker.
    const second = await startServe(sets(true));
    running.push(second);
    const after = (await (await fetch(`${second.http}/readyz`)).json()) as Ready;
    expect(after).toMatchObject({ ready: true, mode: 'detecting', modelVersion: before.modelVersion });
    expect(after.templates).toBeGreaterThanOrEqual(before.templates + FAILURES.length);

    // Every acknowledged incident is there and the queue resumes: each triaged, once.
    const triaged = await waitFor('the pending incidents to be triaged after the restart', async () => {
      const items = await listIncidents(second.api);
      return items.length >= FAILURES.length && items.every((i) => i.triage.status === 'triaged') ? items : undefined;
    });
    expect(triaged.map((i) => i.id).sort()).toEqual(acknowledged.map((i) => i.id).sort());
    for (const incident of triaged) expect(incident.triage).toMatchObject({ status: 'triaged', attempts: 1, result: { backend: 'heuristic' } });

    // Template ids survived the kill: the same failure again is the same incident, not a new one.
    const oomId = acknowledged.find((i) => i.traceId === failureTraces[1])!.id;
    expect((await postLogs(second.http, 'shop', failing(FAILURES[1]!))).status).toBe(200);
    await waitFor('the repeated failure to count as an occurrence of its incident', async () => ((await listIncidents(second.api)).find((i) => i.id === oomId)?.occurrences === 2 ? true : undefined));
    expect((await listIncidents(second.api)).map((i) => i.id).sort()).toEqual(acknowledged.map((i) => i.id).sort());

    expect(await second.stop('SIGTERM'), second.output()).toBe(0);
  }, 120_000);
});
