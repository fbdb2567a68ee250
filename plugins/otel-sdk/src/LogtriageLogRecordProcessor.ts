import { metrics, ROOT_CONTEXT, trace, type Context, type MeterProvider, type Observable, type BatchObservableCallback } from '@opentelemetry/api';
import { logs, SeverityNumber, type Logger, type LoggerProvider } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ConfigError } from '../../../src/util/errors.js';
import type { LogEvent } from '../../../src/ingest/LogEvent.js';
import {
  ANOMALY_EVENT_NAME,
  LOGTRIAGE_SCOPE,
  TEMPLATE_ATTRIBUTE,
  TEMPLATE_ID_ATTRIBUTE,
  type AnnotatedEvent,
  type Anomaly,
  type Backpressure,
  type EventPipeline,
  type TemplateAnnotation,
} from '../../../src/pipeline/types.js';
import { anomalyLogRecord } from './anomalyRecord.js';
import { LogtriageProcessorError, type LogtriageProcessorErrorCode } from './LogtriageProcessorError.js';
import { rateLimitedDiagWarn } from './rateLimitedDiagWarn.js';
import { DEFAULT_MAX_BODY_CHARS, toLogEvent } from './toLogEvent.js';

/** Options of {@link LogtriageLogRecordProcessor}. */
export interface LogtriageProcessorOptions {
  /**
   * The pipeline that mines templates, groups events into sessions and scores them. Required.
   * The processor does not own it: start it before and dispose it after the provider's shutdown.
   */
  pipeline: EventPipeline;
  /**
   * Provider whose `logtriage` logger emits the anomaly records. Usually the provider this
   * processor is registered with, which does not exist yet when the processor is built: then call
   * {@link LogtriageLogRecordProcessor.setLoggerProvider} once it does. Default: the global
   * `logs.getLoggerProvider()` of `@opentelemetry/api-logs`.
   */
  loggerProvider?: LoggerProvider;
  /**
   * Called with every internal error (the processor never throws into the SDK). Errors are
   * counted in {@link LogtriageProcessorStats.errors} either way; an `onError` that throws is
   * ignored. Default: a warning on OpenTelemetry's `diag` logger, at most one per 10 s.
   */
  onError?: (error: LogtriageProcessorError) => void;
  /**
   * Most events waiting to be handed to the pipeline (they wait while the pipeline reports
   * backpressure). Past it, further events are not analysed and are counted in
   * {@link LogtriageProcessorStats.dropped}; their records are exported all the same. Default 10,000.
   */
  maxBufferedEvents?: number;
  /**
   * Events are handed to `pipeline.ingest` at once when this many are buffered, else on the next
   * turn of the event loop (`setImmediate`). Default 256.
   */
  ingestBatchSize?: number;
  /**
   * Longest body text given to the template miner, in UTF-16 code units; longer bodies (and JSON
   * of non-string bodies) are cut. Default 16,384.
   */
  maxBodyChars?: number;
  /**
   * Longest wait for `pipeline.flush()` in {@link LogtriageLogRecordProcessor.shutdown}, in
   * milliseconds; past it shutdown resolves and reports `FLUSH_TIMEOUT`. Default 30,000.
   */
  flushTimeoutMillis?: number;
  /**
   * Where the processor's counters go as observable metrics (`logtriage.processor.*`). Default:
   * the global `metrics.getMeterProvider()` of `@opentelemetry/api` (a no-op until one is set).
   */
  meterProvider?: MeterProvider;
}

/** Counters of a {@link LogtriageLogRecordProcessor} since it was built. */
export interface LogtriageProcessorStats {
  /** Records analysed (annotated or attempted), logtriage's own records excluded. */
  records: number;
  /** logtriage's own records (scope `logtriage`), passed through without analysis. */
  skipped: number;
  /** Records that received template attributes. */
  annotated: number;
  /** Events handed to `pipeline.ingest`. */
  ingested: number;
  /** Events not analysed because the buffer was full (the records were still exported). */
  dropped: number;
  /** Events waiting to be handed to the pipeline now. */
  buffered: number;
  /** Internal errors (each also went to `onError`). */
  errors: number;
  /** Anomalies the pipeline reported. */
  anomalies: number;
  /** Anomaly records emitted. */
  anomalyRecords: number;
  /** Anomaly records the logger would not take (provider shut down or logger disabled). */
  anomalyRecordsRefused: number;
}

const DEFAULT_MAX_BUFFERED_EVENTS = 10_000;
const DEFAULT_INGEST_BATCH_SIZE = 256;
const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;

// While the pipeline reports backpressure the buffer is offered again after Retry-After, kept
// within these bounds: Retry-After is in whole seconds for remote clients, in-process a shorter
// poll catches up sooner, and a long one would only let the buffer overflow.
const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 1_000;

