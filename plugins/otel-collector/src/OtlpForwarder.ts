import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { decodeExportResponse, encodeLogsProtobuf, type OtlpLogsRequest, type OtlpPartialSuccess } from '../../../src/ingest/otlp/index.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { forwarderMetrics, type ForwarderMetrics } from './metrics.js';
import { RpcCode, decodeRpcStatus } from './rpcStatus.js';

const gzip = promisify(gzipCallback);

/** What became of one {@link LogForwarder.send}. */
export type ForwardResult =
  | {
      ok: true;
      /** Set when downstream accepted the request but rejected some of its records (not retried, per OTLP). */
      partialSuccess?: OtlpPartialSuccess;
    }
  | {
      ok: false;
      /** Downstream may accept the request later: answer the client with a retryable code. */
      retryable: true;
      /** True when refused without trying because too many bytes were in flight (answer 429 / RESOURCE_EXHAUSTED rather than 503 / UNAVAILABLE). */
      overloaded: boolean;
      /** How long the client should wait before sending again, in whole seconds (≥ 1), for `Retry-After`. */
      retryAfterSeconds: number;
      message: string;
    }
  | {
      ok: false;
      /** Downstream refused the request for good (e.g. HTTP 400): sending it again cannot help. */
      retryable: false;
      message: string;
    };

/** Sends OTLP log requests downstream. Implementations never throw from `send`. */
export interface LogForwarder {
  /**
   * Delivers `request` (retrying within the configured deadline). Resolves, never rejects. The
   * request is encoded at once: the caller may reuse it when the promise resolves.
   */
  send(request: OtlpLogsRequest, signal?: AbortSignal): Promise<ForwardResult>;
  /** Stops retries in progress (their sends resolve retryable) and closes connections. Safe to call twice. */
  dispose(): Promise<void>;
}

