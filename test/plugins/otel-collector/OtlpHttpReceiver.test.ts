import { createGzip, gzipSync } from 'node:zlib';
import { OTLPLogExporter as OtlpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeExportResponse, encodeLogsJson, encodeLogsProtobuf, otlpProtoTypes } from '../../../src/ingest/otlp/index.js';
import { TEMPLATE_ATTRIBUTE, TEMPLATE_ID_ATTRIBUTE } from '../../../src/pipeline/types.js';
import { NoopForwarder, OtlpHttpForwarder, type ForwardResult, type LogForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';
import { OtlpHttpReceiver, type OtlpHttpReceiverOptions } from '../../../plugins/otel-collector/src/OtlpHttpReceiver.js';
import { decodeRpcStatus } from '../../../plugins/otel-collector/src/rpcStatus.js';
import { Downstream, RecordingPipeline, attribute, deeplyNestedRequest, fakeTemplate, logsRequest, post, textRecord, waitFor } from './helpers.js';
import { interleavedSessions, sdkClient } from './sdkClients.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l)).reduce((n, v) => n + v.value, 0);
}

interface Setup {
  downstream: Downstream;
  pipeline: RecordingPipeline;
  receiver: OtlpHttpReceiver;
  forwarder: LogForwarder;
  registry: Registry;
  url: string;
}