// Trace ids of recent events → a span of that trace, so an anomaly record can carry the trace
// context (the SDK takes a trace id only with a valid span id, and `Anomaly` has no span id).
const MAX_REMEMBERED_TRACES = 16_384;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`LogtriageLogRecordProcessor: ${name} must be a positive integer, got ${String(value)}; leave it out for the default ${fallback}`);
  }
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An sdk-logs `LogRecordProcessor` that feeds logtriage in-process. For each record it mines the
 * body's template and sets `logtriage.template.id` and `logtriage.template` on the record, then
 * hands the event to the pipeline for sessionisation and scoring (in batches, off the emitting
 * call). When the pipeline flags a session, it emits a `logtriage.anomaly` record through the
 * `logtriage` logger of the provider.
 *
 * Register it BEFORE the processor that exports: a record can be changed only while `onEmit`
 * runs, and only processors after this one see the template attributes.
 *
 * ```ts
 * const logtriage = new LogtriageLogRecordProcessor({ pipeline });
 * const provider = new LoggerProvider({ processors: [logtriage, new BatchLogRecordProcessor({ exporter })] });
 * logtriage.setLoggerProvider(provider);
 * ```
 *
 * `onEmit` never throws and never blocks on scoring; internal errors go to `onError`.
 */
export class LogtriageLogRecordProcessor implements LogRecordProcessor {
  private readonly pipeline: EventPipeline;
  private readonly onError: (error: LogtriageProcessorError) => void;
  private readonly maxBufferedEvents: number;
  private readonly ingestBatchSize: number;
  private readonly maxBodyChars: number;
  private readonly flushTimeoutMillis: number;

  private logger: Logger | undefined;
  private buffer: AnnotatedEvent[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private removeMetrics: (() => void) | undefined;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly spanOfTrace = new Map<string, { spanId: string; traceFlags: number }>();
  private readonly counters = {
    records: 0,
    skipped: 0,
    annotated: 0,
    ingested: 0,
    dropped: 0,
    errors: 0,
    anomalies: 0,
    anomalyRecords: 0,
    anomalyRecordsRefused: 0,
  };

  /** Throws {@link ConfigError} for a missing pipeline or an option out of range. */
  constructor(options: LogtriageProcessorOptions) {
    if (typeof options?.pipeline?.annotate !== 'function' || typeof options.pipeline.ingest !== 'function') {
      throw new ConfigError('LogtriageLogRecordProcessor: options.pipeline must be an EventPipeline (annotate, ingest, backpressure, onAnomaly, flush), e.g. new Pipeline({ ... })');
    }
    this.pipeline = options.pipeline;
    this.maxBufferedEvents = positiveInteger('maxBufferedEvents', options.maxBufferedEvents, DEFAULT_MAX_BUFFERED_EVENTS);
    this.ingestBatchSize = positiveInteger('ingestBatchSize', options.ingestBatchSize, DEFAULT_INGEST_BATCH_SIZE);
    this.maxBodyChars = positiveInteger('maxBodyChars', options.maxBodyChars, DEFAULT_MAX_BODY_CHARS);
    this.flushTimeoutMillis = positiveInteger('flushTimeoutMillis', options.flushTimeoutMillis, DEFAULT_FLUSH_TIMEOUT_MS);
    const warn = rateLimitedDiagWarn();
    this.onError = options.onError ?? ((error) => warn(`logtriage processor: ${error.code}: ${error.message}`));
    if (options.loggerProvider) this.setLoggerProvider(options.loggerProvider);
    try {
      this.unsubscribe = this.pipeline.onAnomaly((anomaly) => this.emitAnomaly(anomaly));
    } catch (error) {
      this.report('SUBSCRIBE_FAILED', `pipeline.onAnomaly threw (${messageOf(error)}); no anomaly records will be emitted`, error);
    }
    this.removeMetrics = this.registerMetrics(options.meterProvider);
  }

  /**
   * Sets the provider whose `logtriage` logger emits anomaly records: normally the provider this
   * processor is registered with. Takes the logger at once, because a provider that has begun to
   * shut down hands out only no-op loggers.
   */
  setLoggerProvider(provider: LoggerProvider): void {
    this.logger = provider.getLogger(LOGTRIAGE_SCOPE);
  }

  /** The counters so far (a copy). */
  get stats(): LogtriageProcessorStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /**
   * Annotates the record with its template and queues its event for the pipeline. Synchronous,
   * never throws; ignores logtriage's own records and, after `shutdown`, every record.
   */
  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    if (this.closed) return;
    try {
      if (record.instrumentationScope?.name === LOGTRIAGE_SCOPE) {
        this.counters.skipped++;
        return;
      }
      this.counters.records++;
      // Taken on the first record, before the provider can have begun to shut down.
      this.logger ??= logs.getLoggerProvider().getLogger(LOGTRIAGE_SCOPE);
      let event: LogEvent;
      try {
        event = toLogEvent(record, { maxBodyChars: this.maxBodyChars });
      } catch (error) {
        this.report('CONVERT_FAILED', `could not read the log record (${messageOf(error)}); it is exported without template attributes`, error);
        return;
      }
      let annotation: TemplateAnnotation;
      try {
        annotation = this.pipeline.annotate(event);
      } catch (error) {
        this.report('ANNOTATE_FAILED', `pipeline.annotate threw (${messageOf(error)}); the record is exported without template attributes`, error);
        return;
      }
      record.setAttribute(TEMPLATE_ID_ATTRIBUTE, annotation.templateId);
      record.setAttribute(TEMPLATE_ATTRIBUTE, annotation.template);
      this.counters.annotated++;
      this.rememberSpan(event, record.spanContext?.traceFlags ?? 0);
      this.enqueue({ event, templateId: annotation.templateId });
    } catch (error) {
      this.report('ON_EMIT_FAILED', `processing a log record failed (${messageOf(error)}); the record is exported, its analysis skipped`, error);
    }
  }

