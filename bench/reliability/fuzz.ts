import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { API_ERROR_STATUS } from '../../src/api/ApiError.js';
import { LogtriageService } from '../../src/cli/serve/LogtriageService.js';
import { configSchema } from '../../src/config/index.js';
import { signatureOf } from '../../src/incidents/index.js';
import { decodeExportResponse, decodeLogsProtobuf, encodeLogsProtobuf } from '../../src/ingest/otlp/index.js';
import { decodeRpcStatus } from '../../plugins/otel-collector/src/rpcStatus.js';
import { gzipCase, jsonCase, mutateJson, protobufCase, Rand, randomJson, validRequest } from './fuzzCases.js';

/** What is fuzzed: the OTLP/HTTP receiver, the OTLP/gRPC receiver, the HTTP API. */
export const FUZZ_TARGETS = ['otlp-http', 'otlp-grpc', 'api'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

/** Options of {@link fuzzTarget}. */
export interface FuzzOptions {
  /** Cases sent. */
  cases: number;
  /** Seed; case `i` of a target is the same for the same seed whatever the concurrency. */
  seed: number;
  /** Longest wait for one answer, ms; a later answer counts as a hang. Default 10,000. */
  timeoutMs?: number;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** A valid request is sent after every this many cases, and must be accepted. Default 250. */
  checkEvery?: number;
}

/** A case whose answer broke a rule. */
export interface FuzzFailure {
  case: number;
  kind: string;
  problem: string;
  /** The first bytes of the body sent, hex (API: the request line). */
  sample: string;
}

/** Figures of one target. */
export interface FuzzFigures {
  target: FuzzTarget;
  cases: number;
  seconds: number;
  casesPerSecond: number;
  /** Answers by HTTP status (gRPC: by status name); `hang` for no answer in time. */
  statuses: Record<string, number>;
  /** Cases by how they were made. */
  kinds: Record<string, number>;
  /** Valid requests sent between cases, and how many of them were refused. */
  validChecks: number;
  validRefused: number;
  failureCount: number;
  /** The slowest answer, ms, and its case. */
  slowest: { case: number; kind: string; ms: number };
  /** The first 20 failures. */
  failures: FuzzFailure[];
}

/** The service under fuzz, with its downstream. */
export interface FuzzService {
  http: string;
  grpc: string;
  api: string;
  incidentIds: string[];
  /** Forwarded requests downstream could not decode (the receiver re-encoded something invalid). */
  downstreamUndecodable(): number;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

class Hang extends Error {}

/** `logtriage serve` in this process (OTLP/HTTP, OTLP/gRPC, the API on a real SQLite store, forwarding to a local sink), without a model. */
export async function startFuzzService(): Promise<FuzzService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-fuzz-'));
  let undecodable = 0;
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        decodeLogsProtobuf(body);
      } catch {
        undecodable++;
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const config = configSchema.parse({
    service: { dataDir },
    receivers: { http: { port: 0 }, grpc: { port: 0 } },
    api: { port: 0 },
    forward: { endpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` },
    pipeline: { learning: { enabled: false } },
    sessions: { idleTimeoutMs: 500, sweepIntervalMs: 100 },
  });
  const service = new LogtriageService(config);
  const addresses = await service.start();
  const store = service.pipeline.store!;
  const incidentIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const templateIds = [`E${i}`, 'E5', 'E6'];
    const { id } = await store.record({
      sessionKey: `blk_${i}`,
      service: 'hdfs-datanode',
      firstTimestamp: 1_700_000_000_000,
      lastTimestamp: 1_700_000_001_000,
      detectedAt: 1_700_000_002_000 + i,
      templateIds,
      templates: templateIds.map((t) => `template ${t} <*>`),
      lines: templateIds.map((t) => `line ${t} of blk_${i}`),
      truncatedLines: 0,
      score: 10,
      threshold: 5,
      evidence: [{ position: 1, templateId: 'E5', surprise: 8, expected: [{ templateId: 'E7', probability: 0.9 }] }],
      modelVersion: 'fuzz',
      signature: signatureOf(templateIds),
    });
    incidentIds.push(id);
  }
  return {
    http: addresses.http!,
    grpc: addresses.grpc!,
    api: addresses.api!,
    incidentIds,
    downstreamUndecodable: () => undecodable,
    async close() {
      await service.stop();
      sink.closeAllConnections();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function send(url: string, method: string, headers: http.OutgoingHttpHeaders, body: Buffer | undefined, timeoutMs: number, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Hang(`no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      // A reset connection counts as a failure: even a body it refuses unread (413) gets an answer first.
      reject(error);
    });
    req.end(body);
  });
}

