import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { Registry } from 'prom-client';
import { OtlpDecodeError, decodeLogsJson, decodeLogsProtobuf, encodeExportResponse, type OtlpFormat, type OtlpLogsRequest } from '../../../src/ingest/otlp/index.js';
import type { EventPipeline } from '../../../src/pipeline/types.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { LogsExportFlow, type ExportOutcome } from './LogsExportFlow.js';
import { receiverMetrics, type ReceiverMetrics } from './metrics.js';
import type { LogForwarder } from './OtlpForwarder.js';
import { RETRY_INFO_TYPE_URL, RpcCode, encodeRpcStatus } from './rpcStatus.js';

const MIB = 1024 * 1024;

/** A handler for requests outside `/v1/logs` (e.g. `/metrics`, `/healthz`); returns true when it answered. */
export type ExtraRoutes = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** Options of {@link OtlpHttpReceiver}. */
export interface OtlpHttpReceiverOptions {
  /** Mines, sessionises and scores the records. Required. */
  pipeline: EventPipeline;
  /** Where annotated records go. Default: none (requests are acknowledged once annotated). */
  forwarder?: LogForwarder;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free one (see {@link OtlpHttpReceiver.port}). Default 4318. */
  port?: number;
  /** Largest body, bytes, both as sent and after gzip decompression; past it the answer is 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Longest body text handed to the miner, characters; the forwarded record keeps all of it. Default 16,384. */
  maxBodyChars?: number;
  /** Deepest `AnyValue` nesting accepted; deeper records are rejected as partial success. Default 16. */
  maxDepth?: number;
  /** Answers requests outside `/v1/logs` (return true when handled); unhandled ones get 404. Default none. */
  routes?: ExtraRoutes;
  /** Longest time to receive a whole request, ms (Node's `requestTimeout`). Default 30,000. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open, ms; longer than typical client idle timeouts avoids racing them. Default 65,000. */
  keepAliveTimeoutMs?: number;
  /** How long `close()` waits for requests in flight before cutting connections, ms. Default 10,000. */
  closeTimeoutMs?: number;
  /** Where the `logtriage_otlp_receiver_*` metrics go. Default: a private registry. */
  registry?: Registry;
  /** Default: silent. */
  logger?: Logger;
}

/** The path OTLP/HTTP clients post logs to. */
export const LOGS_PATH = '/v1/logs';

const CONTENT_TYPES: Readonly<Record<string, OtlpFormat>> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

class BodyTooLarge extends Error {}

/**
 * The OTLP/HTTP logs receiver: `POST /v1/logs` with `application/x-protobuf` or
 * `application/json`, identity or gzip. Each accepted record is annotated with its template and
 * forwarded; the client gets 200 only once downstream accepted the request, and a retryable
 * 429/503 with `Retry-After` when the pipeline is saturated or downstream is unavailable.
 */
