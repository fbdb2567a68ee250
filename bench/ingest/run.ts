import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/packageRoot.js';
import { message, prepareModel, settle, startServeWithSink, TSX } from './processes.js';

/** Options of {@link runIngestBenchmark}. */
export interface IngestOptions {
  /** Seconds of each phase (full speed, then half that rate). Default 30. */
  seconds: number;
  /** Requests in flight from the load generator at full speed. Default 4. */
  concurrency: number;
  /** Extra `section.field=value` settings for `logtriage serve` (its defaults otherwise). */
  set?: string[];
  onProgress?: (line: string) => void;
}

interface LoadResult {
  seconds: number;
  sent: number;
  acked: number;
  rejected: number;
  requests: number;
  statuses: Record<string, number>;
  recordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}



function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function load(url: string, seconds: number, rate: number, concurrency: number): Promise<LoadResult> {
  const child = fork(join(packageRoot(), 'bench/ingest/loadgen.ts'), [JSON.stringify({ url, seconds, rate, concurrency, batch: 512, seed: rate })], { execArgv: TSX, stdio: 'inherit' });
  const result = await message<LoadResult>(child, 'result');
  child.kill();
  return result;
}

/**
 * The ingest benchmark: `logtriage serve` (scoring with a model trained on HDFS-like sessions,
 * forwarding to a local sink) fed over OTLP/HTTP protobuf by a load generator in another process:
 * first as fast as it answers, then at half that rate for the latency figures. `lost` counts
 * records acknowledged to the generator that never reached the sink.
 */
export async function runIngestBenchmark(options: IngestOptions) {
  const progress = options.onProgress ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-ingest-'));
  const children: ChildProcess[] = [];
  try {
    await prepareModel(dataDir, progress);
    const { sink, serve, url, sinkPort } = await startServeWithSink(dataDir, options.set ?? [], children, process.env.LOGTRIAGE_BENCH_CPU_PROF ? [...TSX, '--cpu-prof', `--cpu-prof-dir=${process.env.LOGTRIAGE_BENCH_CPU_PROF}`] : TSX);
    progress(`logtriage serve ready on ${url}, forwarding to the sink on port ${sinkPort}`);

    const full = await load(url, options.seconds, 0, options.concurrency);
    progress(`full speed: ${Math.round(full.recordsPerSecond).toLocaleString('en-US')} records/s, p50 ${full.p50Ms.toFixed(1)} ms, p99 ${full.p99Ms.toFixed(1)} ms, answers ${JSON.stringify(full.statuses)}`);
    // Let the sessions of the first phase close and be scored, so the second phase measures its own load.
    await settle(url);
    const half = await load(url, options.seconds, full.recordsPerSecond / 2, Math.max(8, options.concurrency));
    progress(`half rate: ${Math.round(half.recordsPerSecond).toLocaleString('en-US')} records/s, p50 ${half.p50Ms.toFixed(1)} ms, p99 ${half.p99Ms.toFixed(1)} ms, answers ${JSON.stringify(half.statuses)}`);

    await settle(url);
    // The anomaly records of the last sessions are sent in batches, at most a second apart.
    await new Promise((r) => setTimeout(r, 1_500));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const rssMiB = peakRssMiB(serve.pid!);
    const metric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? 0);
    const dropped = [...metrics.matchAll(/^logtriage_sessions_dropped_total\{[^}]*\} (\S+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    sink.send('counts');
    const counts = await message<{ records: number; anomalies: number; requests: number }>(sink, 'counts');
    const acked = full.acked + half.acked;
    return {
      recordsPerSecond: full.recordsPerSecond,
      p50Ms: half.p50Ms,
      p99Ms: half.p99Ms,
      rssMiB,
      dropped,
      lost: Math.max(0, acked - counts.records),
      fullSpeed: { p50Ms: full.p50Ms, p99Ms: full.p99Ms, maxMs: full.maxMs, statuses: full.statuses },
      halfRate: { recordsPerSecond: half.recordsPerSecond, maxMs: half.maxMs, statuses: half.statuses },
      sent: full.sent + half.sent,
      acked,
      receivedDownstream: counts.records,
      anomalyRecords: counts.anomalies,
      sessionsScored: metric('logtriage_sessions_scored_total'),
      sessionsFlagged: metric('logtriage_sessions_flagged_total'),
      seconds: options.seconds,
      concurrency: options.concurrency,
      settings: options.set ?? [],
      batch: 512,
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