function mediaType(headers: http.IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

const OTLP_HTTP_STATUSES = new Set([200, 400, 413, 415, 429]);
/** google.rpc codes the receiver answers for each HTTP status. */
const RPC_CODE_OF: Record<number, number> = { 400: 3, 413: 8, 429: 8 };

/** The rules for an OTLP/HTTP answer; a problem, or undefined. */
function checkOtlpHttp(answer: Answer, format: 'protobuf' | 'json' | 'other'): string | undefined {
  if (!OTLP_HTTP_STATUSES.has(answer.status)) return `status ${answer.status}: ${answer.body.toString('utf8', 0, 200)}`;
  const type = mediaType(answer.headers);
  if (answer.status === 415) return type === 'text/plain' ? undefined : `415 answered as ${type}`;
  const expected = format === 'json' ? 'application/json' : 'application/x-protobuf';
  if (type !== expected) return `status ${answer.status} answered as ${type}, expected ${expected}`;
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch (error) {
      return `body is not JSON: ${(error as Error).message}`;
    }
    if (typeof parsed !== 'object' || parsed === null) return 'JSON body is not an object';
    if (answer.status !== 200) {
      const status = parsed as { code?: unknown; message?: unknown };
      if (status.code !== RPC_CODE_OF[answer.status] || typeof status.message !== 'string') return `error body is not a Status with code ${RPC_CODE_OF[answer.status]}: ${JSON.stringify(parsed).slice(0, 200)}`;
    }
    return undefined;
  }
  if (answer.status === 200) {
    try {
      decodeExportResponse('protobuf', answer.body);
    } catch (error) {
      return `200 body is not an ExportLogsServiceResponse: ${(error as Error).message}`;
    }
    return undefined;
  }
  const status = decodeRpcStatus(answer.body);
  if (!status || status.code !== RPC_CODE_OF[answer.status]) return `error body is not a google.rpc.Status with code ${RPC_CODE_OF[answer.status]}`;
  if (answer.status === 429 && answer.headers['retry-after'] === undefined) return '429 without Retry-After';
  return undefined;
}

