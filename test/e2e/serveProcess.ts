import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A `logtriage serve` child process and where it listens. */
export interface ServeProcess {
  child: ChildProcess;
  /** OTLP/HTTP base URL (`/v1/logs`, `/metrics`, `/readyz`). */
  http: string;
  /** The explanation API's base URL. */
  api: string;
  /** What it wrote to stdout and stderr so far (its pino log and the start banner). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` and waits for the exit; the exit code, or the signal's name when it was killed by one. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `node --import tsx src/cli/main.ts --set … serve` with every port 0 and resolves once the
 * start banner shows its addresses. `LOGTRIAGE_*` variables of the test's environment are left out,
 * so only `sets` configure it.
 */
export async function startServe(sets: Record<string, string | number | boolean>, startTimeoutMs = 60_000): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LOGTRIAGE_')) env[key] = value;
  const args = ['--import', 'tsx', 'src/cli/main.ts', ...Object.entries(sets).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]), 'serve', '--http-port', '0', '--grpc-port', '0', '--api-port', '0'];
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const addresses = await new Promise<{ http: string; api: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`logtriage serve did not start in ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const look = (): void => {
      const http = /OTLP\/HTTP {2}(http:\/\/\S+)\/v1\/logs/.exec(output)?.[1];
      const api = /review {5}(http:\/\/\S+)\//.exec(output)?.[1];
      if (http && api) {
        clearTimeout(timer);
        resolve({ http, api });
      }
    };
    child.stderr!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`logtriage serve exited (${code}) before it started:\n${output}`));
    });
  });
  return {
    child,
    ...addresses,
    output: () => output,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * One OTLP/JSON request of `records` (`[traceId, body]`) from `service`. Without `timeUnixNano`
 * (a function of the record's index) the records carry no time and the receiver stamps them.
 */
export async function postLogs(http: string, service: string, records: readonly (readonly [string, string])[], timeUnixNano?: (index: number) => string): Promise<Response> {
  const logRecords = records.map(([traceId, body], i) => ({ body: { stringValue: body }, traceId, spanId: traceId.slice(0, 16), severityNumber: 9, ...(timeUnixNano ? { timeUnixNano: timeUnixNano(i) } : {}) }));
  return fetch(`${http}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords }] }] }),
  });
}

/** Runs the CLI (`node --import tsx src/cli/main.ts …args`) to completion; rejects with its output when it fails. */
export async function runCli(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LOGTRIAGE_')) env[key] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | string>((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal ?? 'unknown')));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`logtriage ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** Normal traffic for training: JSON log lines of `sessions` checkout requests, three events per trace id. */
export function normalJsonLines(sessions: number): string {
  const lines: string[] = [];
  for (let n = 0; n < sessions; n++) {
    const traceId = `7e57${n.toString(16).padStart(28, '0')}`;
    for (const body of normalRequest(n)) lines.push(JSON.stringify({ body, trace_id: traceId }));
  }
  return `${lines.join('\n')}\n`;
}

/** The bodies of one normal checkout request. */
export function normalRequest(n: number): string[] {
  return [`GET /api/items/${n}`, n % 2 ? `cache hit for item ${n}` : `cache miss for item ${n}`, `response 200 in ${(n % 50) + 3} ms`];
}

/** A checkout request that fails with `error` (a line normal traffic never has). */
export function failingRequest(n: number, error: string): string[] {
  return [`GET /api/items/${n}`, `cache miss for item ${n}`, error, 'response 502 in 3 ms'];
}
