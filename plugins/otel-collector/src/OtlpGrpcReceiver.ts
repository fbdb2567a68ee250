import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { OtlpDecodeError, decodeLogsProtobuf, encodeExportResponse, type OtlpLogsRequest } from '../../../src/ingest/otlp/index.js';
import type { EventPipeline } from '../../../src/pipeline/types.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { LogsExportFlow, type ExportOutcome } from './LogsExportFlow.js';
import { receiverMetrics, type ReceiverMetrics } from './metrics.js';
import { LOGS_EXPORT_PATH, type LogForwarder } from './OtlpForwarder.js';
import { encodeRpcStatus } from './rpcStatus.js';

const MIB = 1024 * 1024;

/** Options of {@link OtlpGrpcReceiver}. */
export interface OtlpGrpcReceiverOptions {
  /** Mines, sessionises and scores the records. Required. */
  pipeline: EventPipeline;
  /** Where annotated records go. Default: none (requests are acknowledged once annotated). */
  forwarder?: LogForwarder;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free one (see {@link OtlpGrpcReceiver.port}). Default 4317. */
  port?: number;
  /** Largest request message after decompression, bytes; larger ones get RESOURCE_EXHAUSTED from gRPC. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Longest body text handed to the miner, characters; the forwarded record keeps all of it. Default 16,384. */
  maxBodyChars?: number;
  /** Deepest `AnyValue` nesting accepted; deeper records are rejected as partial success. Default 16. */
  maxDepth?: number;
  /** How long `close()` waits for calls in flight before cancelling them, ms. Default 10,000. */
  closeTimeoutMs?: number;
  /** Extra grpc-js server options (keepalive, …). Default none. */
  serverOptions?: grpc.ServerOptions;
  /** Where the `logtriage_otlp_receiver_*` metrics go. Default: a private registry. */
  registry?: Registry;
  /** Default: silent. */
  logger?: Logger;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * The `LogsService` definition with raw-bytes (de)serialisers: the handler decodes with
 * protobufjs itself, so a malformed message is answered INVALID_ARGUMENT rather than INTERNAL.
 */
const LOGS_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: LOGS_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'export',
  },
};

/**
 * The OTLP/gRPC logs receiver (`opentelemetry.proto.collector.logs.v1.LogsService/Export`, gzip
 * accepted): the same flow as {@link OtlpHttpReceiver}. Answers INVALID_ARGUMENT for malformed
 * messages, UNAVAILABLE (with RetryInfo) when downstream is unavailable, RESOURCE_EXHAUSTED (with
 * RetryInfo) when saturated, and OK with `partial_success` when records were rejected.
 */
export class OtlpGrpcReceiver {
  private readonly flow: LogsExportFlow;
  private readonly server: grpc.Server;
  private readonly options: OtlpGrpcReceiverOptions;
  private readonly metrics: ReceiverMetrics;
  private readonly logger: Logger;
  private readonly emptyResponse = Buffer.from(encodeExportResponse('protobuf'));
  private boundPort = 0;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(options: OtlpGrpcReceiverOptions) {
    this.options = options;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'otlp-grpc-receiver' });
    this.metrics = receiverMetrics(options.registry ?? new Registry());
    this.flow = new LogsExportFlow({ ...options, logger: this.logger });
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': options.maxMessageBytes ?? 4 * MIB,
      ...options.serverOptions,
    });
    this.server.addService(LOGS_SERVICE, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        void this.export(call, callback);
      },
    });
  }

  /** Starts listening; resolves with the bound port. */
  start(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    const address = `${host.includes(':') ? `[${host}]` : host}:${this.options.port ?? 4317}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) return reject(error);
        this.boundPort = port;
        this.logger.info({ host, port }, 'OTLP/gRPC receiver listening');
        resolve(port);
      });
    });
  }

  /** The bound port (after {@link start}). */
  get port(): number {
    return this.boundPort;
  }

  /** True while the server accepts calls (started, not closing): for `/readyz`. */
  get listening(): boolean {
    return this.boundPort > 0 && !this.closing;
  }

  /** `host:port` for gRPC clients (after {@link start}). */
  get address(): string {
    const host = this.options.host ?? '127.0.0.1';
    return `${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  /**
   * Stops accepting calls, lets those in flight finish (at most `closeTimeoutMs`), then cancels
   * the rest. Safe to call twice.
   * The forwarder and the pipeline are not disposed: they belong to the caller (close the
   * receivers first, then dispose the forwarder, then the pipeline).
   */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = true;
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, this.options.closeTimeoutMs ?? 10_000);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closed;
  }

  /** Same as {@link close}. */
  dispose(): Promise<void> {
    return this.close();
  }

  private async export(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): Promise<void> {
    const started = performance.now();
    const reply = (error: grpc.ServiceError | null, value?: Buffer): void => {
      this.metrics.requests.inc({ transport: 'grpc', code: grpc.status[error ? error.code : grpc.status.OK] });
      this.metrics.duration.observe({ transport: 'grpc' }, (performance.now() - started) / 1000);
      if (error) callback(error);
      else callback(null, value);
    };
    try {
      this.metrics.bytes.inc({ transport: 'grpc' }, call.request.length);
      if (this.closing) return reply(rpcError(grpc.status.UNAVAILABLE, 'the receiver is shutting down; retry', 1));
      const pressure = this.flow.backpressure();
      if (pressure) {
        return reply(rpcError(grpc.status.RESOURCE_EXHAUSTED, `logtriage is saturated (${pressure.reason}); retry later`, pressure.retryAfterSeconds));
      }
      let request: OtlpLogsRequest;
      try {
        request = decodeLogsProtobuf(call.request);
      } catch (error) {
        if (error instanceof OtlpDecodeError) return reply(rpcError(grpc.status.INVALID_ARGUMENT, error.message));
        throw error;
      }
      const outcome: ExportOutcome = await this.flow.export(request);
      if (outcome.kind === 'ok') {
        this.metrics.records.inc({ transport: 'grpc', outcome: 'accepted' }, outcome.accepted);
        if (outcome.rejected > 0) this.metrics.records.inc({ transport: 'grpc', outcome: 'rejected' }, outcome.rejected);
        const body = outcome.partialSuccess ? Buffer.from(encodeExportResponse('protobuf', outcome.partialSuccess)) : this.emptyResponse;
        return reply(null, body);
      }
      this.metrics.records.inc({ transport: 'grpc', outcome: outcome.kind === 'retry' ? 'refused' : 'rejected' }, outcome.records);
      if (outcome.kind === 'retry') {
        const code = outcome.overloaded ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
        return reply(rpcError(code, outcome.message, outcome.retryAfterSeconds));
      }
      reply(rpcError(grpc.status.INTERNAL, outcome.message));
    } catch (error) {
      this.logger.error({ err: error }, 'unexpected error handling an OTLP/gRPC call');
      reply(rpcError(grpc.status.INTERNAL, `internal error: ${(error as Error).message}`));
    }
  }
}

/** A gRPC error; with `retryAfterSeconds`, a `google.rpc.RetryInfo` in `grpc-status-details-bin` (as the Collector's exporters read it). */
function rpcError(code: grpc.status, message: string, retryAfterSeconds?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (retryAfterSeconds !== undefined) metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus(code, message, Math.max(1, Math.ceil(retryAfterSeconds)))));
  return Object.assign(new Error(message), { code, details: message, metadata });
}