/** Runs `cases` cases with `concurrency` in flight; `one` returns the status label, the kind and a problem. */
async function drive(
  target: FuzzTarget,
  options: FuzzOptions,
  one: (r: Rand, index: number) => Promise<{ status: string; kind: string; problem?: string; sample: string }>,
  valid: () => Promise<boolean>,
): Promise<FuzzFigures> {
  const statuses: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let failureCount = 0;
  let validChecks = 0;
  let validRefused = 0;
  let slowest = { case: -1, kind: '', ms: 0 };
  const checkEvery = options.checkEvery ?? 250;
  const salt = FUZZ_TARGETS.indexOf(target) + 1;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < options.cases) {
      const index = next++;
      const r = new Rand((options.seed * 7_919 + salt * 1_000_003 + index) >>> 0);
      const caseStarted = performance.now();
      const result = await one(r, index);
      const ms = performance.now() - caseStarted;
      if (ms > slowest.ms) slowest = { case: index, kind: result.kind, ms };
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
      kinds[result.kind] = (kinds[result.kind] ?? 0) + 1;
      if (result.problem !== undefined) {
        failureCount++;
        if (failures.length < 20) failures.push({ case: index, kind: result.kind, problem: result.problem, sample: result.sample });
      }
      if ((index + 1) % checkEvery === 0) {
        validChecks++;
        if (!(await valid())) validRefused++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  validChecks++;
  if (!(await valid())) validRefused++;
  const seconds = (performance.now() - started) / 1000;
  return { target, cases: options.cases, seconds, casesPerSecond: options.cases / seconds, statuses, kinds, validChecks, validRefused, failureCount, slowest, failures };
}

function hex(body: Buffer | undefined): string {
  return body ? body.subarray(0, 48).toString('hex') : '';
}

async function fuzzOtlpHttp(service: FuzzService, options: FuzzOptions): Promise<FuzzFigures> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  const url = `${service.http}/v1/logs`;
  try {
    return await drive(
      'otlp-http',
      options,
      async (r) => {
        const json = r.chance(0.35);
        const made = json ? jsonCase(r) : protobufCase(r);
        let { body } = made;
        let kind = `${json ? 'json' : 'protobuf'}: ${made.kind}`;
        const headers: http.OutgoingHttpHeaders = {
          'content-type': json ? r.pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON']) : r.pick(['application/x-protobuf', 'application/protobuf']),
        };
        let format: 'protobuf' | 'json' | 'other' = json ? 'json' : 'protobuf';
        if (r.chance(0.3)) {
          const zipped = gzipCase(r, body);
          body = zipped.body;
          kind += ` (${zipped.kind})`;
          headers['content-encoding'] = 'gzip';
        } else if (r.chance(0.01)) {
          body = gzipSync(Buffer.alloc(8 * 1024 * 1024));
          kind = 'gzip bomb';
          headers['content-encoding'] = 'gzip';
        }
        if (r.chance(0.03)) {
          headers['content-type'] = r.pick(['text/plain', 'application/grpc', '', 'application/x-protobuf+json']);
          format = 'other';
          kind = 'wrong content type';
        }
        headers['content-length'] = body.length;
        try {
          const answer = await send(url, 'POST', headers, body, timeoutMs, agent);
          const problem = format === 'other' ? (answer.status === 415 ? undefined : `status ${answer.status} for an unsupported content type`) : checkOtlpHttp(answer, format);
          return { status: String(answer.status), kind, sample: hex(body), ...(problem === undefined ? {} : { problem }) };
        } catch (error) {
          return { status: error instanceof Hang ? 'hang' : 'error', kind, problem: (error as Error).message, sample: hex(body) };
        }
      },
      async () => {
        const body = Buffer.from(encodeLogsProtobuf(validRequest(new Rand(1))));
        try {
          const answer = await send(url, 'POST', { 'content-type': 'application/x-protobuf', 'content-length': body.length }, body, timeoutMs, agent);
          return answer.status === 200;
        } catch {
          return false;
        }
      },
    );
  } finally {
    agent.destroy();
  }
}

const EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const GRPC_OK = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]);

function grpcCall(client: grpc.Client, body: Buffer, timeoutMs: number): Promise<{ code: grpc.status; details: string; response?: Buffer }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        if (error) resolve({ code: error.code, details: error.details });
        else resolve({ code: grpc.status.OK, details: '', ...(response ? { response } : {}) });
      },
    );
  });
}

async function fuzzOtlpGrpc(service: FuzzService, options: FuzzOptions): Promise<FuzzFigures> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const credentials = grpc.credentials.createInsecure();
  const plain = new grpc.Client(service.grpc, credentials, { 'grpc.max_send_message_length': -1 });
  const gzip = new grpc.Client(service.grpc, credentials, { 'grpc.max_send_message_length': -1, 'grpc.default_compression_algorithm': 2, 'grpc.default_compression_level': 2 });
  try {
    return await drive(
      'otlp-grpc',
      options,
      async (r) => {
        let { kind, body } = protobufCase(r);
        if (r.chance(0.005)) {
          body = r.bytes(4 * 1024 * 1024 + 100);
          kind = 'over 4 MiB';
        }
        const zipped = r.chance(0.3);
        const answer = await grpcCall(zipped ? gzip : plain, body, timeoutMs);
        const status = grpc.status[answer.code] ?? String(answer.code);
        kind = `${kind}${zipped ? ' (gzip)' : ''}`;
        if (answer.code === grpc.status.DEADLINE_EXCEEDED) return { status: 'hang', kind, problem: `no answer in ${timeoutMs} ms`, sample: hex(body) };
        if (!GRPC_OK.has(answer.code)) return { status, kind, problem: `${status}: ${answer.details}`, sample: hex(body) };
        if (answer.code === grpc.status.OK) {
          try {
            decodeExportResponse('protobuf', answer.response ?? Buffer.alloc(0));
          } catch (error) {
            return { status, kind, problem: `OK body is not an ExportLogsServiceResponse: ${(error as Error).message}`, sample: hex(body) };
          }
        }
        return { status, kind, sample: hex(body) };
      },
      async () => (await grpcCall(plain, Buffer.from(encodeLogsProtobuf(validRequest(new Rand(1)))), timeoutMs)).code === grpc.status.OK,
    );
  } finally {
    plain.close();
    gzip.close();
  }
}

