import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, PG_SKIP_REASON, PG_URL, urlWithSchema } from '../incidents/storeFixtures.js';
import { waitFor } from './downstream.js';
import { failingRequest, normalJsonLines, normalRequest, postLogs, runCli, startServe, type ServeProcess } from './serveProcess.js';

// Two `logtriage serve` processes behind a session-key load balancer (what the Collector's
// load_balancing exporter does), sharing one PostgreSQL and one tier-1 model, each with its own
// heuristic triage worker.

const NORMAL_SESSIONS = 60;
/** Failures seen by one replica only; the keys say which replica the trace lands on. */
const FAILURES = [
  'connect to inventory-db:5432 failed: connection refused',
  'java.lang.OutOfMemoryError: Java heap space in worker 3',
  'disk full: no space left on device /var/lib/shop',
  'TLS handshake with payments failed: certificate has expired',
  'deadlock detected while updating order 42',
  'upstream payments timed out after 30000 ms',
];
/** A failure both replicas see (on different traces): one incident, two occurrences. */
const SHARED_FAILURE = 'permission denied opening /etc/shop/secrets.yaml';

function traceId(n: number): string {
  return `ab12${n.toString(16).padStart(28, '0')}`;
}

/** The replica a session key goes to: 0 (A) or 1 (B), by the key's last hex digit. */
function replicaOf(trace: string): 0 | 1 {
  return (parseInt(trace.slice(-1), 16) % 2) as 0 | 1;
}

interface IncidentRow {
  id: string;
  traceId?: string;
  occurrences: number;
  category: string | null;
  triage: { status: string; attempts: number; claimedBy?: string; result?: { backend: string } };
}

async function listIncidents(api: string): Promise<IncidentRow[]> {
  const response = await fetch(`${api}/api/incidents?limit=100`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: IncidentRow[] }).items;
}

