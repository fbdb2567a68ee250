import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { initBackend, ModelRegistry, SequenceScorer } from '../../src/scoring/index.js';
import { saveSnapshot, TemplateMiner } from '../../src/templates/index.js';
import { packageRoot } from '../../src/util/packageRoot.js';
import { HdfsLikeStream } from './hdfsLike.js';

/** Node's flags for running the TypeScript child processes (service, load generator, sink). */
export const TSX = ['--import', 'tsx'];

const BLOCK = /blk_-?\d+/;

/** Trains the tier-1 model the service scores with, on normal HDFS-like sessions, into `dataDir`. */
export async function prepareModel(dataDir: string, progress: (line: string) => void): Promise<void> {
  const miner = new TemplateMiner();
  const sessions = new Map<string, string[]>();
  for (const line of new HdfsLikeStream(7, 200, 0).take(60_000)) {
    const match = miner.add(line.body)!;
    const key = BLOCK.exec(line.body)![0];
    const list = sessions.get(key) ?? [];
    list.push(match.templateId);
    sessions.set(key, list);
  }
  const byId = miner.templatesByAnyId();
  // Sessions still open when the sample ended are cut short: leave them out of training.
  const complete = [...sessions.values()].slice(0, -400).map((s) => s.map((id) => byId.get(id)?.id ?? id));
  await initBackend();
  const { scorer, report } = await SequenceScorer.train(complete, { seed: 42, maxSeconds: 120 });
  const registry = new ModelRegistry(dataDir);
  const version = await registry.add(scorer, 'bench-lstm');
  saveSnapshot(miner, join(registry.root, version, 'templates.json'));
  await scorer.dispose();
  progress(`trained tier 1 on ${complete.length} normal HDFS-like sessions (${miner.size} templates) in ${report.seconds.toFixed(1)} s`);
}

/** A TCP port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The value under `key` of the first IPC message of `child` that has it. */
export function message<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && key in m) {
        child.off('message', onMessage);
        resolve((m as Record<string, T>)[key]!);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before sending ${key}`)));
  });
}

/** Waits until `logtriage serve` answers /readyz (at most 60 s); rejects if it exits first. */
export async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`logtriage serve exited with ${child.exitCode}`);
    try {
      const answer = await fetch(`${url}/readyz`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) throw new Error('logtriage serve did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until no session is open or waiting to be scored (at most 30 s). */
export async function settle(url: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const open = Number(/^logtriage_sessions_open (\S+)/m.exec(text)?.[1] ?? 0);
    const queued = Number(/^logtriage_score_queue_sessions (\S+)/m.exec(text)?.[1] ?? 0);
    if (open === 0 && queued === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}


/** The downstream sink and `logtriage serve` of a benchmark, started in their own processes. */
export interface BenchProcesses {
  sink: ChildProcess;
  serve: ChildProcess;
  /** The service's OTLP/HTTP base URL (also /metrics and /readyz). */
  url: string;
  sinkPort: number;
}

/**
 * Starts the counting sink and `logtriage serve` (HDFS block sessions, idle timeout 2 s, forwarding
 * to the sink, `set` as extra `--set` settings) on `dataDir`, and waits until the service is ready.
 * Each child is pushed to `children` as soon as it exists, so the caller can kill them on failure.
 */
export async function startServeWithSink(dataDir: string, set: readonly string[], children: ChildProcess[], execArgv: readonly string[] = TSX): Promise<BenchProcesses> {
  const sink = fork(join(packageRoot(), 'bench/ingest/sink.ts'), [], { execArgv: TSX, stdio: 'inherit' });
  children.push(sink);
  const sinkPort = await message<number>(sink, 'ready');
  const httpPort = await freePort();
  const serve = fork(
    join(packageRoot(), 'src/cli/main.ts'),
    [
      '--log-level', 'warn',
      '--set', `service.dataDir=${dataDir}`,
      '--set', String.raw`sessions.key=regex:blk_-?\d+`,
      '--set', 'sessions.idleTimeoutMs=2000',
      ...set.flatMap((a) => ['--set', a]),
      'serve', '--http-port', String(httpPort), '--grpc-port', '0', '--forward', `http://127.0.0.1:${sinkPort}`,
    ],
    { execArgv: [...execArgv], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  children.push(serve);
  const url = `http://127.0.0.1:${httpPort}`;
  await waitReady(url, serve);
  return { sink, serve, url, sinkPort };
}