const API_STATUSES = new Set([200, 400, 401, 404, 405, 413, 415]);
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** Percent-encodes text; lone surrogates (which encodeURIComponent refuses) are dropped. */
function uri(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''));
}

/** A random path of the API (or near it): real routes, real and made-up ids, odd percent-encoding, traversal. */
function apiPath(r: Rand, ids: readonly string[]): string {
  const id = r.pick([...ids, ...ids, 'inc_nope', '', '%00', '%zz', '%c0%af', '..', '%2e%2e%2f', uri(r.text(20)), 'x'.repeat(r.pick([100, 5_000]))]);
  const path = r.pick([
    '/api/incidents',
    `/api/incidents/${id}`,
    `/api/incidents/${id}/explanation`,
    `/api/incidents/${id}/review`,
    `/api/incidents/${id}/review`,
    `/api/incidents/${id}/review`,
    '/api/categories',
    '/api/stats',
    '/api/audit',
    '/api/me',
    '/api/openapi.json',
    `/api/${uri(r.text(10))}`,
    '/',
    '/index.html',
    `/${id}`,
    '/api//incidents',
    '/API/incidents',
  ]);
  return path;
}

function apiQuery(r: Rand): string {
  if (r.chance(0.4)) return '';
  const keys = ['limit', 'cursor', 'status', 'category', 'severity', 'service', 'review', 'q', 'from', 'to', 'minScore', 'incident', r.text(5)];
  const values = ['-1', '0', '1', '50', '1000000', 'abc', '', 'pending', 'triaged', 'timeout', '1e309', 'NaN', '%', '%zz', 'eyJ4IjoxfQ', r.text(20), 'x'.repeat(3_000)];
  const parts = Array.from({ length: 1 + r.int(4) }, () => `${uri(r.pick(keys))}${r.chance(0.9) ? `=${r.chance(0.8) ? uri(r.pick(values)) : r.pick(values).replace(/[^\x21-\x7e]/g, '')}` : ''}`);
  return `?${parts.join('&')}`;
}

function reviewBody(r: Rand): unknown {
  const valid = (): Record<string, unknown> =>
    r.pick([
      { action: 'confirm' },
      { action: 'false_positive', note: 'not a fault' },
      { action: 'relabel', category: r.pick(['timeout', 'connection_failure', 'resource_exhaustion']) },
      { action: 'edit_explanation', explanation: r.text(100) },
      { action: 'note', note: r.text(100) },
    ]);
  switch (r.int(4)) {
    case 0:
      return randomJson(r);
    case 1:
      return valid();
    default:
      return mutateJson(r, valid());
  }
}

