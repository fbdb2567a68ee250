import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KyselyIncidentStore, signatureOf, type IncidentQuery, type NewIncident, type ReviewInput, type ReviewState, type Severity, type TriageResult, type TriageStatus } from '../src/incidents/index.js';
import { seededRandom } from '../src/scoring/random.js';
import { createProgress } from '../src/util/progress.js';

/** Options of {@link runApiBenchmark}. */
export interface ApiBenchOptions {
  /** Incidents in the store. Default 100,000. */
  incidents?: number;
  /** PostgreSQL to measure as well (a schema `lt_bench_<random>` is created and dropped); none: SQLite only. */
  pgUrl?: string;
  /** Timed runs of each list query. Default 200. */
  iterations?: number;
  /** Reviews timed one after another, and again with 8 in flight. Default 2,000. */
  reviews?: number;
  /** Plain progress lines. */
  onProgress?: (line: string) => void;
  /** Show progress bars (stderr). Default: only on a TTY. */
  quiet?: boolean;
  /** Also measure through the HTTP API (`src/api` `createApiApp` on 127.0.0.1). Default false. */
  http?: boolean;
}

/** Latency of one kind of list query. */
export interface QueryFigure {
  name: string;
  /** Whether it filters by text (`q`), which scans rows instead of an index. */
  search: boolean;
  p50Ms: number;
  p99Ms: number;
  /** Mean number of incidents a page held (a page is at most 50 unless the query says otherwise). */
  meanRows: number;
}

/** The figures of one database. */
export interface StoreFigures {
  /** Worst p99 over the list queries without text search, ms. */
  listP99Ms: number;
  /** Worst p50 over the same, ms. */
  listP50Ms: number;
  /** Worst p99 over the text searches, ms. */
  searchP99Ms: number;
  /** Reviews (transaction with audit entry) per second, one after another. */
  reviewPerSecond: number;
  /** Reviews per second with 8 in flight. */
  reviewPerSecondConcurrent: number;
  incidents: number;
  /** `record()` calls per second while filling (8 in flight; 10 % are repeats of a known signature). */
  recordPerSecond: number;
  /** Filling: record, triage (claim + complete/fail) and reviews, seconds. */
  fillSeconds: number;
  /** SQLite: database plus WAL file; PostgreSQL: pg_total_relation_size of the tables. */
  databaseMiB: number;
  queries: QueryFigure[];
  /** The same through the HTTP API (`createApiApp`, no tokens, loopback), with `--http`. */
  http?: HttpFigures;
}

/** Figures measured through `GET /api/incidents` and `POST /api/incidents/:id/review`. */
export interface HttpFigures {
  listP99Ms: number;
  searchP99Ms: number;
  reviewPerSecond: number;
  reviewPerSecondConcurrent: number;
  queries: QueryFigure[];
}

