import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/packageRoot.js';
import { message, prepareModel, settle, startServeWithSink, TSX } from '../ingest/processes.js';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Minutes of load. Default 10. */
  minutes: number;
  /** Records per second sent (open loop). Default 30,000: about half the ingest benchmark's maximum on the 2-core machine. */
  rate: number;
  /** Seconds between samples of RSS and open sessions. Default 10. */
  sampleSeconds?: number;
  /** Extra `section.field=value` settings for `logtriage serve`. */
  set?: string[];
  onProgress?: (line: string) => void;
}

/** One sample of the service during the soak. */
export interface SoakSample {
  /** Seconds since the load started. */
  seconds: number;
  rssMiB: number;
  sessionsOpen: number;
}

/** What {@link runSoak} measures. */
export interface SoakResult {
  minutes: number;
  rate: number;
  /** `slopeMiBPerMin` over every sample; `slopeAfterWarmupMiBPerMin` over the samples after the first fifth of the run (heap and caches grow first). */
  rssMiB: { first: number; last: number; max: number; slopeMiBPerMin: number; slopeAfterWarmupMiBPerMin: number };
  sessionsOpen: { first: number; last: number; max: number };
  /** Records acknowledged to the load generator that never reached the sink (acknowledged − received, at least 0). */
  lost: number;
  /** Records the sink received more than once counted: received − acknowledged, when positive (the forwarder re-sends after an attempt timed out). */
  extraDownstream: number;
  /** `logtriage_forward_retries_total`: forward attempts after the first. */
  forwardRetries: number;
  /** `logtriage_sessions_dropped_total` by reason (score_queue_full, no_model, stopped): sessions left out of analysis, their records forwarded. */
  sessionsDropped: Record<string, number>;
  sent: number;
  acked: number;
  receivedDownstream: number;
  /** Records per second acknowledged, over the whole soak. */
  achievedRate: number;
  statuses: Record<string, number>;
  p99Ms: number;
  maxMs: number;
  samples: SoakSample[];
}

interface LoadResult {
  seconds: number;
  sent: number;
  acked: number;
  statuses: Record<string, number>;
  recordsPerSecond: number;
  p99Ms: number;
  maxMs: number;
}


/** Trains the tier-1 model the service scores with on normal HDFS-like sessions (as the ingest benchmark does). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Least-squares slope of `y` over `x`; 0 with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/**
 * The soak: `logtriage serve` (scoring with a model trained on HDFS-like sessions, forwarding to the
 * ingest benchmark's sink) in a child process, fed by the ingest benchmark's load generator at a
 * fixed rate for `minutes`, while the service's RSS (`/proc/<pid>/status` VmRSS) and
 * `logtriage_sessions_open` are sampled every `sampleSeconds`. A leak shows as an RSS slope that
 * does not flatten, or open sessions that keep growing; `lost` must stay 0.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const progress = options.onProgress ?? (() => undefined);
  const sampleMs = (options.sampleSeconds ?? 10) * 1000;
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-soak-'));
  const children: ChildProcess[] = [];
  try {
    await prepareModel(dataDir, progress);
    const { sink, serve, url } = await startServeWithSink(dataDir, options.set ?? [], children, TSX);
    progress(`logtriage serve (pid ${serve.pid}) ready on ${url}; ${options.minutes} min at ${options.rate.toLocaleString('en-US')} records/s`);

    const seconds = options.minutes * 60;
    const loadgen = fork(join(packageRoot(), 'bench/ingest/loadgen.ts'), [JSON.stringify({ url, seconds, rate: options.rate, concurrency: 16, batch: 512, seed: 11 })], { execArgv: TSX, stdio: 'inherit' });
    children.push(loadgen);
    const loaded = message<LoadResult>(loadgen, 'result');
    const started = Date.now();
    const samples: SoakSample[] = [];
    const sample = async (): Promise<void> => {
      const at = { seconds: (Date.now() - started) / 1000, rssMiB: rssMiB(serve.pid!), sessionsOpen: await gauge(url, 'logtriage_sessions_open') };
      samples.push(at);
      progress(`${at.seconds.toFixed(0).padStart(5)} s  RSS ${at.rssMiB.toFixed(0)} MiB  sessions open ${at.sessionsOpen}`);
    };
    const timer = setInterval(() => void sample(), sampleMs);
    const load = await loaded;
    clearInterval(timer);
    await sample();

    await settle(url);
    await new Promise((r) => setTimeout(r, 1_500));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const total = (name: string): number => [...metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    sink.send('counts');
    const counts = await message<{ records: number; anomalies: number; requests: number }>(sink, 'counts');
    const rss = samples.map((s) => s.rssMiB);
    const open = samples.map((s) => s.sessionsOpen);
    return {
      minutes: options.minutes,
      rate: options.rate,
      rssMiB: {
        first: rss[0] ?? 0,
        last: rss.at(-1) ?? 0,
        max: Math.max(...rss),
        slopeMiBPerMin: slope(samples.map((s) => ({ x: s.seconds / 60, y: s.rssMiB }))),
        slopeAfterWarmupMiBPerMin: slope(samples.filter((s) => s.seconds >= seconds / 5).map((s) => ({ x: s.seconds / 60, y: s.rssMiB }))),
      },
      sessionsOpen: { first: open[0] ?? 0, last: open.at(-1) ?? 0, max: Math.max(...open) },
      lost: Math.max(0, load.acked - counts.records),
      extraDownstream: Math.max(0, counts.records - load.acked),
      forwardRetries: total('logtriage_forward_retries_total'),
      sessionsDropped: Object.fromEntries([...metrics.matchAll(/^logtriage_sessions_dropped_total\{reason="([^"]+)"\} (\S+)/gm)].map((m) => [m[1]!, Number(m[2])])),
      sent: load.sent,
      acked: load.acked,
      receivedDownstream: counts.records,
      achievedRate: load.recordsPerSecond,
      statuses: load.statuses,
      p99Ms: load.p99Ms,
      maxMs: load.maxMs,
      samples,
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