/** The rules for an API answer; a problem, or undefined. */
function checkApi(answer: Answer, method: string, path: string): string | undefined {
  if (!API_STATUSES.has(answer.status)) return `status ${answer.status}: ${answer.body.toString('utf8', 0, 300)}`;
  const type = mediaType(answer.headers);
  if (method === 'HEAD') return undefined;
  if (answer.status >= 400 || path.startsWith('/api')) {
    if (type !== 'application/json') return `status ${answer.status} answered as ${type || 'no type'}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch (error) {
      return `body is not JSON: ${(error as Error).message}`;
    }
    if (answer.status >= 400) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown; requestId?: unknown } }).error;
      const code = error?.code;
      if (typeof code !== 'string' || !(code in API_ERROR_STATUS)) return `error body without a known code: ${JSON.stringify(parsed).slice(0, 200)}`;
      if (API_ERROR_STATUS[code as keyof typeof API_ERROR_STATUS] !== answer.status) return `code ${code} answered with status ${answer.status}`;
      if (typeof error?.message !== 'string' || typeof error.requestId !== 'string') return 'error body without message or requestId';
      if (answer.headers['x-request-id'] !== error.requestId) return 'X-Request-Id differs from the body';
    }
  }
  return undefined;
}

async function fuzzApi(service: FuzzService, options: FuzzOptions): Promise<FuzzFigures> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  try {
    return await drive(
      'api',
      options,
      async (r) => {
        const path = apiPath(r, service.incidentIds);
        const review = path.endsWith('/review');
        const method = review && r.chance(0.8) ? 'POST' : r.pick(METHODS);
        const target = `${path}${apiQuery(r)}`;
        const headers: http.OutgoingHttpHeaders = {};
        let body: Buffer | undefined;
        if (method !== 'GET' && method !== 'HEAD' && r.chance(0.8)) {
          const payload = r.chance(0.05) ? 'x'.repeat(70_000) : JSON.stringify(reviewBody(r)) ?? 'null';
          body = r.chance(0.1) ? Buffer.from(payload).subarray(0, r.int(payload.length + 1)) : Buffer.from(payload);
          headers['content-type'] = r.chance(0.9) ? 'application/json' : r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-16']);
          if (r.chance(0.05)) headers['content-encoding'] = r.pick(['gzip', 'br', 'x-unknown']);
          headers['content-length'] = body.length;
        }
        if (r.chance(0.05)) headers.authorization = r.pick(['Bearer nope', 'Basic YTpi', 'Bearer ', r.text(10).replace(/[^\x20-\x7e]/g, '')]);
        if (r.chance(0.05)) headers['x-request-id'] = r.pick(['ok-id-1', r.text(80).replace(/[^\x20-\x7e]/g, '')]);
        const kind = `${method} ${path.replace(/\/(inc_[^/]+|[^/]{30,})/, '/:id')}`.slice(0, 60);
        const sample = `${method} ${target.slice(0, 200)} ${body ? body.toString('utf8', 0, 100) : ''}`;
        try {
          const answer = await send(`${service.api}${target}`, method, headers, body, timeoutMs, agent);
          const problem = checkApi(answer, method, path);
          return { status: String(answer.status), kind, sample, ...(problem === undefined ? {} : { problem }) };
        } catch (error) {
          return { status: error instanceof Hang ? 'hang' : 'error', kind, problem: (error as Error).message, sample };
        }
      },
      async () => {
        try {
          const answer = await send(`${service.api}/api/incidents?limit=5`, 'GET', {}, undefined, timeoutMs, agent);
          return answer.status === 200 && Array.isArray((JSON.parse(answer.body.toString('utf8')) as { items?: unknown }).items);
        } catch {
          return false;
        }
      },
    );
  } finally {
    agent.destroy();
  }
}

/** Sends `options.cases` fuzz cases to one target of a running {@link FuzzService} and checks every answer. */
export function fuzzTarget(service: FuzzService, target: FuzzTarget, options: FuzzOptions): Promise<FuzzFigures> {
  if (target === 'otlp-http') return fuzzOtlpHttp(service, options);
  if (target === 'otlp-grpc') return fuzzOtlpGrpc(service, options);
  return fuzzApi(service, options);
}

/** Options of {@link runFuzz}. */
export interface RunFuzzOptions extends FuzzOptions {
  targets?: readonly FuzzTarget[];
  onProgress?: (line: string) => void;
}

/** What {@link runFuzz} measures: each target's figures, and errors the process itself raised. */
export interface RunFuzzResult {
  seed: number;
  targets: FuzzFigures[];
  /** Uncaught exceptions and unhandled rejections during the run. */
  processErrors: string[];
  /** Forwarded requests the downstream sink could not decode. */
  downstreamUndecodable: number;
}

/** `npm run bench -- fuzz`: starts the service in this process and fuzzes each target in turn. */
export async function runFuzz(options: RunFuzzOptions): Promise<RunFuzzResult> {
  const processErrors: string[] = [];
  const onError = (error: unknown): void => {
    processErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  const service = await startFuzzService();
  try {
    const targets: FuzzFigures[] = [];
    for (const target of options.targets ?? FUZZ_TARGETS) {
      const figures = await fuzzTarget(service, target, options);
      options.onProgress?.(`${target}: ${figures.cases} cases in ${figures.seconds.toFixed(1)} s, ${figures.failureCount} failures`);
      targets.push(figures);
    }
    return { seed: options.seed, targets, processErrors, downstreamUndecodable: service.downstreamUndecodable() };
  } finally {
    await service.close();
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
}
