import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLogsProtobuf, encodeLogsProtobuf, type OtlpAnyValue, type OtlpLogsRequest } from '../../../src/ingest/otlp/index.js';
import { AnomalyPublisher } from '../../../plugins/otel-collector/src/AnomalyPublisher.js';
import { anomalyLogsRequest } from '../../../plugins/otel-collector/src/anomalyRecords.js';
import { ANOMALY_ATTRIBUTES } from '../../../src/pipeline/anomalyRecord.js';
import { OtlpHttpForwarder, type ForwardResult, type LogForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';
import { Downstream, RecordingPipeline, sampleAnomaly, waitFor } from './helpers.js';

// protobufjs keeps oneof defaults on the prototype: only own properties say which member is set.
function scalar(value: OtlpAnyValue | null | undefined): unknown {
  if (!value) return undefined;
  const own = (key: keyof OtlpAnyValue): boolean => Object.prototype.hasOwnProperty.call(value, key);
  if (own('stringValue')) return value.stringValue;
  if (own('doubleValue')) return value.doubleValue;
  if (own('intValue')) return Number(String(value.intValue));
  return undefined;
}

function attributeMap(values: { key: string; value?: OtlpAnyValue | null }[]): Record<string, unknown> {
  return Object.fromEntries(values.map((kv) => [kv.key, scalar(kv.value)]));
}

describe('anomalyLogsRequest', () => {
  it('makes one WARN record per anomaly from service logtriage, scope logtriage, that survives the wire', () => {
    const request = decodeLogsProtobuf(
      encodeLogsProtobuf(anomalyLogsRequest([sampleAnomaly({ spanId: '00f067aa0ba902b7' }), sampleAnomaly({ incidentId: 'inc-43', traceId: undefined, spanId: '00f067aa0ba902b7', service: undefined })], 1_700_000_002_000)),
    );
    const rl = request.resourceLogs[0]!;
    expect(attributeMap(rl.resource!.attributes)).toEqual({ 'service.name': 'logtriage' });
    expect(rl.scopeLogs[0]!.scope?.name).toBe('logtriage');
    const [first, second] = rl.scopeLogs[0]!.logRecords;
    expect(first!.eventName).toBe('logtriage.anomaly');
    expect(first!.severityNumber).toBe(13);
    expect(first!.severityText).toBe('WARN');
    expect(first!.body?.stringValue).toBe('logtriage: anomalous session blk_-1608999687919862906 of hdfs-datanode (score 12.3 > threshold 7.1, 2 events), incident inc-42');
    expect(String(first!.timeUnixNano)).toBe('1700000001500000000');
    expect(String(first!.observedTimeUnixNano)).toBe('1700000002000000000');
    expect(Buffer.from(first!.traceId!).toString('hex')).toBe('5b8efff798038103d269b633813fc60c');
    expect(Buffer.from(first!.spanId!).toString('hex')).toBe('00f067aa0ba902b7');
    expect(attributeMap(first!.attributes)).toEqual({
      [ANOMALY_ATTRIBUTES.score]: 12.345,
      [ANOMALY_ATTRIBUTES.threshold]: 7.08,
      [ANOMALY_ATTRIBUTES.sessionKey]: 'blk_-1608999687919862906',
      [ANOMALY_ATTRIBUTES.incidentId]: 'inc-42',
      [ANOMALY_ATTRIBUTES.sessionEvents]: 2,
      [ANOMALY_ATTRIBUTES.modelVersion]: 'lstm-v3',
      [ANOMALY_ATTRIBUTES.sessionService]: 'hdfs-datanode',
    });
    expect(second!.traceId?.length ?? 0).toBe(0);
    expect(second!.spanId?.length ?? 0).toBe(0);
    expect(second!.attributes.map((a) => a.key)).not.toContain(ANOMALY_ATTRIBUTES.sessionService);
  });

  it('adds the category and explanation when triaged, and keeps the body on one line', () => {
    const request = anomalyLogsRequest([sampleAnomaly({ sessionKey: 'user\nINFO forged line', category: 'resource exhaustion', explanation: 'The disk filled up.' })]);
    const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record.body?.stringValue).not.toContain('\n');
    expect(record.body?.stringValue).toContain('user INFO forged line');
    const attributes = attributeMap(record.attributes);
    expect(attributes[ANOMALY_ATTRIBUTES.category]).toBe('resource exhaustion');
    expect(attributes[ANOMALY_ATTRIBUTES.explanation]).toBe('The disk filled up.');
  });
});

