import { LogtriageError } from '../../../src/util/errors.js';

/**
 * What went wrong inside the processor. None of these reach the OpenTelemetry SDK or the
 * application: the record is exported whatever happens, only its analysis is lost.
 *
 * - `CONVERT_FAILED`: the record could not be turned into a `LogEvent`;
 * - `ANNOTATE_FAILED`: `pipeline.annotate` threw (the record goes on without template attributes);
 * - `INGEST_FAILED`: `pipeline.ingest` threw (that batch of events is not analysed);
 * - `BACKPRESSURE_FAILED`: `pipeline.backpressure` threw (treated as no backpressure);
 * - `ANOMALY_EMIT_FAILED`: building or emitting an anomaly record threw;
 * - `ANOMALY_RECORD_REFUSED`: the logger would not take an anomaly record (its provider is shut
 *   down, or a logger configurator disabled the `logtriage` logger); the incident itself is stored
 *   by the pipeline;
 * - `FLUSH_FAILED` / `FLUSH_TIMEOUT`: `pipeline.flush` rejected or outlasted `flushTimeoutMillis`
 *   during `shutdown`;
 * - `SUBSCRIBE_FAILED` / `UNSUBSCRIBE_FAILED`: `pipeline.onAnomaly` or its unsubscribe threw;
 * - `METRICS_FAILED`: the meter provider would not register the processor's metrics;
 * - `ON_EMIT_FAILED`: anything else that failed while `onEmit` ran.
 */
export type LogtriageProcessorErrorCode =
  | 'CONVERT_FAILED'
  | 'ANNOTATE_FAILED'
  | 'INGEST_FAILED'
  | 'BACKPRESSURE_FAILED'
  | 'ANOMALY_EMIT_FAILED'
  | 'ANOMALY_RECORD_REFUSED'
  | 'FLUSH_FAILED'
  | 'FLUSH_TIMEOUT'
  | 'SUBSCRIBE_FAILED'
  | 'UNSUBSCRIBE_FAILED'
  | 'METRICS_FAILED'
  | 'ON_EMIT_FAILED';

/** An error the processor reports through its `onError` hook (never throws). */
export class LogtriageProcessorError extends LogtriageError {
  declare readonly code: LogtriageProcessorErrorCode;

  constructor(code: LogtriageProcessorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