  /**
   * Hands the buffered events to the pipeline and resolves. Does not flush the pipeline: that
   * would close every open session, which a periodic flush must not do.
   */
  forceFlush(): Promise<void> {
    if (!this.closed) this.drain(true);
    return Promise.resolve();
  }

  /**
   * Hands the buffered events over, waits for `pipeline.flush()` (open sessions are closed and
   * scored, so their anomaly records are emitted now), then unsubscribes. Safe to call more than
   * once (later calls return the first call's promise); resolves, never rejects. From the first
   * call on, `onEmit` ignores records.
   *
   * Call it yourself before `provider.shutdown()`: the provider stops taking records (anomaly
   * records included) as soon as its own shutdown begins, before it calls this.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.shutdownOnce();
    return this.shutdownPromise;
  }

  private async shutdownOnce(): Promise<void> {
    this.closed = true;
    this.drain(true);
    await this.flushPipeline();
    try {
      this.unsubscribe?.();
    } catch (error) {
      this.report('UNSUBSCRIBE_FAILED', `unsubscribing from pipeline anomalies threw (${messageOf(error)})`, error);
    }
    this.unsubscribe = undefined;
    this.removeMetrics?.();
    this.removeMetrics = undefined;
  }

  private async flushPipeline(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.flushTimeoutMillis);
      timer.unref();
    });
    try {
      const flushed = Promise.resolve().then(() => this.pipeline.flush());
      const outcome = await Promise.race([flushed.then(() => 'flushed' as const), timeout]);
      if (outcome === 'timeout') {
        // The late flush may still reject: keep that off the unhandled-rejection path.
        flushed.catch(() => undefined);
        this.report('FLUSH_TIMEOUT', `pipeline.flush() did not finish within ${this.flushTimeoutMillis} ms; sessions still being scored may emit no anomaly record`);
      }
    } catch (error) {
      this.report('FLUSH_FAILED', `pipeline.flush() failed (${messageOf(error)}); the last sessions may not have been scored`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private enqueue(item: AnnotatedEvent): void {
    if (this.buffer.length >= this.maxBufferedEvents) {
      this.counters.dropped++;
      return;
    }
    this.buffer.push(item);
    // While the pipeline pushes back, the retry timer alone offers the buffer again.
    if (this.retryTimer) return;
    if (this.buffer.length >= this.ingestBatchSize) this.drain(false);
    else this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.drain(false);
    });
  }

  /** Hands the buffer to the pipeline; unless `force`, only when it reports no backpressure. */
  private drain(force: boolean): void {
    try {
      if (force) this.clearTimers();
      if (this.buffer.length === 0) return;
      if (!force) {
        const backpressure = this.backpressure();
        if (backpressure) {
          this.scheduleRetry(backpressure.retryAfterSeconds);
          return;
        }
      }
      const batch = this.buffer;
      this.buffer = [];
      try {
        this.pipeline.ingest(batch);
        this.counters.ingested += batch.length;
      } catch (error) {
        this.report('INGEST_FAILED', `pipeline.ingest threw (${messageOf(error)}); ${batch.length} events were not analysed`, error);
      }
    } catch (error) {
      // Runs from setImmediate and timers too, where a throw would crash the application.
      this.report('INGEST_FAILED', `handing events to the pipeline failed (${messageOf(error)})`, error);
    }
  }

  private backpressure(): Backpressure | undefined {
    try {
      return this.pipeline.backpressure();
    } catch (error) {
      this.report('BACKPRESSURE_FAILED', `pipeline.backpressure threw (${messageOf(error)}); events are handed over anyway`, error);
      return undefined;
    }
  }