describe('OtlpHttpReceiver', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(options: Partial<OtlpHttpReceiverOptions> & { forwarder?: LogForwarder; maxElapsedMs?: number } = {}): Promise<Setup> {
    const downstream = new Downstream();
    await downstream.start();
    const registry = new Registry();
    const pipeline = new RecordingPipeline();
    const forwarder = options.forwarder ?? new OtlpHttpForwarder({ endpoint: downstream.url, registry, retry: { initialMs: 20, maxMs: 100, maxElapsedMs: options.maxElapsedMs ?? 300 } });
    const receiver = new OtlpHttpReceiver({ pipeline, forwarder, port: 0, registry, ...options });
    await receiver.start();
    cleanup.push(
      () => downstream.stop(),
      () => forwarder.dispose(),
      () => receiver.close(),
    );
    return { downstream, pipeline, receiver, forwarder, registry, url: `${receiver.url}/v1/logs` };
  }

  describe('with the official OpenTelemetry exporters as clients', () => {
    for (const [name, makeExporter] of [
      ['exporter-logs-otlp-http (JSON)', (url: string) => new OtlpJsonExporter({ url })],
      ['exporter-logs-otlp-proto (protobuf, gzip)', (url: string) => new OtlpProtoExporter({ url, compression: CompressionAlgorithm.GZIP })],
    ] as const) {
      it(`forwards every record from ${name} annotated with its template, in order per session`, async () => {
        const { downstream, pipeline, url } = await setup();
        const client = sdkClient(makeExporter(url));
        cleanup.push(() => client.shutdown());
        const emitted = interleavedSessions(40);
        for (const { traceId, body } of emitted) client.emit(body, traceId, { 'http.route': '/cart' });
        await client.flush();

        expect(client.results.map((r) => r.code)).toEqual([0]);
        const records = downstream.records();
        expect(records).toHaveLength(emitted.length);
        for (const record of records) {
          const body = record.body?.stringValue ?? '';
          expect(attribute(record, TEMPLATE_ID_ATTRIBUTE)).toBe(fakeTemplate(body).templateId);
          expect(attribute(record, TEMPLATE_ATTRIBUTE)).toBe(fakeTemplate(body).template);
          expect(attribute(record, 'http.route')).toBe('/cart');
        }
        for (const traceId of new Set(emitted.map((e) => e.traceId))) {
          const expected = emitted.filter((e) => e.traceId === traceId).map((e) => e.body);
          const forwarded = records.filter((r) => Buffer.from(r.traceId ?? []).toString('hex') === traceId).map((r) => r.body?.stringValue);
          expect(forwarded).toEqual(expected);
          expect(pipeline.ingested.filter((a) => a.event.traceId === traceId).map((a) => a.event.body)).toEqual(expected);
        }
        expect(pipeline.ingested.map((a) => a.templateId)).toEqual(pipeline.ingested.map((a) => fakeTemplate(a.event.body).templateId));
        expect(downstream.received[0]!.request.resourceLogs[0]!.resource?.attributes.find((a) => a.key === 'service.name')?.value?.stringValue).toBe('checkout');
      });
    }

    it('answers 503 with Retry-After while downstream is down, and loses nothing once it is back (the exporter retries)', async () => {
      const { downstream, pipeline, url, registry } = await setup({ maxElapsedMs: 200 });
      const port = downstream.port;
      await downstream.stop();
      const client = sdkClient(new OtlpProtoExporter({ url, timeoutMillis: 15_000 }));
      cleanup.push(() => client.shutdown());
      const emitted = interleavedSessions(10);
      for (const { traceId, body } of emitted) client.emit(body, traceId);
      const flushing = client.flush();
      await waitFor(async () => (await metricValue(registry, 'logtriage_otlp_receiver_requests_total', { code: '503' })) > 0);
      expect(pipeline.ingested).toHaveLength(0);
      await downstream.start(port);
      await flushing;

      expect(client.results.map((r) => r.code)).toEqual([0]);
      expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(emitted.map((e) => e.body));
      // Sessionised once, although annotated on every attempt.
      expect(pipeline.ingested.map((a) => a.event.body)).toEqual(emitted.map((e) => e.body));
      expect(await metricValue(registry, 'logtriage_otlp_receiver_records_total', { outcome: 'refused' })).toBeGreaterThanOrEqual(emitted.length);
      expect(await metricValue(registry, 'logtriage_otlp_receiver_records_total', { outcome: 'accepted' })).toBe(emitted.length);
    }, 20_000);
  });

  it('answers a retryable Status (protobuf and JSON) with Retry-After when downstream refuses', async () => {
    const { downstream, url, pipeline } = await setup();
    downstream.mode = { kind: 'status', code: 503, retryAfter: '4' };
    const proto = await post(url, encodeLogsProtobuf(logsRequest([textRecord('GET /cart')])), PROTOBUF);
    expect(proto.status).toBe(503);
    expect(proto.headers['retry-after']).toBe('4');
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeRpcStatus(proto.body)).toMatchObject({ code: 14, retryDelayMs: 4_000 });

    const json = await post(url, encodeLogsJson(logsRequest([textRecord('GET /cart')])), JSON_TYPE);
    expect(json.status).toBe(503);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 14, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '4s' }] });
    expect(pipeline.ingested).toHaveLength(0);
  });

  it('answers 429 with Retry-After when the pipeline reports backpressure, before forwarding', async () => {
    const { downstream, url, pipeline } = await setup();
    pipeline.pressure = { retryAfterSeconds: 3, reason: 'session queue full' };
    const res = await post(url, encodeLogsProtobuf(logsRequest([textRecord('GET /cart')])), PROTOBUF);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(decodeRpcStatus(res.body)?.message).toContain('session queue full');
    expect(downstream.requests).toBe(0);
    expect(pipeline.annotated).toHaveLength(0);
  });

  it('answers 429 when the forwarder is overloaded', async () => {
    const overloaded: LogForwarder = {
      send: (): Promise<ForwardResult> => Promise.resolve({ ok: false, retryable: true, overloaded: true, retryAfterSeconds: 2, message: 'too many bytes in flight' }),
      dispose: () => Promise.resolve(),
    };
    const { url, pipeline } = await setup({ forwarder: overloaded });
    const res = await post(url, encodeLogsJson(logsRequest([textRecord('GET /cart')])), JSON_TYPE);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 8 });
    expect(pipeline.ingested).toHaveLength(0);
  });

  it('answers 500 when downstream refuses for good, and sessionises the records once', async () => {
    const { downstream, url, pipeline } = await setup();
    downstream.mode = { kind: 'status', code: 400 };
    const res = await post(url, encodeLogsProtobuf(logsRequest([textRecord('GET /cart')])), PROTOBUF);
    expect(res.status).toBe(500);
    expect(decodeRpcStatus(res.body)?.message).toContain('HTTP 400');
    expect(pipeline.ingested).toHaveLength(1);
  });

  it('answers in the request content type: ExportLogsServiceResponse as protobuf or JSON', async () => {
    const { url } = await setup();
    const proto = await post(url, encodeLogsProtobuf(logsRequest([textRecord('a')])), { 'content-type': 'application/x-protobuf; charset=binary' });
    expect(proto.status).toBe(200);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(otlpProtoTypes().ExportLogsServiceResponse.decode(proto.body).toJSON()).toEqual({});
    const json = await post(url, encodeLogsJson(logsRequest([textRecord('a')])), { 'content-type': 'application/json; charset=utf-8' });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body.toString())).toEqual({});
  });

  it('reports records with a bad trace id length as partial success and forwards the rest', async () => {
    const { url, downstream, pipeline } = await setup();
    const body = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'bad id' }, traceId: 'abcd1234' }, { body: { stringValue: 'good id' }, traceId: '5b8efff798038103d269b633813fc60c' }] }] }],
    });
    const res = await post(url, body, JSON_TYPE);
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body.toString()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('1');
    expect(answer.partialSuccess.errorMessage).toContain('trace id of 4 bytes');
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['good id']);
    expect(pipeline.ingested.map((a) => a.event.body)).toEqual(['good id']);

    const proto = await post(url, encodeLogsProtobuf(logsRequest([{ ...textRecord('short'), traceId: Buffer.from('0102', 'hex') }])), PROTOBUF);
    expect(proto.status).toBe(200);
    expect(decodeExportResponse('protobuf', proto.body)).toMatchObject({ rejectedLogRecords: 1 });
  });

  it('passes a downstream partial success on to the client, added to its own', async () => {
    const { url, downstream } = await setup();
    downstream.mode = { kind: 'ok', partial: { rejectedLogRecords: 1, errorMessage: 'quota' } };
    const request = logsRequest([textRecord('ok'), { ...textRecord('bad'), spanId: Buffer.from('01', 'hex') }]);
    const res = await post(url, encodeLogsProtobuf(request), PROTOBUF);
    expect(decodeExportResponse('protobuf', res.body)).toEqual({ rejectedLogRecords: 2, errorMessage: expect.stringMatching(/span id.*downstream: quota/) as unknown as string });
  });

  it('reads 64-bit integers written as strings and as numbers in JSON', async () => {
    const { url, downstream, pipeline } = await setup();
    const body = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: '1700000000123000000', body: { stringValue: 'as string' }, attributes: [{ key: 'n', value: { intValue: '9007199254740993' } }] },
                { timeUnixNano: 1700000000456000000, body: { stringValue: 'as number' }, attributes: [{ key: 'n', value: { intValue: 42 } }] },
              ],
            },
          ],
        },
      ],
    });
    const res = await post(url, body, JSON_TYPE);
    expect(res.status).toBe(200);
    expect(pipeline.ingested.map((a) => Math.round(a.event.timestamp))).toEqual([1_700_000_000_123, 1_700_000_000_456]);
    expect(pipeline.ingested.map((a) => a.event.attributes.n)).toEqual([9007199254740992, 42]);
    const forwarded = downstream.records();
    expect(String(forwarded[0]!.timeUnixNano)).toBe('1700000000123000000');
    expect(String(forwarded[0]!.attributes.find((a) => a.key === 'n')?.value?.intValue)).toBe('9007199254740993');
  });

  it('forwards a 1 MB body intact and mines a truncated copy', async () => {
    const { url, downstream, pipeline } = await setup();
    const big = `start ${'x'.repeat(1024 * 1024)} end`;
    const res = await post(url, encodeLogsProtobuf(logsRequest([textRecord(big)])), PROTOBUF);
    expect(res.status).toBe(200);
    expect(downstream.records()[0]!.body?.stringValue).toBe(big);
    expect(pipeline.annotated[0]!.body).toHaveLength(16_384);
    expect(big.startsWith(pipeline.annotated[0]!.body)).toBe(true);
  });

  describe('refuses bad requests and keeps serving', () => {
    it('400 for malformed and truncated protobuf, with a Status body', async () => {
      const { url } = await setup();
      const garbage = await post(url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTOBUF);
      expect(garbage.status).toBe(400);
      expect(decodeRpcStatus(garbage.body)).toMatchObject({ code: 3, message: expect.stringContaining('malformed OTLP protobuf') as unknown as string });
      const whole = Buffer.from(encodeLogsProtobuf(logsRequest([textRecord('GET /cart took 12 ms')])));
      const truncated = await post(url, whole.subarray(0, whole.length - 5), PROTOBUF);
      expect(truncated.status).toBe(400);
      expect((await post(url, whole, PROTOBUF)).status).toBe(200);
    });

    it('400 for malformed JSON, with a JSON Status body', async () => {
      const { url } = await setup();
      const res = await post(url, '{"resourceLogs": [', JSON_TYPE);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 3, message: expect.stringContaining('malformed OTLP/JSON') as unknown as string });
      expect((await post(url, JSON.stringify({ resourceLogs: 'nope' }), JSON_TYPE)).status).toBe(400);
    });

    it('400 for a body that is not gzip although it says so', async () => {
      const { url } = await setup();
      const res = await post(url, Buffer.from('not gzip at all'), { ...PROTOBUF, 'content-encoding': 'gzip' });
      expect(res.status).toBe(400);
    });

    it('415 for other content types and encodings, 405 for other methods, 404 elsewhere', async () => {
      const { url, receiver } = await setup();
      expect((await post(url, 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
      expect((await post(url, 'hello', {})).status).toBe(415);
      expect((await post(url, encodeLogsJson(logsRequest([])), { ...JSON_TYPE, 'content-encoding': 'br' })).status).toBe(415);
      const get = await post(url, '', {}, 'GET');
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
      expect((await post(`${receiver.url}/v1/traces`, '', PROTOBUF)).status).toBe(404);
    });

    it('413 for a body over the limit, declared or streamed', async () => {
      const { url, downstream } = await setup({ maxBodyBytes: 64 * 1024 });
      const big = Buffer.from(encodeLogsProtobuf(logsRequest([textRecord('y'.repeat(100_000))])));
      const declared = await post(url, big, PROTOBUF);
      expect(declared.status).toBe(413);
      expect(decodeRpcStatus(declared.body)?.message).toContain('larger than 65536 bytes');
      const streamed = await post(url, big, { ...PROTOBUF, 'transfer-encoding': 'chunked' });
      expect(streamed.status).toBe(413);
      expect(downstream.requests).toBe(0);
      expect((await post(url, encodeLogsProtobuf(logsRequest([textRecord('small')])), PROTOBUF)).status).toBe(200);
    });

    it('413 for a gzip bomb, fast and without inflating it', async () => {
      const { url } = await setup();
      // 256 MiB of zeros, about 256 KB gzipped: well under the 4 MiB wire limit.
      const bomb = await new Promise<Buffer>((resolve) => {
        const gz = createGzip({ level: 9 });
        const parts: Buffer[] = [];
        gz.on('data', (c: Buffer) => parts.push(c));
        gz.on('end', () => resolve(Buffer.concat(parts)));
        const chunk = Buffer.alloc(1024 * 1024);
        for (let i = 0; i < 256; i++) gz.write(chunk);
        gz.end();
      });
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const res = await post(url, bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(413);
      expect(decodeRpcStatus(res.body)?.message).toContain('decompressed body larger than 4194304 bytes');
      expect(elapsed).toBeLessThan(1_000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    });

    it('accepts a gzip body under the limit', async () => {
      const { url, downstream } = await setup();
      const res = await post(url, gzipSync(encodeLogsJson(logsRequest([textRecord('zipped')]))), { ...JSON_TYPE, 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['zipped']);
    });

    it('rejects a deeply nested AnyValue as partial success, and a nesting that defeats the decoder with 400', async () => {
      const { url, downstream, pipeline } = await setup();
      const nested = await post(url, deeplyNestedRequest(20), PROTOBUF);
      expect(nested.status).toBe(200);
      expect(decodeExportResponse('protobuf', nested.body)).toMatchObject({ rejectedLogRecords: 1, errorMessage: expect.stringContaining('nested deeper than 16') as unknown as string });
      expect(downstream.requests).toBe(0);
      const abyss = await post(url, deeplyNestedRequest(200_000), PROTOBUF);
      expect(abyss.status).toBe(400);
      expect((await post(url, encodeLogsProtobuf(logsRequest([textRecord('still here')])), PROTOBUF)).status).toBe(200);
      expect(pipeline.ingested.map((a) => a.event.body)).toEqual(['still here']);
    });
  });

  it('hands other paths to the extra routes, and counts requests in the metrics', async () => {
    const { receiver, registry, url } = await setup({
      routes: (req, res) => {
        if (req.url !== '/healthz') return false;
        res.end('ok');
        return true;
      },
    });
    expect((await post(`${receiver.url}/healthz`, '', {}, 'GET')).body.toString()).toBe('ok');
    expect((await post(`${receiver.url}/nope`, '', {}, 'GET')).status).toBe(404);
    await post(url, encodeLogsProtobuf(logsRequest([textRecord('a'), textRecord('b')])), PROTOBUF);
    expect(await metricValue(registry, 'logtriage_otlp_receiver_requests_total', { transport: 'http', code: '200' })).toBe(1);
    expect(await metricValue(registry, 'logtriage_otlp_receiver_records_total', { outcome: 'accepted' })).toBe(2);
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'forwarded' })).toBe(2);
  });

  it('acknowledges after annotation when there is nowhere to forward', async () => {
    const { url, pipeline } = await setup({ forwarder: new NoopForwarder() });
    const res = await post(url, encodeLogsProtobuf(logsRequest([textRecord('end of the line')])), PROTOBUF);
    expect(res.status).toBe(200);
    expect(pipeline.ingested.map((a) => a.templateId)).toEqual([fakeTemplate('end of the line').templateId]);
  });

  it('closes gracefully: finishes the request in flight, then refuses connections; safe twice', async () => {
    let release: (() => void) | undefined;
    const gate: LogForwarder = {
      send: () => new Promise<ForwardResult>((resolve) => (release = () => resolve({ ok: true }))),
      dispose: () => Promise.resolve(),
    };
    const { url, receiver, pipeline } = await setup({ forwarder: gate });
    const inFlight = post(url, encodeLogsProtobuf(logsRequest([textRecord('in flight')])), PROTOBUF);
    await waitFor(() => release !== undefined);
    expect(receiver.listening).toBe(true);
    const closing = receiver.close();
    expect(receiver.listening).toBe(false);
    const closingAgain = receiver.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(post(url, encodeLogsProtobuf(logsRequest([textRecord('late')])), PROTOBUF)).rejects.toThrow(/ECONNREFUSED/);
    release!();
    expect((await inFlight).status).toBe(200);
    await closing;
    await closingAgain;
    await receiver.dispose();
    expect(pipeline.ingested.map((a) => a.event.body)).toEqual(['in flight']);
  });
});