/** A forwarder that records requests and answers from a script. */
class ScriptedForwarder implements LogForwarder {
  readonly sent: OtlpLogsRequest[] = [];
  readonly answers: ForwardResult[] = [];

  send(request: OtlpLogsRequest): Promise<ForwardResult> {
    this.sent.push(request);
    return Promise.resolve(this.answers.shift() ?? { ok: true });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

const count = (request: OtlpLogsRequest): number => request.resourceLogs[0]!.scopeLogs[0]!.logRecords.length;

async function publisherMetric(registry: Registry, outcome: string): Promise<number> {
  const values = (await registry.getSingleMetric('logtriage_anomaly_records_total')?.get())?.values ?? [];
  return values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);
}

describe('AnomalyPublisher', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('sends the anomalies the pipeline reports, in batches', async () => {
    const pipeline = new RecordingPipeline();
    const forwarder = new ScriptedForwarder();
    const registry = new Registry();
    const publisher = new AnomalyPublisher({ pipeline, forwarder, maxBatch: 3, flushIntervalMs: 20, registry });
    cleanup.push(() => publisher.dispose());
    for (let i = 0; i < 7; i++) pipeline.emit(sampleAnomaly({ incidentId: `inc-${i}` }));
    await waitFor(() => forwarder.sent.reduce((n, r) => n + count(r), 0) === 7);
    expect(forwarder.sent.map(count)).toEqual([3, 3, 1]);
    expect(await publisherMetric(registry, 'sent')).toBe(7);
  });

  it('keeps a batch refused retryably and sends it again later', async () => {
    const pipeline = new RecordingPipeline();
    const forwarder = new ScriptedForwarder();
    forwarder.answers.push({ ok: false, retryable: true, overloaded: false, retryAfterSeconds: 0, message: 'down' });
    const publisher = new AnomalyPublisher({ pipeline, forwarder, flushIntervalMs: 20 });
    cleanup.push(() => publisher.dispose());
    pipeline.emit(sampleAnomaly());
    await waitFor(() => forwarder.sent.length === 2);
    expect(publisher.queued).toBe(0);
    expect(forwarder.sent.map(count)).toEqual([1, 1]);
  });

  it('drops and counts what does not fit in the queue, and what downstream refuses for good', async () => {
    const pipeline = new RecordingPipeline();
    const forwarder = new ScriptedForwarder();
    forwarder.answers.push({ ok: false, retryable: false, message: 'HTTP 400' });
    const registry = new Registry();
    const publisher = new AnomalyPublisher({ pipeline, forwarder, maxQueue: 2, flushIntervalMs: 10_000, registry });
    cleanup.push(() => publisher.dispose());
    for (let i = 0; i < 5; i++) pipeline.emit(sampleAnomaly({ incidentId: `inc-${i}` }));
    expect(publisher.queued).toBe(2);
    expect(await publisherMetric(registry, 'dropped')).toBe(3);
    await publisher.flush();
    expect(publisher.queued).toBe(0);
    expect(await publisherMetric(registry, 'failed')).toBe(2);
  });

  it('unsubscribes, sends what is queued on dispose, and is safe to dispose twice', async () => {
    const pipeline = new RecordingPipeline();
    const forwarder = new ScriptedForwarder();
    const publisher = new AnomalyPublisher({ pipeline, forwarder, flushIntervalMs: 60_000 });
    pipeline.emit(sampleAnomaly());
    expect(pipeline.listenerCount).toBe(1);
    await publisher.dispose();
    await publisher.dispose();
    expect(pipeline.listenerCount).toBe(0);
    expect(forwarder.sent.map(count)).toEqual([1]);
  });

  it('delivers through a real forwarder to an OTLP endpoint', async () => {
    const downstream = new Downstream();
    await downstream.start();
    const forwarder = new OtlpHttpForwarder({ endpoint: downstream.url });
    const pipeline = new RecordingPipeline();
    const publisher = new AnomalyPublisher({ pipeline, forwarder, flushIntervalMs: 10 });
    cleanup.push(
      () => downstream.stop(),
      () => forwarder.dispose(),
      () => publisher.dispose(),
    );
    pipeline.emit(sampleAnomaly());
    await waitFor(() => downstream.records().length === 1);
    expect(downstream.records()[0]!.eventName).toBe('logtriage.anomaly');
  });
});