const SERVICES = [
  'checkout', 'payments', 'cart', 'catalog', 'search', 'recommendations', 'auth', 'accounts', 'orders', 'inventory',
  'shipping', 'notifications', 'email', 'billing', 'invoices', 'pricing', 'reviews', 'media', 'cdn-edge', 'gateway',
  'sessions', 'fraud', 'ledger', 'reporting', 'scheduler', 'hdfs-datanode', 'hdfs-namenode', 'kafka-broker', 'postgres-proxy', 'redis-cache',
];
const CATEGORIES = ['timeout', 'connection_failure', 'database_error', 'service_call_failure', 'resource_exhaustion', 'permission_error', 'hardware_fault', 'configuration_error', 'data_corruption', 'unknown'];
const CATEGORY_WEIGHTS = [18, 16, 12, 14, 12, 6, 3, 8, 3, 8];
const SEVERITY_LIST: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_WEIGHTS = [5, 25, 45, 25];
const TEMPLATES = [
  'Receiving block <*> src: <*> dest: <*>',
  'Received block <*> of size <*> from <*>',
  'PacketResponder <*> for block <*> terminating',
  'Exception in receiveBlock for block <*> java.io.IOException: Connection reset by peer',
  'writeBlock <*> received exception java.io.IOException: No space left on device',
  'GET <*> <*> <*> ms',
  'POST <*> <*> <*> ms',
  'upstream request timeout after <*> ms calling <*>',
  'connect ECONNREFUSED <*>:<*>',
  'getaddrinfo ENOTFOUND <*>',
  'deadlock detected while updating <*> (txid <*>)',
  'duplicate key value violates unique constraint <*>',
  'could not obtain connection from pool within <*> ms (active=<*>, idle=<*>)',
  'circuit breaker <*> is OPEN after <*> failures',
  'retry <*> of <*> for <*> failed: <*>',
  'payment provider answered <*> for order <*>',
  'user <*> authenticated via <*>',
  'permission denied for user <*> on <*>',
  'token for client <*> expired at <*>',
  'OutOfMemoryError: Java heap space (heap=<*> MB)',
  'GC pause (G1 Evacuation Pause) <*> ms',
  'too many open files (limit <*>)',
  'rate limit exceeded for key <*> (<*> req/s)',
  'config key <*> is missing; using default <*>',
  'schema version mismatch: expected <*> found <*>',
  'checksum mismatch in <*> at offset <*>',
  'disk <*> reported SMART error <*>',
  'kernel: EXT4-fs error (device <*>): <*>',
  'cache miss for <*> (ttl <*> s)',
  'job <*> finished in <*> ms with status <*>',
  'message <*> published to <*> partition <*>',
  'consumer group <*> rebalancing (generation <*>)',
  'TLS handshake with <*> failed: <*>',
  'worker <*> heartbeat missed for <*> s',
  'shutting down after signal <*>',
  'session <*> closed after <*> requests',
];
const WORDS = ['timeout', 'refused', 'reset', 'deadlock', 'heap', 'quota', 'expired', 'checksum', 'rebalancing', 'handshake', 'latency', 'spike', 'replica', 'leader', 'failover'];
const REVIEWERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function weighted<T>(items: readonly T[], weights: readonly number[], random: () => number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items.at(-1)!;
}

function value(random: () => number): string {
  switch (Math.floor(random() * 6)) {
    case 0:
      return `blk_${Math.floor(random() * 1e12) - 5e11}`;
    case 1:
      return `10.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`;
    case 2:
      return String(Math.floor(random() * 100_000));
    case 3:
      return `/api/v${1 + Math.floor(random() * 3)}/${pick(['orders', 'users', 'carts', 'items', 'payments'], random)}/${Math.floor(random() * 1e6)}`;
    case 4:
      return pick(WORDS, random);
    default:
      return randomHex(random, 8);
  }
}

function randomHex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** Incident `i` of the corpus, the same on every run and for both databases. */
export function benchIncident(i: number, now: number, days = 30): NewIncident {
  const random = seededRandom(i + 1);
  const service = SERVICES[Math.floor(Math.pow(random(), 1.6) * SERVICES.length)]!; // some services much busier
  const length = 4 + Math.floor(random() * 21);
  const templateIds: string[] = [];
  const templates: string[] = [];
  const lines: string[] = [];
  for (let e = 0; e < length; e++) {
    const t = Math.floor(random() * TEMPLATES.length);
    templateIds.push(`E${t + 1}`);
    templates.push(TEMPLATES[t]!);
    const ts = new Date(now - 3_600_000 + e * 37).toISOString();
    lines.push(`${ts} ${pick(['INFO', 'WARN', 'ERROR'], random)} ${service} ${TEMPLATES[t]!.replace(/<\*>/g, () => value(random))}`);
  }
  const detectedAt = now - Math.floor(random() * days * 86_400_000);
  return {
    sessionKey: random() < 0.5 ? randomHex(random, 32) : `blk_${Math.floor(random() * 1e12) - 5e11}`,
    service,
    firstTimestamp: detectedAt - 60_000,
    lastTimestamp: detectedAt - 1_000,
    detectedAt,
    templateIds,
    templates,
    lines,
    truncatedLines: 0,
    score: 7 + random() * 10,
    threshold: 7,
    evidence: [{ position: Math.floor(random() * length), templateId: templateIds[0]!, surprise: 9 + random() * 5, expected: [{ templateId: 'E2', probability: 0.9 }] }],
    modelVersion: 'lstm-v3',
    // The corpus index keeps the 100,000 signatures distinct; repeats re-use an index.
    signature: signatureOf([...templateIds, `#${i}`]),
  };
}

