import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeExportResponse } from '../../../src/ingest/otlp/index.js';
import { LOGS_EXPORT_PATH, NoopForwarder, OtlpGrpcForwarder, OtlpHttpForwarder, parseRetryAfter, type LogForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';
import { encodeRpcStatus } from '../../../plugins/otel-collector/src/rpcStatus.js';
import { Downstream, logsRequest, textRecord } from './helpers.js';

const fast = { initialMs: 20, maxMs: 50, maxElapsedMs: 600 };

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l)).reduce((n, v) => n + v.value, 0);
}

describe('OtlpHttpForwarder', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(options: Partial<ConstructorParameters<typeof OtlpHttpForwarder>[0]> = {}): Promise<{ downstream: Downstream; forwarder: OtlpHttpForwarder; registry: Registry }> {
    const downstream = new Downstream();
    await downstream.start();
    const registry = new Registry();
    const forwarder = new OtlpHttpForwarder({ endpoint: downstream.url, retry: fast, registry, ...options });
    cleanup.push(() => downstream.stop(), () => forwarder.dispose());
    return { downstream, forwarder, registry };
  }

  it('posts protobuf to /v1/logs with the configured headers and counts the records', async () => {
    const { downstream, forwarder, registry } = await setup({ headers: { authorization: 'Bearer t0k3n' } });
    const result = await forwarder.send(logsRequest([textRecord('GET /cart 200'), textRecord('GET /pay 500')]));
    expect(result).toEqual({ ok: true });
    expect(downstream.received).toHaveLength(1);
    expect(downstream.received[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(downstream.received[0]!.headers.authorization).toBe('Bearer t0k3n');
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['GET /cart 200', 'GET /pay 500']);
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'forwarded' })).toBe(2);
    expect(await metricValue(registry, 'logtriage_forward_in_flight_bytes', {})).toBe(0);
  });

  it('compresses with gzip when asked', async () => {
    const { downstream, forwarder } = await setup({ compression: 'gzip' });
    const body = 'x'.repeat(10_000);
    expect((await forwarder.send(logsRequest([textRecord(body)]))).ok).toBe(true);
    expect(downstream.received[0]!.headers['content-encoding']).toBe('gzip');
    expect(Number(downstream.received[0]!.headers['content-length'])).toBeLessThan(1_000);
    expect(downstream.records()[0]!.body?.stringValue).toBe(body);
  });

  it('passes a downstream partial success back', async () => {
    const { downstream, forwarder, registry } = await setup();
    downstream.mode = { kind: 'ok', partial: { rejectedLogRecords: 1, errorMessage: 'record 0 too old' } };
    const result = await forwarder.send(logsRequest([textRecord('a'), textRecord('b')]));
    expect(result).toEqual({ ok: true, partialSuccess: { rejectedLogRecords: 1, errorMessage: 'record 0 too old' } });
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'rejected' })).toBe(1);
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'forwarded' })).toBe(1);
  });

  it('retries 503, 429, 502 and 504 and succeeds once downstream accepts', async () => {
    const { downstream, forwarder, registry } = await setup();
    downstream.script.push({ kind: 'status', code: 503 }, { kind: 'status', code: 429 }, { kind: 'status', code: 502 }, { kind: 'status', code: 504 });
    const result = await forwarder.send(logsRequest([textRecord('a')]));
    expect(result).toEqual({ ok: true });
    expect(downstream.requests).toBe(5);
    expect(downstream.received).toHaveLength(1);
    expect(await metricValue(registry, 'logtriage_forward_retries_total', {})).toBe(4);
  });

  it('honours Retry-After and gives up when it reaches past the deadline', async () => {
    const { downstream, forwarder } = await setup();
    downstream.mode = { kind: 'status', code: 503, retryAfter: '7' };
    const started = Date.now();
    const result = await forwarder.send(logsRequest([textRecord('a')]));
    // Waiting 7 s would pass the 600 ms deadline: one attempt, then the client is told 7 s.
    expect(Date.now() - started).toBeLessThan(500);
    expect(downstream.requests).toBe(1);
    expect(result).toMatchObject({ ok: false, retryable: true, overloaded: false, retryAfterSeconds: 7 });
  });

  it('does not retry a 400 and reports the downstream message', async () => {
    const { downstream, forwarder, registry } = await setup();
    downstream.mode = { kind: 'status', code: 400, body: encodeRpcStatus(3, 'resource attributes too large') };
    const result = await forwarder.send(logsRequest([textRecord('a')]));
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ retryable: false });
    expect(!result.ok && result.message).toContain('resource attributes too large');
    expect(downstream.requests).toBe(1);
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'rejected' })).toBe(1);
  });

  it('treats a refused connection as retryable and stops at the deadline', async () => {
    const { downstream, forwarder, registry } = await setup();
    await downstream.stop();
    const started = Date.now();
    const result = await forwarder.send(logsRequest([textRecord('a'), textRecord('b')]));
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, retryable: true, overloaded: false });
    expect(!result.ok && result.retryable && result.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(1_500);
    expect(await metricValue(registry, 'logtriage_forward_retries_total', {})).toBeGreaterThan(2);
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'failed' })).toBe(2);
  });

  it('delivers once downstream comes back within the deadline', async () => {
    const { downstream, forwarder } = await setup({ retry: { initialMs: 20, maxMs: 50, maxElapsedMs: 3_000 } });
    const port = downstream.port;
    await downstream.stop();
    const sending = forwarder.send(logsRequest([textRecord('late but delivered')]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await downstream.start(port);
    expect(await sending).toEqual({ ok: true });
    expect(downstream.records().map((r) => r.body?.stringValue)).toEqual(['late but delivered']);
  });

  it('times out an attempt that gets no answer', async () => {
    const { downstream, forwarder } = await setup({ timeoutMs: 100, retry: { initialMs: 10, maxMs: 10, maxElapsedMs: 250 } });
    downstream.mode = { kind: 'hang' };
    const started = Date.now();
    const result = await forwarder.send(logsRequest([textRecord('a')]));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails fast as overloaded when the in-flight bytes are at the limit', async () => {
    const { downstream, forwarder, registry } = await setup({ maxInFlightBytes: 2_000, timeoutMs: 2_000, retry: { initialMs: 10, maxMs: 10, maxElapsedMs: 2_000 } });
    downstream.script.push({ kind: 'hang' });
    const first = forwarder.send(logsRequest([textRecord('y'.repeat(1_500))]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(forwarder.inFlightBytes).toBeGreaterThan(1_500);
    const started = Date.now();
    const second = await forwarder.send(logsRequest([textRecord('z'.repeat(1_000))]));
    expect(Date.now() - started).toBeLessThan(500);
    expect(second).toMatchObject({ ok: false, retryable: true, overloaded: true, retryAfterSeconds: 1 });
    expect(await metricValue(registry, 'logtriage_forward_overloaded_total', {})).toBe(1);
    await forwarder.dispose();
    expect(await first).toMatchObject({ ok: false, retryable: true });
  });

  it('stops retrying when the caller aborts', async () => {
    const { downstream, forwarder } = await setup({ retry: { initialMs: 200, maxMs: 200, maxElapsedMs: 5_000 } });
    downstream.mode = { kind: 'status', code: 503 };
    const controller = new AbortController();
    const sending = forwarder.send(logsRequest([textRecord('a')]), controller.signal);
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect(await sending).toMatchObject({ ok: false, retryable: true });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('appends /v1/logs to a base path and keeps a full logs path', () => {
    expect(new OtlpHttpForwarder({ endpoint: 'http://collector:4319' }).target).toBe('http://collector:4319/v1/logs');
    expect(new OtlpHttpForwarder({ endpoint: 'http://collector:4319/otlp/' }).target).toBe('http://collector:4319/otlp/v1/logs');
    expect(new OtlpHttpForwarder({ endpoint: 'https://collector/custom/v1/logs' }).target).toBe('https://collector/custom/v1/logs');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const inFive = new Date(Date.now() + 5_000).toUTCString();
    expect(parseRetryAfter(inFive)).toBeGreaterThan(3_000);
  });
});

describe('NoopForwarder', () => {
  it('acknowledges without sending', async () => {
    const forwarder: LogForwarder = new NoopForwarder();
    expect(await forwarder.send(logsRequest([textRecord('a')]))).toEqual({ ok: true });
    await forwarder.dispose();
    await forwarder.dispose();
  });
});

/** A raw LogsService server whose answers are scripted per call. */
type GrpcAnswer = (request: Buffer) => { error?: grpc.ServiceError; response?: Buffer };

async function grpcDownstream(answers: GrpcAnswer[]): Promise<{ server: grpc.Server; port: number; calls: Buffer[] }> {
  const server = new grpc.Server();
  const calls: Buffer[] = [];
  const id = (b: Buffer): Buffer => b;
  server.addService(
    { Export: { path: LOGS_EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls.push(call.request);
        const ok: GrpcAnswer = () => ({ response: Buffer.from(encodeExportResponse('protobuf')) });
        const answer = (answers.shift() ?? ok)(call.request);
        if (answer.error) callback(answer.error);
        else callback(null, answer.response);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port, calls };
}

function grpcError(code: grpc.status, message: string, retrySeconds?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (retrySeconds !== undefined) metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus(code, message, retrySeconds)));
  return Object.assign(new Error(message), { code, details: message, metadata });
}

describe('OtlpGrpcForwarder', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(answers: Parameters<typeof grpcDownstream>[0], retry = fast): Promise<{ forwarder: OtlpGrpcForwarder; calls: Buffer[]; registry: Registry }> {
    const { server, port, calls } = await grpcDownstream(answers);
    const registry = new Registry();
    const forwarder = new OtlpGrpcForwarder({ endpoint: `http://127.0.0.1:${port}`, retry, registry, headers: { 'x-tenant': 'blue' } });
    cleanup.push(() => server.forceShutdown(), () => forwarder.dispose());
    return { forwarder, calls, registry };
  }

  it('exports and passes partial success back', async () => {
    const { forwarder, calls } = await setup([() => ({ response: Buffer.from(encodeExportResponse('protobuf', { rejectedLogRecords: 1, errorMessage: 'dup' })) })]);
    const result = await forwarder.send(logsRequest([textRecord('a'), textRecord('b')]));
    expect(result).toEqual({ ok: true, partialSuccess: { rejectedLogRecords: 1, errorMessage: 'dup' } });
    expect(calls).toHaveLength(1);
  });

  it('retries UNAVAILABLE and RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const { forwarder, calls, registry } = await setup([() => ({ error: grpcError(grpc.status.UNAVAILABLE, 'down') }), () => ({ error: grpcError(grpc.status.RESOURCE_EXHAUSTED, 'busy', 0) })]);
    expect(await forwarder.send(logsRequest([textRecord('a')]))).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    expect(await metricValue(registry, 'logtriage_forward_retries_total', {})).toBe(2);
  });

  it('does not retry INVALID_ARGUMENT, nor RESOURCE_EXHAUSTED without RetryInfo', async () => {
    const { forwarder, calls } = await setup([() => ({ error: grpcError(grpc.status.INVALID_ARGUMENT, 'bad record') }), () => ({ error: grpcError(grpc.status.RESOURCE_EXHAUSTED, 'message too large') })]);
    const first = await forwarder.send(logsRequest([textRecord('a')]));
    expect(first).toMatchObject({ ok: false, retryable: false });
    expect(!first.ok && first.message).toContain('INVALID_ARGUMENT');
    expect(await forwarder.send(logsRequest([textRecord('a')]))).toMatchObject({ ok: false, retryable: false });
    expect(calls).toHaveLength(2);
  });

  it('honours the RetryInfo delay in what it tells the client', async () => {
    const { forwarder } = await setup(Array.from({ length: 5 }, () => () => ({ error: grpcError(grpc.status.UNAVAILABLE, 'draining', 9) })));
    expect(await forwarder.send(logsRequest([textRecord('a')]))).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 9 });
  });

  it('is retryable when nothing listens', async () => {
    const registry = new Registry();
    const forwarder = new OtlpGrpcForwarder({ endpoint: 'http://127.0.0.1:1', retry: fast, registry });
    cleanup.push(() => forwarder.dispose());
    const result = await forwarder.send(logsRequest([textRecord('a')]));
    expect(result).toMatchObject({ ok: false, retryable: true, overloaded: false });
    expect(await metricValue(registry, 'logtriage_forward_records_total', { outcome: 'failed' })).toBe(1);
  });
});
