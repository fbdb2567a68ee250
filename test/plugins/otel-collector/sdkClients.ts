import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** What an exporter reports for one export (`@opentelemetry/core`'s `ExportResult`). */
export type ExportResult = Parameters<Parameters<LogRecordExporter['export']>[1]>[0];

/** A LoggerProvider over an official OTLP exporter, with the exporter's results recorded. */
export interface SdkClient {
  provider: LoggerProvider;
  results: ExportResult[];
  /** Emits a record (with the trace id as its context when given). */
  emit(body: string, traceId?: string, attributes?: Record<string, string | number>): void;
  /** Exports what was emitted; resolves when the exporter (and its retries) finished. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Wraps the exporter so every export result is kept, and batches everything until `flush()`. */
export function sdkClient(exporter: LogRecordExporter, service = 'checkout'): SdkClient {
  const results: ExportResult[] = [];
  const recording: LogRecordExporter = {
    export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
      exporter.export(logs, (result) => {
        results.push(result);
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new BatchLogRecordProcessor({ exporter: recording, maxExportBatchSize: 512, maxQueueSize: 10_000, scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000 })],
  });
  const logger = provider.getLogger('orders');
  return {
    provider,
    results,
    emit(body, traceId, attributes = {}) {
      const context = traceId ? trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: traceId.slice(0, 16), traceFlags: TraceFlags.SAMPLED }) : ROOT_CONTEXT;
      logger.emit({ body, severityNumber: 9, severityText: 'INFO', attributes, context });
    },
    async flush() {
      // A failed export rejects forceFlush; the recorded result says what happened.
      await provider.forceFlush().catch(() => undefined);
    },
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}

/** Three interleaved sessions of `perSession` records each: bodies `<session>-<n> step <n>`. */
export function interleavedSessions(perSession: number): { traceId: string; body: string }[] {
  const traces = ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174f7a9d1f2b0a6e7c1', '0af7651916cd43dd8448eb211c80319c'];
  const out: { traceId: string; body: string }[] = [];
  for (let n = 0; n < perSession; n++) {
    for (const [i, traceId] of traces.entries()) out.push({ traceId, body: `session ${i} step ${n} took ${10 + n} ms` });
  }
  return out;
}