/** What happens to incident `i` after it is recorded. */
function fateOf(i: number): { triage: TriageStatus; review?: ReviewInput; result: TriageResult } {
  const random = seededRandom(1_000_003 + i);
  const r = random();
  const triage: TriageStatus = r < 0.85 ? 'triaged' : r < 0.9 ? 'failed' : 'pending';
  const category = weighted(CATEGORIES, CATEGORY_WEIGHTS, random);
  const word = pick(WORDS, random);
  const result: TriageResult = {
    category,
    severity: weighted(SEVERITY_LIST, SEVERITY_WEIGHTS, random),
    confidence: Math.round(random() * 100) / 100,
    summary: `${category.replace(/_/g, ' ')} with ${word} in ${pick(SERVICES, random)}`,
    explanation: `The sequence deviates at event ${Math.floor(random() * 20)}: ${word} ${pick(WORDS, random)} followed by ${pick(TEMPLATES, random).replace(/<\*>/g, 'X')}, which normal sessions never show. ${pick(WORDS, random)} suggests ${category}.`,
    evidenceLines: [0, 1],
    suggestedActions: [`check ${word} metrics`],
    backend: 'heuristic',
  };
  const v = random();
  const review: ReviewInput | undefined =
    triage !== 'triaged' ? undefined
    : v < 0.15 ? { action: 'confirm' }
    : v < 0.2 ? { action: 'false_positive', note: 'expected during the nightly batch' }
    : v < 0.23 ? { action: 'relabel', category: pick(CATEGORIES, random) }
    : v < 0.25 ? { action: 'edit_explanation', explanation: `Reviewer: ${word} caused by a deploy of ${pick(SERVICES, random)}.` }
    : undefined;
  return { triage, review, result };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Fills a store through its own API with `count` incidents of {@link benchIncident} (plus 10 %
 * repeats), triages them (85 % triaged, 5 % failed, 10 % left pending) and reviews a quarter of
 * the triaged ones.
 */
export async function fillStore(store: KyselyIncidentStore, count: number, now: number, options: Pick<ApiBenchOptions, 'quiet'> = {}): Promise<{ ids: string[]; recordPerSecond: number; seconds: number }> {
  const started = performance.now();
  const order = Array.from({ length: count }, (_, i) => i);
  // One in ten records repeats an earlier signature: one more occurrence, no new incident.
  const repeats = Array.from({ length: Math.floor(count / 10) }, (_, k) => (k * 7919) % count);
  const ids: string[] = new Array<string>(count);
  const index = new Map<string, number>();
  let progress = createProgress({ label: 'record', unit: 'incidents', total: count + repeats.length, quiet: options.quiet });
  const recordStarted = performance.now();
  await pool(order, 8, async (i) => {
    const { id } = await store.record(benchIncident(i, now));
    ids[i] = id;
    index.set(id, i);
    progress.tick();
  });
  await pool(repeats, 8, async (i) => {
    await store.record({ ...benchIncident(i, now), detectedAt: now });
    progress.tick();
  });
  const recordPerSecond = (count + repeats.length) / ((performance.now() - recordStarted) / 1000);
  progress.stop();

  progress = createProgress({ label: 'triage', unit: 'incidents', total: count, quiet: options.quiet });
  for (;;) {
    const batch = await store.claim('bench', 500, 24 * 3_600_000, now);
    if (batch.length === 0) break;
    await pool(batch, 8, async (incident) => {
      const fate = fateOf(index.get(incident.id)!);
      if (fate.triage === 'triaged') await store.completeTriage(incident.id, 'bench', fate.result, now);
      else if (fate.triage === 'failed') await store.failTriage(incident.id, 'bench', 'LLM answer failed schema validation 3 times', { final: true }, now);
      progress.tick();
    });
  }
  progress.stop();

  const reviewed = order.filter((i) => fateOf(i).review !== undefined);
  progress = createProgress({ label: 'review', unit: 'reviews', total: reviewed.length, quiet: options.quiet });
  await pool(reviewed, 8, async (i) => {
    await store.review(ids[i]!, fateOf(i).review!, pick(REVIEWERS, seededRandom(i)), now);
    progress.tick();
  });
  progress.stop();
  return { ids, recordPerSecond, seconds: (performance.now() - started) / 1000 };
}

interface QuerySpec {
  name: string;
  search?: boolean;
  /** The query of run `n`; `second` pages: the store is asked for the first page first (untimed). */
  query: (random: () => number) => IncidentQuery;
  secondPage?: boolean;
}

function querySpecs(now: number, ids: string[]): QuerySpec[] {
  const day = 86_400_000;
  const statuses: TriageStatus[] = ['pending', 'triaged', 'failed'];
  const reviewStates: ReviewState[] = ['unreviewed', 'confirmed', 'false_positive', 'relabelled'];
  const specs: QuerySpec[] = [
    { name: 'no filter', query: () => ({}) },
    { name: 'no filter, 500 a page', query: () => ({ limit: 500 }) },
    { name: 'status', query: (r) => ({ status: pick(statuses, r) }) },
    { name: 'category', query: (r) => ({ category: pick(CATEGORIES, r) }) },
    { name: 'severity', query: (r) => ({ severity: pick(SEVERITY_LIST, r) }) },
    { name: 'service', query: (r) => ({ service: pick(SERVICES, r) }) },
    { name: 'review state', query: (r) => ({ reviewState: pick(reviewStates, r) }) },
    { name: 'time range (1 day)', query: (r) => {
      const from = now - Math.floor(r() * 29 * day) - day;
      return { from, to: from + day };
    } },
    {
      name: 'service+status+severity',
      query: (r) => ({ service: pick(SERVICES, r), status: pick(statuses, r), severity: pick(SEVERITY_LIST, r) }),
    },
    {
      name: 'category+review+7 days',
      query: (r) => ({ category: pick(CATEGORIES, r), reviewState: pick(reviewStates, r), from: now - 7 * day }),
    },
    { name: 'second page (cursor)', secondPage: true, query: () => ({}) },
    { name: 'second page, service filter', secondPage: true, query: (r) => ({ service: pick(SERVICES, r) }) },
    { name: 'search: common word', search: true, query: (r) => ({ q: pick(WORDS, r) }) },
    { name: 'search: word + service', search: true, query: (r) => ({ q: pick(WORDS, r), service: pick(SERVICES, r) }) },
    {
      // A block id from one incident's lines: few matches, so the scan reads every row.
      name: 'search: rare token',
      search: true,
      query: (r) => {
        const i = Math.floor(r() * ids.length);
        const token = benchIncident(i, now).lines.join(' ').match(/blk_-?\d+|10\.\d+\.\d+\.\d+/)?.[0] ?? 'blk_1';
        return { q: token };
      },
    },
  ];
  return specs;
}

/** Lists a page: the store's `list`, or `GET /api/incidents`. */
type Lister = (query: IncidentQuery) => Promise<{ items: unknown[]; nextCursor?: string }>;
/** Reviews one incident: the store's `review`, or `POST /api/incidents/:id/review`. */
type Reviewer = (id: string, input: ReviewInput, actor: string) => Promise<void>;

async function measureQueries(list: Lister, now: number, ids: string[], iterations: number, options: ApiBenchOptions): Promise<QueryFigure[]> {
  const figures: QueryFigure[] = [];
  for (const spec of querySpecs(now, ids)) {
    const random = seededRandom(42);
    const times: number[] = [];
    let rows = 0;
    const runs = spec.search && spec.name.includes('rare') ? Math.max(20, Math.floor(iterations / 4)) : iterations;
    for (let n = -5; n < runs; n++) {
      let query = spec.query(random);
      if (spec.secondPage) {
        const first = await list(query);
        if (!first.nextCursor) continue;
        query = { ...query, cursor: first.nextCursor };
      }
      const started = performance.now();
      const page = await list(query);
      const ms = performance.now() - started;
      if (n < 0) continue; // warm-up
      times.push(ms);
      rows += page.items.length;
    }
    times.sort((a, b) => a - b);
    const figure = { name: spec.name, search: spec.search ?? false, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), meanRows: rows / times.length };
    options.onProgress?.(`  ${figure.name}: p50 ${figure.p50Ms.toFixed(2)} ms, p99 ${figure.p99Ms.toFixed(2)} ms, ${figure.meanRows.toFixed(1)} rows`);
    figures.push(figure);
  }
  return figures;
}