async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe.skipIf(!PG_URL)(PG_URL ? 'two logtriage serve replicas on one PostgreSQL' : `two logtriage serve replicas on one PostgreSQL (skipped: ${PG_SKIP_REASON})`, () => {
  // Made in beforeAll: the body of a skipped describe still runs, its hooks do not.
  let root = '';
  const schema = `lt_e2e_${randomBytes(5).toString('hex')}`;
  const replicas: ServeProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'logtriage-replicas-'));
    await adminQuery(`CREATE SCHEMA ${schema}`);
    // One tier-1 model for both: trained once, its registry (model + template snapshot) copied into each data dir.
    const trainDir = join(root, 'train');
    writeFileSync(join(root, 'normal.jsonl'), normalJsonLines(300));
    await runCli(['--set', `service.dataDir=${trainDir}`, 'train', join(root, 'normal.jsonl'), '--input', 'log', '--format', 'json', '--quiet']);
    const sets = (name: string) => ({
      'service.dataDir': join(root, name),
      'store.kind': 'postgres',
      'store.postgresUrl': urlWithSchema(PG_URL!, schema),
      'sessions.idleTimeoutMs': 300,
      'sessions.sweepIntervalMs': 50,
      'triage.backend': 'heuristic',
      'triage.worker.id': `replica-${name}`,
      'triage.worker.pollIntervalMs': 100,
    });
    for (const name of ['a', 'b']) cpSync(trainDir, join(root, name), { recursive: true });
    // Both start at once, as a rollout would start them: both migrate the one schema.
    replicas.push(...(await Promise.all([startServe(sets('a')), startServe(sets('b'))])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('records the incidents of both in one store, lists all from either, and triages each exactly once', async () => {
    const [a, b] = replicas as [ServeProcess, ServeProcess];
    for (const replica of replicas) expect(await (await fetch(`${replica.http}/readyz`)).json()).toMatchObject({ ready: true, mode: 'detecting' });

    // Sessions, partitioned by trace id as the load balancer would.
    const batches: [string, string][][] = [[], []];
    let n = 0;
    for (; n < NORMAL_SESSIONS; n++) for (const body of normalRequest(n)) batches[replicaOf(traceId(n))]!.push([traceId(n), body]);
    const failing: { trace: string; replica: 0 | 1; error: string }[] = [];
    for (const error of FAILURES) {
      const trace = traceId(n++);
      failing.push({ trace, replica: replicaOf(trace), error });
    }
    // The shared failure on two consecutive traces: one lands on each replica.
    for (const trace of [traceId(n++), traceId(n++)]) failing.push({ trace, replica: replicaOf(trace), error: SHARED_FAILURE });
    for (const { trace, replica, error } of failing) for (const body of failingRequest(n, error)) batches[replica]!.push([trace, body]);
    expect(failing.filter((f) => f.error !== SHARED_FAILURE).map((f) => f.replica)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(batches[0]!.length).toBeGreaterThan(0);
    expect(batches[1]!.length).toBeGreaterThan(0);
    for (const [i, replica] of replicas.entries()) expect((await postLogs(replica.http, 'shop', batches[i]!)).status).toBe(200);

    // Each replica flags the failures of its own sessions, and only those.
    for (const [i, replica] of replicas.entries()) {
      const own = failing.filter((f) => f.replica === i).length;
      await waitFor(`replica ${'ab'[i]} to flag its ${own} failing sessions`, async () => ((await metric(replica.http, 'logtriage_sessions_flagged_total')) >= own ? true : undefined));
      expect(await metric(replica.http, 'logtriage_sessions_flagged_total')).toBe(own);
      expect(await metric(replica.http, 'logtriage_sessions_scored_total')).toBe(batches[i]!.length > 0 ? new Set(batches[i]!.map(([t]) => t)).size : 0);
    }

    // Everything is triaged, whichever worker claimed it.
    const expected = FAILURES.length + 1;
    let last: IncidentRow[] = [];
    const fromA = await waitFor('every incident to be triaged', async () => {
      last = await listIncidents(a.api);
      return last.length === expected && last.every((i) => i.triage.status === 'triaged') ? last : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; listed: ${JSON.stringify(last.map((i) => ({ traceId: i.traceId, occurrences: i.occurrences, triage: i.triage })))}\nA:\n${a.output()}\nB:\n${b.output()}`);
    });
    // Either replica's API lists every incident, whoever detected it.
    const fromB = await listIncidents(b.api);
    expect(fromB.map((i) => i.id).sort()).toEqual(fromA.map((i) => i.id).sort());
    const { rows } = await adminQuery(`SELECT count(*)::int AS n, sum(occurrences)::int AS occurrences FROM ${schema}.incidents`);
    expect(rows[0]).toEqual({ n: expected, occurrences: failing.length });

    // Incidents detected on A and on B are both there (by the trace that first showed them).
    const byTrace = new Map(fromA.map((i) => [i.traceId, i]));
    for (const f of failing.filter((f) => f.error !== SHARED_FAILURE)) expect(byTrace.get(f.trace), `incident of ${f.error}`).toBeDefined();
    const shared = fromA.filter((i) => !failing.some((f) => f.error !== SHARED_FAILURE && f.trace === i.traceId));
    expect(shared).toHaveLength(1);
    expect(shared[0]!.occurrences).toBe(2);
    expect(byTrace.get(failing[0]!.trace)!.category).toBe('connection_failure');

    // Exactly once: one claim per incident, one stored triage in all, nothing failed or pending.
    for (const incident of fromA) {
      expect(incident.triage, incident.id).toMatchObject({ status: 'triaged', attempts: 1, result: { backend: 'heuristic' } });
      expect(incident.triage.claimedBy).toBeUndefined();
    }
    const completed = await Promise.all(replicas.map((r) => metric(r.http, 'logtriage_triage_completed_total{backend="heuristic"}')));
    // (A result copied from an identical incident counts here too: it is a stored triage.)
    expect(completed[0]! + completed[1]!).toBe(expected);
    const pending = await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.incidents WHERE status <> 'triaged' OR attempts <> 1`);
    expect(pending.rows[0]).toEqual({ n: 0 });

  }, 120_000);

  // OTLP times are nanoseconds and the receiver keeps microseconds, so a session's timestamps are
  // fractional milliseconds; the store keeps whole milliseconds (PostgreSQL's bigint columns refused
  // the fractions before, and the incident was lost).
  it('records the incident of a session whose records carry nanosecond OTLP times (sub-millisecond)', async () => {
    const [a] = replicas as [ServeProcess, ServeProcess];
    const before = (await listIncidents(a.api)).length;
    const trace = traceId(0x10000);
    const start = BigInt(Date.now()) * 1_000_000n + 123_456n;
    const response = await postLogs(a.http, 'shop', failingRequest(7, 'segfault in libcrypto while signing order 7').map((body) => [trace, body] as const), (i) => `${start + BigInt(i) * 1_500_000n}`);
    expect(response.status).toBe(200);
    await waitFor('the incident of the nanosecond-timed session', async () => ((await listIncidents(a.api)).length > before ? true : undefined), 10_000);
  }, 30_000);

  it('stops both replicas cleanly on SIGTERM', async () => {
    const codes = await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
    expect(codes, replicas.map((r) => r.output()).join('\n')).toEqual([0, 0]);
    for (const replica of replicas) expect(replica.output()).toMatch(/"msg":"stopped"/);
  }, 30_000);
});
