import * as grpc from '@grpc/grpc-js';
import { OTLPLogExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeExportResponse, encodeLogsProtobuf } from '../../../src/ingest/otlp/index.js';
import { TEMPLATE_ATTRIBUTE, TEMPLATE_ID_ATTRIBUTE } from '../../../src/pipeline/types.js';
import { LOGS_EXPORT_PATH, OtlpGrpcForwarder, OtlpHttpForwarder, type LogForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';
import { OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from '../../../plugins/otel-collector/src/OtlpGrpcReceiver.js';
import { decodeRpcStatus } from '../../../plugins/otel-collector/src/rpcStatus.js';
import { Downstream, RecordingPipeline, attribute, deeplyNestedRequest, fakeTemplate, logsRequest, textRecord } from './helpers.js';
import { interleavedSessions, sdkClient } from './sdkClients.js';

interface CallResult {
  error: grpc.ServiceError | null;
  response?: Buffer;
}

/** Calls Export with raw bytes, as any OTLP/gRPC client would. */
function rawExport(address: string, body: Uint8Array, options: grpc.ChannelOptions = {}): Promise<CallResult> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), options);
  const id = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(LOGS_EXPORT_PATH, id, id, Buffer.from(body), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) => {
      client.close();
      resolve({ error, ...(response ? { response } : {}) });
    });
  });
}

function retryInfoMs(error: grpc.ServiceError | null): number | undefined {
  const details = error?.metadata.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(details) ? decodeRpcStatus(details)?.retryDelayMs : undefined;
}