async function measureReviews(review: Reviewer, ids: string[], count: number, concurrency: number): Promise<number> {
  const random = seededRandom(7 + concurrency);
  const actions: ReviewInput[] = [
    { action: 'confirm' },
    { action: 'note', note: 'looked at it during the on-call handover' },
    { action: 'relabel', category: 'timeout' },
    { action: 'edit_explanation', explanation: 'A slow dependency made requests time out.' },
    { action: 'confirm' },
  ];
  const work = Array.from({ length: count }, () => ({ id: ids[Math.floor(random() * ids.length)]!, input: pick(actions, random), actor: pick(REVIEWERS, random) }));
  const started = performance.now();
  await pool(work, concurrency, ({ id, input, actor }) => review(id, input, actor));
  return count / ((performance.now() - started) / 1000);
}

async function benchStore(label: string, store: KyselyIncidentStore, size: () => Promise<number>, options: Required<Pick<ApiBenchOptions, 'incidents' | 'iterations' | 'reviews'>> & ApiBenchOptions): Promise<StoreFigures> {
  const now = Date.now();
  options.onProgress?.(`${label}: filling ${options.incidents.toLocaleString('en-US')} incidents`);
  const { ids, recordPerSecond, seconds } = await fillStore(store, options.incidents, now, options);
  await store.optimize();
  const stats = await store.stats(now);
  options.onProgress?.(`${label}: ${stats.total} incidents (${stats.occurrences} occurrences) in ${seconds.toFixed(0)} s; measuring list queries`);
  const queries = await measureQueries((q) => store.list(q), now, ids, options.iterations, options);
  const review: Reviewer = async (id, input, actor) => {
    if (!(await store.review(id, input, actor))) throw new Error(`review of ${id} found no incident`);
  };
  const reviewPerSecond = await measureReviews(review, ids, options.reviews, 1);
  const reviewPerSecondConcurrent = await measureReviews(review, ids, options.reviews, 8);
  options.onProgress?.(`${label}: reviews ${reviewPerSecond.toFixed(0)}/s one at a time, ${reviewPerSecondConcurrent.toFixed(0)}/s with 8 in flight`);
  const http = options.http ? await measureHttp(label, store, now, ids, options) : undefined;
  return {
    ...worst(queries),
    reviewPerSecond,
    reviewPerSecondConcurrent,
    incidents: stats.total,
    recordPerSecond,
    fillSeconds: seconds,
    databaseMiB: (await size()) / 1024 / 1024,
    queries,
    ...(http ? { http } : {}),
  };
}