  private scheduleRetry(retryAfterSeconds: number): void {
    if (this.retryTimer) return;
    const requested = Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : MAX_RETRY_MS;
    const delay = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, requested));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drain(false);
    }, delay);
    // Waiting analysis must not keep the application alive.
    this.retryTimer.unref();
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.immediate = undefined;
    this.retryTimer = undefined;
  }

  private rememberSpan(event: LogEvent, traceFlags: number): void {
    if (event.traceId === undefined || event.spanId === undefined || this.spanOfTrace.has(event.traceId)) return;
    this.spanOfTrace.set(event.traceId, { spanId: event.spanId, traceFlags });
    if (this.spanOfTrace.size > MAX_REMEMBERED_TRACES) {
      const oldest = this.spanOfTrace.keys().next();
      if (!oldest.done) this.spanOfTrace.delete(oldest.value);
    }
  }

  /** The context of an anomaly record: its session's trace when known, else none at all. */
  private contextFor(anomaly: Anomaly): Context {
    // Explicit, because the listener may run inside some request's async context, whose trace
    // the record would otherwise inherit.
    if (anomaly.traceId === undefined) return ROOT_CONTEXT;
    const span = this.spanOfTrace.get(anomaly.traceId);
    if (!span) return ROOT_CONTEXT;
    return trace.setSpanContext(ROOT_CONTEXT, { traceId: anomaly.traceId, spanId: span.spanId, traceFlags: span.traceFlags, isRemote: true });
  }

  private emitAnomaly(anomaly: Anomaly): void {
    try {
      this.counters.anomalies++;
      const logger = (this.logger ??= logs.getLoggerProvider().getLogger(LOGTRIAGE_SCOPE));
      const context = this.contextFor(anomaly);
      const enabled = typeof logger.enabled === 'function' ? logger.enabled({ context, severityNumber: SeverityNumber.WARN, eventName: ANOMALY_EVENT_NAME }) : true;
      if (!enabled) {
        this.counters.anomalyRecordsRefused++;
        this.report(
          'ANOMALY_RECORD_REFUSED',
          `the "${LOGTRIAGE_SCOPE}" logger refused the anomaly record of incident ${anomaly.incidentId}: no logger provider was set (call setLoggerProvider), ` +
            `the provider is shutting down (call processor.shutdown() before provider.shutdown()), or a logger configurator disables "${LOGTRIAGE_SCOPE}"`,
        );
        return;
      }
      logger.emit({ ...anomalyLogRecord(anomaly), context });
      this.counters.anomalyRecords++;
    } catch (error) {
      this.report('ANOMALY_EMIT_FAILED', `emitting the anomaly record of incident ${anomaly?.incidentId} failed (${messageOf(error)})`, error);
    }
  }

  private registerMetrics(meterProvider: MeterProvider | undefined): (() => void) | undefined {
    try {
      const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(LOGTRIAGE_SCOPE);
      const counter = (name: string, description: string): Observable => meter.createObservableCounter(`logtriage.processor.${name}`, { description, unit: '{event}' });
      const instruments = {
        records: counter('records', 'Log records the logtriage processor analysed (its own anomaly records excluded).'),
        dropped: counter('dropped', 'Events not analysed because the processor buffer was full; their records were still exported.'),
        errors: counter('errors', 'Internal errors of the logtriage processor (reported to onError).'),
        anomalyRecords: counter('anomaly_records', 'Anomaly records the logtriage processor emitted.'),
        buffered: meter.createObservableGauge('logtriage.processor.buffered', { description: 'Events waiting to be handed to the pipeline.', unit: '{event}' }),
      };
      const callback: BatchObservableCallback = (result) => {
        result.observe(instruments.records, this.counters.records);
        result.observe(instruments.dropped, this.counters.dropped);
        result.observe(instruments.errors, this.counters.errors);
        result.observe(instruments.anomalyRecords, this.counters.anomalyRecords);
        result.observe(instruments.buffered, this.buffer.length);
      };
      const observables = Object.values(instruments);
      meter.addBatchObservableCallback(callback, observables);
      return () => {
        try {
          meter.removeBatchObservableCallback(callback, observables);
        } catch {
          // A meter that cannot remove its callback only keeps reporting final counts.
        }
      };
    } catch (error) {
      this.report('METRICS_FAILED', `registering the processor metrics failed (${messageOf(error)})`, error);
      return undefined;
    }
  }

  private report(code: LogtriageProcessorErrorCode, message: string, cause?: unknown): void {
    this.counters.errors++;
    try {
      this.onError(new LogtriageProcessorError(code, message, cause === undefined ? undefined : { cause }));
    } catch {
      // The error hook is the last stop: a hook that throws must not reach the SDK either.
    }
  }
}