export class OtlpHttpReceiver {
  private readonly flow: LogsExportFlow;
  private readonly server: http.Server;
  private readonly options: OtlpHttpReceiverOptions;
  private readonly maxBodyBytes: number;
  private readonly metrics: ReceiverMetrics;
  private readonly logger: Logger;
  private readonly emptyResponse = Buffer.from(encodeExportResponse('protobuf'));
  private active = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  constructor(options: OtlpHttpReceiverOptions) {
    this.options = options;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * MIB;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'otlp-http-receiver' });
    this.metrics = receiverMetrics(options.registry ?? new Registry());
    this.flow = new LogsExportFlow({ ...options, logger: this.logger });
    this.server = http.createServer({ requestTimeout: options.requestTimeoutMs ?? 30_000, keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000 }, (req, res) => this.handle(req, res));
    this.server.headersTimeout = Math.min(60_000, options.requestTimeoutMs ?? 30_000);
  }

  /** Starts listening; resolves with the bound address. */
  start(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 4318, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        const address = this.server.address() as AddressInfo;
        this.logger.info({ host: address.address, port: address.port }, 'OTLP/HTTP receiver listening');
        resolve(address);
      });
    });
  }

  /** The bound port (after {@link start}). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** True while the server accepts requests (started, not closing): for `/readyz`. */
  get listening(): boolean {
    return this.server.listening && !this.closing;
  }

  /** The base URL clients use, e.g. `http://127.0.0.1:4318` (after {@link start}). */
  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (!address) return '';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Stops accepting requests, lets those in flight finish (at most `closeTimeoutMs`), then closes
   * every connection. Requests arriving meanwhile on open connections get 503. Safe to call twice.
   * The forwarder and the pipeline are not disposed: they belong to the caller (close the
   * receivers first, then dispose the forwarder, then the pipeline).
   */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = true;
      if (!this.server.listening) return resolve();
      const timer = setTimeout(() => this.server.closeAllConnections(), this.options.closeTimeoutMs ?? 10_000);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
      // Connections that carried a request in flight become idle when it ends.
      this.idle = () => this.server.closeIdleConnections();
    });
    return this.closed;
  }

  /** Same as {@link close}. */
  dispose(): Promise<void> {
    return this.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path !== LOGS_PATH) {
      try {
        if (this.options.routes?.(req, res)) return;
      } catch (error) {
        this.logger.error({ err: error, path }, 'an extra route handler threw');
        if (!res.headersSent) return this.plain(res, 500, 'internal error');
        res.destroy();
        return;
      }
      return this.plain(res, 404, `not found: OTLP logs are posted to ${LOGS_PATH}`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.plain(res, 405, `method ${req.method ?? ''} not allowed on ${LOGS_PATH}; use POST`);
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const format = CONTENT_TYPES[mediaType];
    if (!format) return this.plain(res, 415, `unsupported content type "${mediaType}"; send application/x-protobuf or application/json`);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== '') {
      return this.plain(res, 415, `unsupported content encoding "${encoding}"; send gzip or identity`);
    }
    if (this.closing) {
      res.setHeader('connection', 'close');
      return this.status(res, format, 503, RpcCode.UNAVAILABLE, 'the receiver is shutting down; retry', 1);
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.maxBodyBytes) return this.tooLarge(res, format, declared);

    const started = performance.now();
    this.active++;
    res.once('close', () => {
      this.metrics.duration.observe({ transport: 'http' }, (performance.now() - started) / 1000);
      if (--this.active === 0) this.idle?.();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        req.pause();
        this.tooLarge(res, format, size);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      this.metrics.bytes.inc({ transport: 'http' }, size);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      void this.process(res, format, encoding === 'gzip', body);
    });
    req.on('error', () => {
      // The client went away or the request timed out: there is no one to answer.
      refused = true;
    });
  }

  private async process(res: http.ServerResponse, format: OtlpFormat, gzipped: boolean, raw: Buffer): Promise<void> {
    try {
      const pressure = this.flow.backpressure();
      if (pressure) return this.status(res, format, 429, RpcCode.RESOURCE_EXHAUSTED, `logtriage is saturated (${pressure.reason}); retry later`, pressure.retryAfterSeconds);
      let body = raw;
      if (gzipped) {
        try {
          body = await inflate(raw, this.maxBodyBytes);
        } catch (error) {
          if (error instanceof BodyTooLarge) return this.tooLarge(res, format, undefined);
          return this.status(res, format, 400, RpcCode.INVALID_ARGUMENT, `the body is not valid gzip: ${(error as Error).message}`);
        }
      }
      let request: OtlpLogsRequest;
      try {
        request = format === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body.toString('utf8'));
      } catch (error) {
        if (error instanceof OtlpDecodeError) return this.status(res, format, 400, RpcCode.INVALID_ARGUMENT, error.message);
        throw error;
      }
      this.answer(res, format, await this.flow.export(request));
    } catch (error) {
      this.logger.error({ err: error }, 'unexpected error handling an OTLP/HTTP request');
      this.status(res, format, 500, RpcCode.INTERNAL, `internal error: ${(error as Error).message}`);
    }
  }

  private answer(res: http.ServerResponse, format: OtlpFormat, outcome: ExportOutcome): void {
    if (outcome.kind === 'ok') {
      this.metrics.records.inc({ transport: 'http', outcome: 'accepted' }, outcome.accepted);
      if (outcome.rejected > 0) this.metrics.records.inc({ transport: 'http', outcome: 'rejected' }, outcome.rejected);
      const body = format === 'json' ? encodeExportResponse('json', outcome.partialSuccess) : outcome.partialSuccess ? encodeExportResponse('protobuf', outcome.partialSuccess) : this.emptyResponse;
      return this.send(res, 200, format === 'json' ? 'application/json' : 'application/x-protobuf', body);
    }
    this.metrics.records.inc({ transport: 'http', outcome: outcome.kind === 'retry' ? 'refused' : 'rejected' }, outcome.records);
    if (outcome.kind === 'retry') {
      if (outcome.overloaded) return this.status(res, format, 429, RpcCode.RESOURCE_EXHAUSTED, outcome.message, outcome.retryAfterSeconds);
      return this.status(res, format, 503, RpcCode.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds);
    }
    this.status(res, format, 500, RpcCode.INTERNAL, outcome.message);
  }

  private tooLarge(res: http.ServerResponse, format: OtlpFormat, size: number | undefined): void {
    // The rest of the body is not read: the connection closes after the answer.
    res.setHeader('connection', 'close');
    const what = size === undefined ? 'decompressed body' : 'body';
    const found = size === undefined ? '' : ` (${size} bytes or more)`;
    this.status(res, format, 413, RpcCode.RESOURCE_EXHAUSTED, `${what} larger than ${this.maxBodyBytes} bytes${found}; send smaller batches`);
  }

  /** An OTLP error answer: a `google.rpc.Status` in the request's format, with RetryInfo and `Retry-After` when retryable. */
  private status(res: http.ServerResponse, format: OtlpFormat, httpCode: number, rpcCode: number, message: string, retryAfterSeconds?: number): void {
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
    if (format === 'json') {
      const details = retryAfterSeconds === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${Math.max(1, Math.ceil(retryAfterSeconds))}s` }];
      return this.send(res, httpCode, 'application/json', JSON.stringify({ code: rpcCode, message, ...(details ? { details } : {}) }));
    }
    this.send(res, httpCode, 'application/x-protobuf', encodeRpcStatus(rpcCode, message, retryAfterSeconds));
  }

  private plain(res: http.ServerResponse, httpCode: number, message: string): void {
    this.send(res, httpCode, 'text/plain; charset=utf-8', `${message}\n`);
  }

  private send(res: http.ServerResponse, httpCode: number, contentType: string, body: string | Uint8Array): void {
    this.metrics.requests.inc({ transport: 'http', code: String(httpCode) });
    if (res.headersSent || res.destroyed) return;
    if (this.closing) res.setHeader('connection', 'close');
    res.writeHead(httpCode, { 'content-type': contentType, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength });
    res.end(body);
  }
}

/** Gunzips at most `limit` bytes; a larger result (a gzip bomb) stops inflating there and rejects with {@link BodyTooLarge}. */
function inflate(body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: limit }, (error, out) => {
      if (!error) return resolve(out);
      reject((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? new BodyTooLarge(error.message) : error);
    });
  });
}
