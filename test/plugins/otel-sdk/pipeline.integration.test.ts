import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryIncidentSink } from '../../../src/incidents/index.js';
import { Pipeline } from '../../../src/pipeline/index.js';
import { initBackend, SequenceScorer } from '../../../src/scoring/index.js';
import { TemplateMiner } from '../../../src/templates/index.js';
import { ANOMALY_ATTRIBUTES, ANOMALY_EVENT_NAME, LogtriageLogRecordProcessor, TEMPLATE_ID_ATTRIBUTE, type LogtriageProcessorError } from '../../../plugins/otel-sdk/src/index.js';

/** The log lines of one normal request to a small shop service: cache hit, or miss and a query. */
function normalRequest(n: number): string[] {
  const lines = [`GET /api/items/${n} from 10.0.0.${n % 250}`];
  if (n % 3 === 0) lines.push(`cache hit for key item:${n}`);
  else lines.push(`cache miss for key item:${n}`, `query items took ${n % 40} ms`);
  lines.push(`response 200 in ${n % 90} ms`);
  return lines;
}

/** A request that fails in a way training never saw. */
function failingRequest(n: number): string[] {
  return [`GET /api/items/${n} from 10.0.0.7`, `cache miss for key item:${n}`, `database pool exhausted, waited ${n} ms for a connection`, `response 503 in ${n} ms`];
}

const traceIdOf = (n: number): string => n.toString(16).padStart(32, 'a');
const spanIdOf = (n: number): string => n.toString(16).padStart(16, 'b');

function emitRequest(logger: Logger, n: number, lines: string[]): void {
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: traceIdOf(n), spanId: spanIdOf(n), traceFlags: TraceFlags.SAMPLED });
  for (const body of lines) logger.emit({ body, severityNumber: SeverityNumber.INFO, context });
}

describe('LogtriageLogRecordProcessor with the real Pipeline and a trained tier-1 model', () => {
  const exporter = new InMemoryLogRecordExporter();
  const errors: LogtriageProcessorError[] = [];
  let pipeline: Pipeline;
  let processor: LogtriageLogRecordProcessor;
  let provider: LoggerProvider;

  beforeAll(async () => {
    await initBackend();
    // Train on the template ids the pipeline's own miner gives these lines, as `logtriage train` does.
    const miner = new TemplateMiner();
    const sessions = Array.from({ length: 60 }, (_, n) => normalRequest(n).map((line) => miner.add(line)!.templateId));
    const current = miner.templatesByAnyId();
    const { scorer } = await SequenceScorer.train(
      sessions.map((s) => s.map((id) => current.get(id)?.id ?? id)),
      { epochs: 5, seed: 7 },
    );
    pipeline = new Pipeline({ config: { sessions: { idleTimeoutMs: 60_000 } }, scorer, miner, sink: new MemoryIncidentSink(), persist: false });
    await pipeline.start();

    processor = new LogtriageLogRecordProcessor({ pipeline, onError: (error) => errors.push(error) });
    provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      processors: [processor, new SimpleLogRecordProcessor({ exporter })],
    });
    processor.setLoggerProvider(provider);
  }, 60_000);

  afterAll(async () => {
    await processor.shutdown();
    await provider.shutdown();
    await pipeline.dispose();
  });

  it('exports an anomaly record for the unusual trace and none for the normal one', async () => {
    const logger = provider.getLogger('shop-api');
    emitRequest(logger, 1001, normalRequest(1001));
    emitRequest(logger, 1002, failingRequest(1002));

    // Sessions close on shutdown (the idle timeout is a minute): shutdown flushes the pipeline
    // and the anomaly records reach the exporter before it resolves.
    await processor.shutdown();

    const records = exporter.getFinishedLogRecords();
    const appRecords = records.filter((r) => r.instrumentationScope.name === 'shop-api');
    expect(appRecords).toHaveLength(8);
    expect(appRecords.every((r) => typeof r.attributes[TEMPLATE_ID_ATTRIBUTE] === 'string')).toBe(true);

    const anomalies = records.filter((r) => r.eventName === ANOMALY_EVENT_NAME);
    expect(anomalies.map((r) => r.attributes[ANOMALY_ATTRIBUTES.sessionKey])).toEqual([traceIdOf(1002)]);
    const anomaly = anomalies[0]!;
    expect(anomaly.spanContext?.traceId).toBe(traceIdOf(1002));
    expect(anomaly.attributes).toMatchObject({
      [ANOMALY_ATTRIBUTES.sessionService]: 'shop',
      [ANOMALY_ATTRIBUTES.sessionEvents]: 4,
      [ANOMALY_ATTRIBUTES.modelVersion]: 'provided',
      [ANOMALY_ATTRIBUTES.incidentId]: expect.any(String),
    });
    expect(anomaly.attributes[ANOMALY_ATTRIBUTES.score]).toBeGreaterThan(anomaly.attributes[ANOMALY_ATTRIBUTES.threshold] as number);
    expect(anomaly.body).toMatch(new RegExp(`^logtriage: anomalous session ${traceIdOf(1002)} of shop \\(score [\\d.]+ > threshold [\\d.]+, 4 events\\), incident \\S+$`));
    // Both sessions were scored; only one was flagged.
    const metrics = await pipeline.metrics.metrics();
    expect(metrics).toMatch(/^logtriage_sessions_scored_total 2$/m);
    expect(metrics).toMatch(/^logtriage_sessions_flagged_total 1$/m);
    expect(errors).toEqual([]);
    expect(processor.stats).toMatchObject({ records: 8, ingested: 8, anomalies: 1, anomalyRecords: 1, dropped: 0 });
  });
});