describe('OtlpGrpcReceiver', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(options: Partial<OtlpGrpcReceiverOptions> = {}): Promise<{ downstream: Downstream; pipeline: RecordingPipeline; receiver: OtlpGrpcReceiver; registry: Registry; forwarder: LogForwarder }> {
    const downstream = new Downstream();
    await downstream.start();
    const registry = new Registry();
    const pipeline = new RecordingPipeline();
    const forwarder = options.forwarder ?? new OtlpHttpForwarder({ endpoint: downstream.url, registry, retry: { initialMs: 20, maxMs: 50, maxElapsedMs: 200 } });
    const receiver = new OtlpGrpcReceiver({ pipeline, forwarder, port: 0, registry, ...options });
    await receiver.start();
    cleanup.push(
      () => downstream.stop(),
      () => forwarder.dispose(),
      () => receiver.close(),
    );
    return { downstream, pipeline, receiver, registry, forwarder };
  }

  for (const compression of [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP]) {
    it(`forwards every record from exporter-logs-otlp-grpc (compression ${compression}) annotated, in order per session`, async () => {
      const { downstream, pipeline, receiver } = await setup();
      const client = sdkClient(new OtlpGrpcExporter({ url: `http://${receiver.address}`, compression }));
      cleanup.push(() => client.shutdown());
      const emitted = interleavedSessions(30);
      for (const { traceId, body } of emitted) client.emit(body, traceId);
      await client.flush();

      expect(client.results.map((r) => r.code)).toEqual([0]);
      const records = downstream.records();
      expect(records.map((r) => r.body?.stringValue)).toEqual(emitted.map((e) => e.body));
      for (const record of records) {
        expect(attribute(record, TEMPLATE_ID_ATTRIBUTE)).toBe(fakeTemplate(record.body?.stringValue ?? '').templateId);
        expect(attribute(record, TEMPLATE_ATTRIBUTE)).toBe(fakeTemplate(record.body?.stringValue ?? '').template);
      }
      expect(pipeline.ingested.map((a) => a.event.body)).toEqual(emitted.map((e) => e.body));
    });
  }

  it('INVALID_ARGUMENT for a malformed message, and keeps serving', async () => {
    const { receiver, downstream } = await setup();
    const { error } = await rawExport(receiver.address, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toContain('malformed OTLP protobuf');
    const deep = await rawExport(receiver.address, deeplyNestedRequest(200_000), { 'grpc.max_send_message_length': -1 });
    expect(deep.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const ok = await rawExport(receiver.address, encodeLogsProtobuf(logsRequest([textRecord('fine')])));
    expect(ok.error).toBeNull();
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['fine']);
  });

  it('UNAVAILABLE with RetryInfo while downstream is down; the same request is accepted once it is back', async () => {
    const { receiver, downstream, pipeline, registry } = await setup();
    const port = downstream.port;
    await downstream.stop();
    const request = encodeLogsProtobuf(logsRequest([textRecord('GET /cart 1'), textRecord('GET /cart 2')]));
    const refused = await rawExport(receiver.address, request);
    expect(refused.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryInfoMs(refused.error)).toBeGreaterThanOrEqual(1_000);
    expect(pipeline.ingested).toHaveLength(0);
    await downstream.start(port);
    const accepted = await rawExport(receiver.address, request);
    expect(accepted.error).toBeNull();
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['GET /cart 1', 'GET /cart 2']);
    expect(pipeline.ingested).toHaveLength(2);
    const metric = (await registry.getSingleMetric('logtriage_otlp_receiver_requests_total')?.get())?.values ?? [];
    expect(metric.filter((v) => v.labels.transport === 'grpc').map((v) => [v.labels.code, v.value])).toEqual(
      expect.arrayContaining([
        ['UNAVAILABLE', 1],
        ['OK', 1],
      ]),
    );
  });

  it('RESOURCE_EXHAUSTED with RetryInfo when the pipeline reports backpressure', async () => {
    const { receiver, pipeline, downstream } = await setup();
    pipeline.pressure = { retryAfterSeconds: 5, reason: 'scoring queue full' };
    const { error } = await rawExport(receiver.address, encodeLogsProtobuf(logsRequest([textRecord('a')])));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toContain('scoring queue full');
    expect(retryInfoMs(error)).toBe(5_000);
    expect(downstream.requests).toBe(0);
  });

  it('a logtriage gRPC forwarder retries a RESOURCE_EXHAUSTED with RetryInfo from another logtriage', async () => {
    const { receiver, pipeline, downstream } = await setup();
    pipeline.pressure = { retryAfterSeconds: 1, reason: 'busy' };
    const forwarder = new OtlpGrpcForwarder({ endpoint: `http://${receiver.address}`, retry: { initialMs: 10, maxMs: 10, maxElapsedMs: 3_000 } });
    cleanup.push(() => forwarder.dispose());
    setTimeout(() => (pipeline.pressure = undefined), 300);
    expect(await forwarder.send(logsRequest([textRecord('eventually')]))).toEqual({ ok: true });
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['eventually']);
  });

  it('answers partial success for a record with a bad trace id', async () => {
    const { receiver, downstream } = await setup();
    const request = logsRequest([{ ...textRecord('bad'), traceId: Buffer.from('0102030405', 'hex') }, textRecord('good')]);
    const { error, response } = await rawExport(receiver.address, encodeLogsProtobuf(request));
    expect(error).toBeNull();
    expect(decodeExportResponse('protobuf', response!)).toMatchObject({ rejectedLogRecords: 1, errorMessage: expect.stringContaining('trace id of 5 bytes') as unknown as string });
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['good']);
  });

  it('refuses a message over the size limit, also when it arrives gzip-compressed', async () => {
    const { receiver, downstream } = await setup({ maxMessageBytes: 64 * 1024 });
    const big = encodeLogsProtobuf(logsRequest([textRecord('z'.repeat(200_000))]));
    const plain = await rawExport(receiver.address, big);
    expect(plain.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const zipped = await rawExport(receiver.address, big, { 'grpc.default_compression_algorithm': 2 });
    expect(zipped.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(downstream.requests).toBe(0);
    expect((await rawExport(receiver.address, encodeLogsProtobuf(logsRequest([textRecord('small')])))).error).toBeNull();
  });

  it('closes gracefully and is safe to close twice', async () => {
    const { receiver } = await setup();
    const address = receiver.address;
    expect(receiver.listening).toBe(true);
    await Promise.all([receiver.close(), receiver.dispose()]);
    expect(receiver.listening).toBe(false);
    await receiver.close();
    const { error } = await rawExport(address, encodeLogsProtobuf(logsRequest([textRecord('late')])));
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
  });
});