/** A forwarder for when there is no downstream: every request is acknowledged at once, nothing is sent. */
export class NoopForwarder implements LogForwarder {
  send(): Promise<ForwardResult> {
    return Promise.resolve({ ok: true });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** Backoff of {@link OtlpForwarderOptions.retry}. */
export interface ForwardRetryOptions {
  /** Wait before the first retry, ms; doubled after each retry with ±50 % jitter. Default 100. */
  initialMs?: number;
  /** Longest wait between attempts, ms. Default 1,000. */
  maxMs?: number;
  /** Total time for one `send`, attempts and waits included, ms; 0 disables retries. Default 5,000. */
  maxElapsedMs?: number;
}

/** Options shared by {@link OtlpHttpForwarder} and {@link OtlpGrpcForwarder}. */
export interface OtlpForwarderOptions {
  /** Downstream base URL, `http://` or `https://` (e.g. `http://127.0.0.1:4319`). Required. */
  endpoint: string;
  /** Extra HTTP headers or gRPC metadata (e.g. `authorization`). Default none. */
  headers?: Readonly<Record<string, string>>;
  /** Request compression. Default `none`. */
  compression?: 'none' | 'gzip';
  /** Timeout of one attempt, ms (capped by what is left of `retry.maxElapsedMs`). Default 2,000. */
  timeoutMs?: number;
  /** Most encoded bytes in flight at once; past it `send` answers overloaded at once. Default 64 MiB. */
  maxInFlightBytes?: number;
  /** Retry backoff and total deadline. */
  retry?: ForwardRetryOptions;
  /** Where the `logtriage_forward_*` metrics go. Default: a private registry. */
  registry?: Registry;
  /** Default: silent. */
  logger?: Logger;
}

/** The outcome of one attempt. */
export type AttemptOutcome =
  | { kind: 'ok'; partialSuccess?: OtlpPartialSuccess }
  | { kind: 'retryable'; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; message: string };

const MIB = 1024 * 1024;
/** Longest downstream answer read, bytes; an OTLP export response is a few bytes. */
const MAX_RESPONSE_BYTES = 4 * MIB;
const WARN_INTERVAL_MS = 10_000;

function recordCount(request: OtlpLogsRequest): number {
  let n = 0;
  for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}

/** Waits `ms`; resolves false when a signal aborts first. */
function sleep(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    function done(slept: boolean): void {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener('abort', onAbort);
      resolve(slept);
    }
    for (const s of signals) {
      if (s?.aborted) return done(false);
      s?.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * The retry loop, the in-flight byte bound and the metrics; subclasses make one attempt.
 * Retries follow the OTLP spec: only retryable outcomes, exponential backoff with jitter, a
 * server's `Retry-After` / RetryInfo honoured, all within `retry.maxElapsedMs`.
 */
export abstract class RetryingForwarder implements LogForwarder {
  protected readonly logger: Logger;
  protected readonly timeoutMs: number;
  protected readonly compression: 'none' | 'gzip';
  protected readonly closing = new AbortController();
  private readonly maxInFlightBytes: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxElapsedMs: number;
  private readonly metrics: ForwarderMetrics;
  private readonly protocol: 'http' | 'grpc';
  private inFlight = 0;
  private lastWarn = 0;
  private suppressedWarns = 0;
  private disposed = false;

  protected constructor(protocol: 'http' | 'grpc', options: OtlpForwarderOptions) {
    // Every attempt in flight listens on this signal (and removes its listener after): many at once is normal.
    setMaxListeners(0, this.closing.signal);
    this.protocol = protocol;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'forwarder', protocol });
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.compression = options.compression ?? 'none';
    this.maxInFlightBytes = options.maxInFlightBytes ?? 64 * MIB;
    this.initialMs = options.retry?.initialMs ?? 100;
    this.maxMs = options.retry?.maxMs ?? 1_000;
    this.maxElapsedMs = options.retry?.maxElapsedMs ?? 5_000;
    this.metrics = forwarderMetrics(options.registry ?? new Registry());
  }

  /** Encoded bytes being forwarded now. */
  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** One attempt to deliver the encoded (and, when configured, compressed) request. Never rejects. */
  protected abstract attempt(body: Buffer, timeoutMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome>;

  /** Closes the transport's connections. */
  protected abstract closeTransport(): Promise<void>;

  async send(request: OtlpLogsRequest, signal?: AbortSignal): Promise<ForwardResult> {
    const labels = { protocol: this.protocol };
    const records = recordCount(request);
    if (this.disposed) return this.failed(records, { ok: false, retryable: true, overloaded: false, retryAfterSeconds: 1, message: 'the forwarder is shut down' });
    if (this.inFlight >= this.maxInFlightBytes) return this.overloaded(records);
    let body: Buffer;
    try {
      const encoded = encodeLogsProtobuf(request);
      body = Buffer.isBuffer(encoded) ? encoded : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    } catch (error) {
      // Only a request built by hand (not decoded from the wire) can fail to encode.
      return this.failed(records, { ok: false, retryable: false, message: `cannot encode the request as OTLP protobuf: ${(error as Error).message}` });
    }
    // One request larger than the bound alone still goes when nothing else is in flight.
    if (this.inFlight > 0 && this.inFlight + body.length > this.maxInFlightBytes) return this.overloaded(records);
    const size = body.length;
    this.inFlight += size;
    this.metrics.inFlightBytes.inc(labels, size);
    const stopTimer = this.metrics.duration.startTimer(labels);
    try {
      if (this.compression === 'gzip') body = await gzip(body);
      const result = await this.deliver(body, signal);
      if (result.ok) {
        const rejected = Math.min(records, result.partialSuccess?.rejectedLogRecords ?? 0);
        if (records - rejected > 0) this.metrics.records.inc({ ...labels, outcome: 'forwarded' }, records - rejected);
        if (rejected > 0) this.metrics.records.inc({ ...labels, outcome: 'rejected' }, rejected);
        return result;
      }
      return this.failed(records, result);
    } catch (error) {
      // Nothing above should throw (attempts resolve, never reject); if it does, the caller still
      // gets an answer it can pass on, and the client keeps its records.
      return this.failed(records, { ok: false, retryable: true, overloaded: false, retryAfterSeconds: 1, message: `forwarding failed: ${(error as Error).message}` });
    } finally {
      stopTimer();
      this.inFlight -= size;
      this.metrics.inFlightBytes.dec(labels, size);
    }
  }

  private async deliver(body: Buffer, signal: AbortSignal | undefined): Promise<ForwardResult> {
    const start = Date.now();
    const retries = this.maxElapsedMs > 0;
    const deadline = start + (retries ? this.maxElapsedMs : this.timeoutMs);
    let backoff = this.initialMs;
    let lastDelayMs = this.initialMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.metrics.retries.inc({ protocol: this.protocol });
      const timeout = Math.max(1, Math.min(this.timeoutMs, deadline - Date.now()));
      const outcome = await this.attempt(body, timeout, signal);
      this.metrics.attempts.inc({ protocol: this.protocol, outcome: outcome.kind });
      if (outcome.kind === 'ok') return outcome.partialSuccess ? { ok: true, partialSuccess: outcome.partialSuccess } : { ok: true };
      if (outcome.kind === 'permanent') return { ok: false, retryable: false, message: outcome.message };
      // ±50 % jitter, as the Collector's exporterhelper does, so clients refused together do not
      // come back together.
      const delay = outcome.retryAfterMs ?? backoff * (0.5 + Math.random());
      lastDelayMs = delay;
      backoff = Math.min(backoff * 2, this.maxMs);
      const giveUp = !retries || Date.now() + delay >= deadline || signal?.aborted === true || this.closing.signal.aborted;
      if (giveUp || !(await sleep(delay, [signal, this.closing.signal]))) {
        const message = `downstream did not accept the request after ${attempt + 1} attempt(s) in ${Date.now() - start} ms: ${outcome.message}`;
        return { ok: false, retryable: true, overloaded: false, retryAfterSeconds: Math.max(1, Math.ceil(lastDelayMs / 1000)), message };
      }
    }
  }

  private overloaded(records: number): ForwardResult {
    this.metrics.overloaded.inc({ protocol: this.protocol });
    return this.failed(records, {
      ok: false,
      retryable: true,
      overloaded: true,
      retryAfterSeconds: 1,
      message: `too many bytes being forwarded (${this.inFlight} in flight, limit ${this.maxInFlightBytes}); retry later`,
    });
  }

  private failed(records: number, result: Exclude<ForwardResult, { ok: true }>): ForwardResult {
    this.metrics.records.inc({ protocol: this.protocol, outcome: result.retryable ? 'failed' : 'rejected' }, records);
    const now = Date.now();
    // A dead downstream fails every request: one warning per interval, with the count.
    if (now - this.lastWarn >= WARN_INTERVAL_MS) {
      this.logger.warn({ records, retryable: result.retryable, suppressed: this.suppressedWarns }, `forward failed: ${result.message}`);
      this.lastWarn = now;
      this.suppressedWarns = 0;
    } else {
      this.suppressedWarns++;
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.closing.abort();
    await this.closeTransport();
  }
}

const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Options of {@link OtlpHttpForwarder}. */
export interface OtlpHttpForwarderOptions extends OtlpForwarderOptions {
  /** Most sockets to downstream (keep-alive). Default 32. */
  maxSockets?: number;
}

/**
 * Forwards over OTLP/HTTP: `POST <endpoint>/v1/logs` with `application/x-protobuf`, optionally
 * gzip-compressed, over keep-alive connections.
 */
export class OtlpHttpForwarder extends RetryingForwarder {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly headers: Record<string, string>;

  constructor(options: OtlpHttpForwarderOptions) {
    super('http', options);
    const base = new URL(options.endpoint);
    // An endpoint that already names the logs path is used as it is (as OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is).
    this.url = base.pathname.endsWith('/v1/logs') ? base : new URL(`${base.pathname.replace(/\/+$/, '')}/v1/logs`, base);
    const secure = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    this.headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
    if (this.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
  }

  /** The URL records are posted to. */
  get target(): string {
    return this.url.href;
  }

  protected attempt(body: Buffer, timeoutMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.closing.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const req = this.request(this.url, { method: 'POST', agent: this.agent, headers: { ...this.headers, 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish({ kind: 'retryable', message: `reading the answer: ${error.message}` }));
        res.on('close', () => {
          const status = res.statusCode ?? 0;
          const data = Buffer.concat(chunks);
          const json = (res.headers['content-type'] ?? '').includes('json');
          if (status >= 200 && status < 300) {
            // The records were accepted whether or not the answer could be read to its end.
            const partial = size > MAX_RESPONSE_BYTES ? undefined : decodeExportResponse(json ? 'json' : 'protobuf', data);
            return finish(partial ? { kind: 'ok', partialSuccess: partial } : { kind: 'ok' });
          }
          const message = `HTTP ${status} from ${this.url.href}${describeErrorBody(data, json)}`;
          if (RETRYABLE_HTTP.has(status)) {
            const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
            return finish(retryAfterMs !== undefined ? { kind: 'retryable', message, retryAfterMs } : { kind: 'retryable', message });
          }
          finish({ kind: 'permanent', message });
        });
      });
      const onAbort = (): void => {
        req.destroy(new Error('aborted'));
        finish({ kind: 'retryable', message: 'cancelled' });
      };
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
        finish({ kind: 'retryable', message: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closing.signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        // Every failure without an answer (refused, reset, DNS, TLS) is retryable: the request may
        // not have arrived, a duplicate is better than a lost record, and the client's own retry
        // budget bounds the loop.
        finish({ kind: 'retryable', message: `${error.code ?? 'error'} ${error.message} (${this.url.href})` });
      });
      req.end(body);
    });
  }

  protected closeTransport(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}

/** `: <message>` from an OTLP error body (a `google.rpc.Status`, JSON or protobuf), or nothing. */
function describeErrorBody(data: Buffer, json: boolean): string {
  if (data.length === 0) return '';
  if (json) {
    try {
      const parsed = JSON.parse(data.toString('utf8')) as { message?: unknown };
      if (typeof parsed.message === 'string') return `: ${parsed.message.slice(0, 300)}`;
    } catch {
      // not JSON after all: shown as text below
    }
  } else {
    const status = decodeRpcStatus(data);
    if (status && status.message !== '') return `: ${status.message.slice(0, 300)}`;
  }
  const text = data.toString('utf8', 0, Math.min(data.length, 300)).replace(/[\u0000-\u001f]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(text) ? `: ${text}` : '';
}

/** Full method path of the OTLP logs export. */
export const LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

// OTLP/gRPC retryable codes (opentelemetry-proto, "Failures"): RESOURCE_EXHAUSTED only when the
// server says it can recover by sending RetryInfo; a message over the size limit is also
// RESOURCE_EXHAUSTED and would fail forever.
const RETRYABLE_GRPC = new Set<number>([RpcCode.CANCELLED, RpcCode.DEADLINE_EXCEEDED, RpcCode.ABORTED, RpcCode.OUT_OF_RANGE, RpcCode.UNAVAILABLE, RpcCode.DATA_LOSS]);

/** Options of {@link OtlpGrpcForwarder}. */
export interface OtlpGrpcForwarderOptions extends OtlpForwarderOptions {
  /** Extra grpc-js channel options (e.g. keepalive). Default none. */
  channelOptions?: grpc.ChannelOptions;
}

/**
 * Forwards over OTLP/gRPC (`LogsService/Export`), with protobufjs doing the encoding (no
 * proto-loader); `https://` endpoints use TLS with the system roots.
 */
export class OtlpGrpcForwarder extends RetryingForwarder {
  private readonly client: grpc.Client;
  private readonly metadata: grpc.Metadata;

  constructor(options: OtlpGrpcForwarderOptions) {
    super('grpc', options);
    const url = new URL(options.endpoint);
    const port = url.port || (url.protocol === 'https:' ? '443' : '4317');
    const credentials = url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    this.client = new grpc.Client(`${url.hostname}:${port}`, credentials, {
      // gRPC's own reconnect backoff grows to 2 minutes; a downstream back after an outage must be
      // used again within the retry deadline.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      ...(this.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {}),
      ...options.channelOptions,
    });
    this.metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(options.headers ?? {})) this.metadata.set(key, value);
  }

  protected attempt(body: Buffer, timeoutMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.closing.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        LOGS_EXPORT_PATH,
        (message) => message,
        (bytes) => bytes,
        body,
        this.metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (!error) {
            const partial = response ? decodeExportResponse('protobuf', response) : undefined;
            return finish(partial ? { kind: 'ok', partialSuccess: partial } : { kind: 'ok' });
          }
          const message = `gRPC ${grpc.status[error.code] ?? error.code} from ${this.client.getChannel().getTarget()}: ${error.details}`;
          const details = error.metadata?.get('grpc-status-details-bin')[0];
          const retryDelayMs = Buffer.isBuffer(details) ? decodeRpcStatus(details)?.retryDelayMs : undefined;
          const retryable = RETRYABLE_GRPC.has(error.code) || (error.code === RpcCode.RESOURCE_EXHAUSTED && retryDelayMs !== undefined);
          if (!retryable) return finish({ kind: 'permanent', message });
          finish(retryDelayMs !== undefined ? { kind: 'retryable', message, retryAfterMs: retryDelayMs } : { kind: 'retryable', message });
        },
      );
      const onAbort = (): void => {
        call.cancel();
        finish({ kind: 'retryable', message: 'cancelled' });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closing.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  protected closeTransport(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}