function worst(queries: QueryFigure[]): { listP99Ms: number; listP50Ms: number; searchP99Ms: number } {
  const list = queries.filter((q) => !q.search);
  const search = queries.filter((q) => q.search);
  return { listP99Ms: Math.max(...list.map((q) => q.p99Ms)), listP50Ms: Math.max(...list.map((q) => q.p50Ms)), searchP99Ms: Math.max(...search.map((q) => q.p99Ms)) };
}

/** `GET /api/incidents` parameters of a store query (epoch ms times, `review` for the review state). */
function searchParams(query: IncidentQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key === 'reviewState' ? 'review' : key, String(value));
  return params.toString();
}

async function measureHttp(label: string, store: KyselyIncidentStore, now: number, ids: string[], options: Required<Pick<ApiBenchOptions, 'iterations' | 'reviews'>> & ApiBenchOptions): Promise<HttpFigures> {
  const { createApiApp } = await import('../src/api/index.js');
  const app = createApiApp({ store });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (path: string, init?: RequestInit): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, init);
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  try {
    options.onProgress?.(`${label}: the same through HTTP (${base})`);
    const queries = await measureQueries((q) => call(`/api/incidents?${searchParams(q)}`) as Promise<{ items: unknown[]; nextCursor?: string }>, now, ids, options.iterations, options);
    const review: Reviewer = async (id, input) => {
      await call(`/api/incidents/${id}/review`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    };
    const reviewPerSecond = await measureReviews(review, ids, options.reviews, 1);
    const reviewPerSecondConcurrent = await measureReviews(review, ids, options.reviews, 8);
    options.onProgress?.(`${label}: HTTP reviews ${reviewPerSecond.toFixed(0)}/s one at a time, ${reviewPerSecondConcurrent.toFixed(0)}/s with 8 in flight`);
    const { listP99Ms, searchP99Ms } = worst(queries);
    return { listP99Ms, searchP99Ms, reviewPerSecond, reviewPerSecondConcurrent, queries };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Fills a fresh store (SQLite in a temp directory; PostgreSQL in a new schema when `pgUrl` is
 * given) with realistic incidents through the store's own API, then times list queries (each
 * filter, combined filters, text search, a second page) and review writes, at the store level
 * and, with `http`, through the HTTP API as well.
 */
export async function runApiBenchmark(options: ApiBenchOptions = {}): Promise<{ sqlite: StoreFigures; postgres: StoreFigures | null }> {
  const settings = { incidents: options.incidents ?? 100_000, iterations: options.iterations ?? 200, reviews: options.reviews ?? 2_000, ...options };
  const dir = mkdtempSync(join(tmpdir(), 'logtriage-bench-api-'));
  let sqlite: StoreFigures;
  try {
    const path = join(dir, 'logtriage.db');
    const store = KyselyIncidentStore.sqlite(path);
    try {
      await store.migrate();
      const fileSize = (p: string) => {
        try {
          return statSync(p).size;
        } catch {
          return 0;
        }
      };
      sqlite = await benchStore('sqlite', store, async () => fileSize(path) + fileSize(`${path}-wal`), settings);
    } finally {
      await store.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let postgres: StoreFigures | null = null;
  if (options.pgUrl) {
    const schema = `lt_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: options.pgUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(options.pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const store = KyselyIncidentStore.postgres({ url: url.toString(), poolSize: 10 });
      try {
        await store.migrate();
        postgres = await benchStore('postgres', store, async () => {
          const { rows } = await admin.query<{ bytes: string }>(`select sum(pg_total_relation_size(c.oid))::bigint as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'`, [schema]);
          return Number(rows[0]?.bytes ?? 0);
        }, settings);
      } finally {
        await store.dispose();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    }
  }
  return { sqlite, postgres };
}
