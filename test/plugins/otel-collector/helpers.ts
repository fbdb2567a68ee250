import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeLogsProtobuf, encodeExportResponse, type OtlpKeyValue, type OtlpLogRecord, type OtlpLogsRequest, type OtlpPartialSuccess } from '../../../src/ingest/otlp/index.js';
import type { LogEvent } from '../../../src/ingest/LogEvent.js';
import type { AnnotatedEvent, Anomaly, Backpressure, EventPipeline, TemplateAnnotation } from '../../../src/pipeline/types.js';
import { encodeRpcStatus } from '../../../plugins/otel-collector/src/rpcStatus.js';

/** A deterministic template: digit runs masked. */
export function fakeTemplate(body: string): TemplateAnnotation {
  const template = body.replace(/\d+/g, '<*>');
  let hash = 0x811c9dc5;
  for (let i = 0; i < template.length; i++) hash = Math.imul(hash ^ template.charCodeAt(i), 0x01000193);
  return { templateId: `t${(hash >>> 0).toString(16).padStart(8, '0')}`, template };
}

/** An `EventPipeline` that records what it is given. */
export class RecordingPipeline implements EventPipeline {
  readonly annotated: LogEvent[] = [];
  readonly ingested: AnnotatedEvent[] = [];
  pressure: Backpressure | undefined;
  private readonly listeners = new Set<(anomaly: Anomaly) => void>();

  annotate(event: LogEvent): TemplateAnnotation {
    this.annotated.push(event);
    return fakeTemplate(event.body);
  }

  ingest(events: readonly AnnotatedEvent[]): void {
    this.ingested.push(...events);
  }

  backpressure(): Backpressure | undefined {
    return this.pressure;
  }

  onAnomaly(listener: (anomaly: Anomaly) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(anomaly: Anomaly): void {
    for (const listener of this.listeners) listener(anomaly);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

/** How the {@link Downstream} test server answers. */
export type DownstreamMode =
  | { kind: 'ok'; partial?: OtlpPartialSuccess }
  | { kind: 'status'; code: number; retryAfter?: string; body?: Uint8Array | string; contentType?: string }
  | { kind: 'hang' };

/** What the downstream server received in one request. */
export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  request: OtlpLogsRequest;
  bytes: number;
}

/** A plain OTLP/HTTP endpoint (`POST /v1/logs`, protobuf) that records what it decodes; its answers can be scripted. */
export class Downstream {
  readonly received: ReceivedRequest[] = [];
  /** Answers for the next requests, in order; `mode` after they run out. */
  readonly script: DownstreamMode[] = [];
  mode: DownstreamMode = { kind: 'ok' };
  requests = 0;
  private server: http.Server | undefined;
  private boundPort = 0;

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** Every record received, in arrival order. */
  records(): OtlpLogRecord[] {
    return this.received.flatMap((r) => r.request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      const mode = this.script.shift() ?? this.mode;
      if (mode.kind === 'hang') return;
      if (mode.kind === 'status') {
        const headers: http.OutgoingHttpHeaders = { 'content-type': mode.contentType ?? 'application/x-protobuf' };
        if (mode.retryAfter !== undefined) headers['retry-after'] = mode.retryAfter;
        res.writeHead(mode.code, headers);
        res.end(mode.body ?? encodeRpcStatus(mode.code === 400 ? 3 : 14, `scripted ${mode.code}`));
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      this.received.push({ headers: req.headers, request: decodeLogsProtobuf(body), bytes: body.length });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end(encodeExportResponse('protobuf', mode.partial));
    });
  }
}

/** The string value of a record attribute, or undefined. */
export function attribute(record: OtlpLogRecord, key: string): string | undefined {
  const kv: OtlpKeyValue | undefined = record.attributes.find((a) => a.key === key);
  return kv?.value?.stringValue ?? undefined;
}

/** A request with one resource and scope and the given records. */
export function logsRequest(records: OtlpLogRecord[], service = 'checkout'): OtlpLogsRequest {
  return {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ scope: { name: 'test' }, logRecords: records }] }],
  };
}

/** A record with a string body (and a trace id when given, 32 hex digits). */
export function textRecord(body: string, traceId?: string): OtlpLogRecord {
  return {
    timeUnixNano: '1700000000000000000',
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: body },
    attributes: [],
    ...(traceId ? { traceId: Buffer.from(traceId, 'hex') } : {}),
  };
}

/** Polls until `check` holds or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Posts a body to a URL; resolves with status, headers and the raw answer. */
export function post(url: string, body: Uint8Array | string, headers: http.OutgoingHttpHeaders, method = 'POST'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A flagged session for anomaly tests. */
export function sampleAnomaly(overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    incidentId: 'inc-42',
    sessionKey: 'blk_-1608999687919862906',
    service: 'hdfs-datanode',
    score: 12.345,
    threshold: 7.08,
    modelVersion: 'lstm-v3',
    templateIds: ['t1', 't2'],
    templates: ['Receiving block <*>', 'Exception in receiveBlock for block <*>'],
    evidence: [],
    eventCount: 2,
    firstTimestamp: 1_700_000_000_000,
    lastTimestamp: 1_700_000_001_500,
    traceId: '5b8efff798038103d269b633813fc60c',
    ...overrides,
  };
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * A binary `ExportLogsServiceRequest` with one record whose body is an `AnyValue` array nested
 * `depth` levels deep, written without recursion (protobufjs would overflow building it).
 */
export function deeplyNestedRequest(depth: number): Buffer {
  // Inside out: the length of each AnyValue{array_value: ArrayValue{values: [inner]}}.
  const anyLengths = [0];
  const arrayLengths: number[] = [];
  for (let i = 1; i <= depth; i++) {
    const inner = anyLengths[i - 1]!;
    const arrayLength = 1 + varint(inner).length + inner;
    arrayLengths[i] = arrayLength;
    anyLengths[i] = 1 + varint(arrayLength).length + arrayLength;
  }
  const bytes: number[] = [];
  const body = anyLengths[depth]!;
  const record = 1 + varint(body).length + body; // LogRecord.body = 5
  const scope = 1 + varint(record).length + record; // ScopeLogs.log_records = 2
  const resource = 1 + varint(scope).length + scope; // ResourceLogs.scope_logs = 2
  bytes.push(0x0a, ...varint(resource)); // request.resource_logs = 1
  bytes.push(0x12, ...varint(scope));
  bytes.push(0x12, ...varint(record));
  bytes.push(0x2a, ...varint(body));
  const out = Buffer.alloc(bytes.length + body);
  out.set(bytes, 0);
  let at = bytes.length;
  for (let i = depth; i >= 1; i--) {
    for (const b of [0x2a, ...varint(arrayLengths[i]!), 0x0a, ...varint(anyLengths[i - 1]!)]) out[at++] = b;
  }
  return out.subarray(0, at);
}
