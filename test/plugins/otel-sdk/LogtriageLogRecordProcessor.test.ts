import { context, diag, DiagLogLevel, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager, type DiagLogger } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/util/errors.js';
import type { EventPipeline } from '../../../src/pipeline/types.js';
import {
  ANOMALY_ATTRIBUTES,
  ANOMALY_EVENT_NAME,
  LOGTRIAGE_SCOPE,
  LogtriageLogRecordProcessor,
  TEMPLATE_ATTRIBUTE,
  TEMPLATE_ID_ATTRIBUTE,
  type LogtriageProcessorError,
  type LogtriageProcessorOptions,
} from '../../../plugins/otel-sdk/src/index.js';
import { FakePipeline, makeAnomaly } from './fakePipeline.js';

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_A = '00f067aa0ba902b7';

function traceContext(traceId: string, spanId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The real sdk-logs provider with logtriage first and an in-memory exporter after it. */
function setup<P extends EventPipeline = FakePipeline>(options: Partial<LogtriageProcessorOptions> & { pipeline?: P } = {}) {
  const pipeline = (options.pipeline ?? new FakePipeline()) as P;
  const errors: LogtriageProcessorError[] = [];
  const processor = new LogtriageLogRecordProcessor({ onError: (error) => errors.push(error), ...options, pipeline });
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    processors: [processor, new SimpleLogRecordProcessor({ exporter })],
  });
  processor.setLoggerProvider(provider);
  cleanups.push(async () => {
    await processor.shutdown();
    await provider.shutdown();
  });
  const logger = provider.getLogger('shop', '1.0.0');
  const exported = (): ReadableLogRecord[] => exporter.getFinishedLogRecords();
  const anomalyRecords = (): ReadableLogRecord[] => exported().filter((r) => r.eventName === ANOMALY_EVENT_NAME);
  return { pipeline, processor, exporter, provider, logger, errors, exported, anomalyRecords };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LogtriageLogRecordProcessor', () => {
  it('annotates records with template id and text before the exporter sees them', () => {
    const { logger, exported } = setup();
    logger.emit({ body: 'Connection to 10.0.0.5 timed out after 3000 ms' });
    logger.emit({ body: 'Connection to 10.0.0.9 timed out after 4500 ms' });
    logger.emit({ body: 'Worker pool drained' });

    const records = exported();
    expect(records).toHaveLength(3);
    const [first, second, third] = records.map((r) => r.attributes);
    expect(first?.[TEMPLATE_ID_ATTRIBUTE]).toEqual(expect.any(String));
    expect(second?.[TEMPLATE_ID_ATTRIBUTE]).toBe(first?.[TEMPLATE_ID_ATTRIBUTE]);
    expect(second?.[TEMPLATE_ATTRIBUTE]).toBe('Connection to <*> timed out after <*>'); // the miner masks `3000 ms` as one duration
    expect(third?.[TEMPLATE_ID_ATTRIBUTE]).not.toBe(first?.[TEMPLATE_ID_ATTRIBUTE]);
    expect(third?.[TEMPLATE_ATTRIBUTE]).toBe('Worker pool drained');
  });

  it('hands the events to the pipeline after onEmit returns, as one batch, converted to LogEvents', async () => {
    const { pipeline, logger } = setup();
    logger.emit({
      body: 'order 17 placed',
      severityNumber: SeverityNumber.INFO,
      severityText: 'info',
      attributes: { 'http.route': '/orders', retries: 2, blob: new Uint8Array(4) },
      timestamp: new Date('2025-01-02T03:04:05.678Z'),
      context: traceContext(TRACE_A, SPAN_A),
    });
    logger.emit({ body: 'order 18 placed' });
    expect(pipeline.batches).toHaveLength(0);

    await nextTurn();
    expect(pipeline.batches).toHaveLength(1);
    const [first, second] = pipeline.batches[0]!;
    expect(second?.templateId).toBe(first?.templateId);
    expect(first?.event).toEqual({
      timestamp: Date.parse('2025-01-02T03:04:05.678Z'),
      observedTime: expect.any(Number),
      body: 'order 17 placed',
      severityNumber: SeverityNumber.INFO,
      severityText: 'info',
      // A copy taken before the template attributes were added.
      attributes: { 'http.route': '/orders', retries: 2, blob: '<4 bytes>' },
      resource: expect.objectContaining({ 'service.name': 'shop' }),
      traceId: TRACE_A,
      spanId: SPAN_A,
    });
    expect(second?.event.traceId).toBeUndefined();
  });

  it('hands a full batch over at once when ingestBatchSize events are buffered', () => {
    const { pipeline, logger } = setup({ ingestBatchSize: 4 });
    for (let i = 0; i < 5; i++) logger.emit({ body: `request ${i} done` });
    expect(pipeline.batches.map((b) => b.length)).toEqual([4]);
  });

  it('mines non-string bodies as JSON cut to maxBodyChars, and bodiless events by their event name', async () => {
    const { pipeline, logger, exported } = setup({ maxBodyChars: 40 });
    logger.emit({ body: { user: 'alice', items: [1, 2, 3] } });
    logger.emit({ body: 'x'.repeat(1000) });
    logger.emit({ eventName: 'cart.checkout', attributes: { items: 3 } });
    await nextTurn();
    expect(pipeline.ingested.map((e) => e.event.body)).toEqual(['{"user":"alice","items":[1,2,3]}', 'x'.repeat(40), 'cart.checkout']);
    // The record itself is exported unchanged.
    expect(exported()[1]?.body).toBe('x'.repeat(1000));
  });

  it('passes its own records (scope "logtriage") through without analysing them', async () => {
    const { pipeline, provider, processor, exported } = setup();
    provider.getLogger(LOGTRIAGE_SCOPE).emit({ body: 'logtriage: anomalous session s (score 9.0 > threshold 1.0), incident 7' });
    await nextTurn();
    expect(exported()).toHaveLength(1);
    expect(exported()[0]?.attributes[TEMPLATE_ID_ATTRIBUTE]).toBeUndefined();
    expect(pipeline.ingested).toHaveLength(0);
    expect(processor.stats).toMatchObject({ skipped: 1, records: 0 });
  });

  it('emits an anomaly record with its attributes through the provider, in the trace of the session', () => {
    const { pipeline, processor, logger, anomalyRecords } = setup();
    logger.emit({ body: 'payment 55 failed', context: traceContext(TRACE_A, SPAN_A) });
    pipeline.raise(makeAnomaly({ traceId: TRACE_A, category: 'dependency_failure', explanation: 'The payment gateway refused the card.' }));

    const records = anomalyRecords();
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record.instrumentationScope.name).toBe(LOGTRIAGE_SCOPE);
    expect(record.severityNumber).toBe(SeverityNumber.WARN);
    expect(record.severityText).toBe('WARN');
    expect(record.body).toBe(
      'logtriage: anomalous session 4bf92f3577b34da6a3ce929d0e0e4736 of checkout (score 12.3 > threshold 7.1, 2 events), dependency_failure, incident inc-1',
    );
    expect(record.attributes).toEqual({
      [ANOMALY_ATTRIBUTES.score]: 12.34,
      [ANOMALY_ATTRIBUTES.threshold]: 7.08,
      [ANOMALY_ATTRIBUTES.sessionKey]: TRACE_A,
      [ANOMALY_ATTRIBUTES.incidentId]: 'inc-1',
      [ANOMALY_ATTRIBUTES.sessionService]: 'checkout',
      [ANOMALY_ATTRIBUTES.sessionEvents]: 2,
      [ANOMALY_ATTRIBUTES.modelVersion]: 'lstm-20250101T000000Z',
      [ANOMALY_ATTRIBUTES.category]: 'dependency_failure',
      [ANOMALY_ATTRIBUTES.explanation]: 'The payment gateway refused the card.',
    });
    expect(record.spanContext?.traceId).toBe(TRACE_A);
    expect(record.spanContext?.spanId).toBe(SPAN_A);
    expect(processor.stats).toMatchObject({ anomalies: 1, anomalyRecords: 1, skipped: 1 });
  });

  it('gives an anomaly record without a known trace no trace context, even inside an active span', () => {
    const manager = new StackContextManager();
    context.setGlobalContextManager(manager);
    cleanups.push(async () => context.disable());
    const { pipeline, anomalyRecords } = setup();
    context.with(traceContext('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'), () => {
      pipeline.raise(makeAnomaly({ sessionKey: 'user-42', service: undefined, category: undefined }));
    });
    const record = anomalyRecords()[0];
    expect(record?.spanContext).toBeUndefined();
    expect(record?.attributes[ANOMALY_ATTRIBUTES.sessionService]).toBeUndefined();
    expect(record?.attributes[ANOMALY_ATTRIBUTES.category]).toBeUndefined();
  });

  it('never throws into the SDK when every pipeline method throws, and the records still reach the exporter', async () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const throwing: EventPipeline = { annotate: boom, ingest: boom, backpressure: boom, onAnomaly: boom, flush: () => Promise.reject(new Error('flush boom')) };
    const { logger, exported, errors, processor } = setup({ pipeline: throwing });
    expect(() => logger.emit({ body: 'order 1 placed' })).not.toThrow();
    expect(exported()).toHaveLength(1);
    expect(exported()[0]?.attributes[TEMPLATE_ID_ATTRIBUTE]).toBeUndefined();
    await expect(processor.forceFlush()).resolves.toBeUndefined();
    await expect(processor.shutdown()).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIBE_FAILED', 'ANNOTATE_FAILED', 'FLUSH_FAILED']);
    expect(errors[1]?.cause).toBeInstanceOf(Error);
  });

  it('reports a throwing ingest from the deferred hand-over instead of crashing the process', async () => {
    const pipeline = new FakePipeline();
    pipeline.ingest = () => {
      throw new Error('sessions full');
    };
    const { logger, exported, errors } = setup({ pipeline });
    logger.emit({ body: 'order 1 placed' });
    logger.emit({ body: 'order 2 placed' });
    await nextTurn();
    expect(exported().every((r) => typeof r.attributes[TEMPLATE_ID_ATTRIBUTE] === 'string')).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['INGEST_FAILED']);
    expect(errors[0]?.message).toContain('2 events were not analysed');
  });

  it('survives an onError hook that throws, and an anomaly it cannot read', () => {
    const pipeline = new FakePipeline();
    pipeline.annotate = () => {
      throw new Error('miner broke');
    };
    const { logger, processor } = setup({
      pipeline,
      onError: () => {
        throw new Error('hook broke too');
      },
    });
    expect(() => logger.emit({ body: 'x' })).not.toThrow();
    expect(() => pipeline.raise(null as never)).not.toThrow();
    expect(processor.stats.errors).toBe(2);
  });

  it('by default warns through diag at most once per 10 s and counts every error', () => {
    const warnings: string[] = [];
    const diagLogger: DiagLogger = { error: () => {}, warn: (message) => warnings.push(message), info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(diagLogger, DiagLogLevel.WARN);
    cleanups.push(async () => diag.disable());
    const pipeline = new FakePipeline();
    pipeline.annotate = () => {
      throw new Error('miner broke');
    };
    const processor = new LogtriageLogRecordProcessor({ pipeline });
    const provider = new LoggerProvider({ processors: [processor] });
    cleanups.push(() => provider.shutdown());
    const logger = provider.getLogger('app');
    for (let i = 0; i < 100; i++) logger.emit({ body: `line ${i}` });
    expect(processor.stats.errors).toBe(100);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^logtriage processor: ANNOTATE_FAILED: pipeline\.annotate threw \(miner broke\)/);
  });

  it('keeps exporting records while the buffer is full, counts the events it drops, and catches up when the pipeline does', async () => {
    const pipeline = new FakePipeline();
    pipeline.pressure = { retryAfterSeconds: 0, reason: 'scoring queue full' };
    const { logger, exported, processor } = setup({ pipeline, maxBufferedEvents: 10, ingestBatchSize: 4 });
    for (let i = 0; i < 25; i++) logger.emit({ body: `request ${i} done` });
    await nextTurn();

    expect(exported()).toHaveLength(25);
    expect(exported().every((r) => typeof r.attributes[TEMPLATE_ID_ATTRIBUTE] === 'string')).toBe(true);
    expect(pipeline.ingested).toHaveLength(0);
    expect(processor.stats).toMatchObject({ records: 25, annotated: 25, dropped: 15, buffered: 10, ingested: 0 });

    pipeline.pressure = undefined;
    await vi.waitFor(() => expect(pipeline.ingested).toHaveLength(10), { timeout: 2000 });
    expect(pipeline.ingested.map((e) => e.event.body)).toEqual(Array.from({ length: 10 }, (_, i) => `request ${i} done`));
    expect(processor.stats).toMatchObject({ dropped: 15, buffered: 0, ingested: 10 });
  });

  it('forceFlush hands the buffer over without flushing the pipeline (which would close open sessions)', async () => {
    const { pipeline, logger, provider } = setup();
    logger.emit({ body: 'a 1' });
    logger.emit({ body: 'a 2' });
    await provider.forceFlush();
    expect(pipeline.ingested).toHaveLength(2);
    expect(pipeline.flushes).toBe(0);
  });

  it('shutdown hands the buffer over, flushes the pipeline once, exports what flushing found, and is idempotent', async () => {
    const { pipeline, logger, processor, exported, anomalyRecords } = setup();
    let ingestedAtFlush = -1;
    pipeline.onFlush = async () => {
      ingestedAtFlush = pipeline.ingested.length;
      await nextTurn();
      pipeline.raise(makeAnomaly({ incidentId: 'inc-closing' }));
    };
    logger.emit({ body: 'checkout 1 started' });

    const first = processor.shutdown();
    const second = processor.shutdown();
    expect(second).toBe(first);
    await first;
    await processor.shutdown();

    expect(ingestedAtFlush).toBe(1);
    expect(pipeline.flushes).toBe(1);
    expect(pipeline.listenerCount).toBe(0);
    expect(anomalyRecords().map((r) => r.attributes[ANOMALY_ATTRIBUTES.incidentId])).toEqual(['inc-closing']);

    // After shutdown records pass untouched and are not analysed.
    logger.emit({ body: 'checkout 2 started' });
    await nextTurn();
    expect(exported().at(-1)?.attributes[TEMPLATE_ID_ATTRIBUTE]).toBeUndefined();
    expect(pipeline.ingested).toHaveLength(1);
  });

  it('reports anomaly records the provider refuses when provider.shutdown() runs before processor.shutdown()', async () => {
    const { pipeline, provider, processor, errors } = setup();
    pipeline.onFlush = () => pipeline.raise(makeAnomaly());
    await provider.shutdown();
    expect(pipeline.flushes).toBe(1);
    expect(processor.stats).toMatchObject({ anomalies: 1, anomalyRecords: 0, anomalyRecordsRefused: 1 });
    expect(errors.map((e) => e.code)).toEqual(['ANOMALY_RECORD_REFUSED']);
    expect(errors[0]?.message).toContain('call processor.shutdown() before provider.shutdown()');
  });

  it('resolves shutdown after flushTimeoutMillis when the pipeline never finishes flushing', async () => {
    const pipeline = new FakePipeline();
    pipeline.flush = () => new Promise<void>(() => {});
    const { processor, errors } = setup({ pipeline, flushTimeoutMillis: 50 });
    await expect(processor.shutdown()).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['FLUSH_TIMEOUT']);
  });

  it('falls back to the global logger provider when none was set', () => {
    const pipeline = new FakePipeline();
    const processor = new LogtriageLogRecordProcessor({ pipeline });
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [processor, new SimpleLogRecordProcessor({ exporter })] });
    logs.setGlobalLoggerProvider(provider);
    cleanups.push(async () => {
      logs.disable();
      await processor.shutdown();
      await provider.shutdown();
    });
    pipeline.raise(makeAnomaly({ incidentId: 'inc-global' }));
    expect(exporter.getFinishedLogRecords().map((r) => r.attributes[ANOMALY_ATTRIBUTES.incidentId])).toEqual(['inc-global']);
  });

  it('rejects options out of range with a ConfigError naming the option', () => {
    const pipeline = new FakePipeline();
    expect(() => new LogtriageLogRecordProcessor({ pipeline, maxBufferedEvents: 0 })).toThrow(ConfigError);
    expect(() => new LogtriageLogRecordProcessor({ pipeline, maxBodyChars: 1.5 })).toThrow(/maxBodyChars must be a positive integer, got 1.5/);
    expect(() => new LogtriageLogRecordProcessor({} as LogtriageProcessorOptions)).toThrow(/options\.pipeline must be an EventPipeline/);
  });
});

/** A synchronous context manager, enough for `context.with` in a test (no async propagation). */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(_ctx: Context, target: T): T {
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
