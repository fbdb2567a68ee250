/**
 * Load generator for the ingest benchmark, run as its own process so that building and encoding
 * requests does not share an event loop with the service. Sends OTLP/HTTP protobuf batches of
 * HDFS-like records to `url` for `seconds`, at most `rate` records per second (0: as fast as the
 * service answers, `concurrency` requests in flight), and reports per-request latency and how many
 * records were acknowledged (200, minus rejected ones) over IPC: `{ result: … }`.
 */
import { Agent, request } from 'node:http';
import { decodeExportResponse, encodeLogsProtobuf, type OtlpLogRecord, type OtlpLogsRequest } from '../../src/ingest/otlp/index.js';
import { HdfsLikeStream } from './hdfsLike.js';

interface Options {
  url: string;
  seconds: number;
  rate: number;
  concurrency: number;
  batch: number;
  seed: number;
}

const options = JSON.parse(process.argv[2]!) as Options;
const stream = new HdfsLikeStream(options.seed);
const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
const target = new URL('/v1/logs', options.url);

function nextBatch(): { bytes: Uint8Array; records: number } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const logRecords: OtlpLogRecord[] = stream.take(options.batch).map((line) => ({
    timeUnixNano: now.toString(),
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: line.body },
    attributes: [],
  }));
  const req: OtlpLogsRequest = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hdfs-datanode' } }] }, scopeLogs: [{ scope: { name: 'hdfs' }, logRecords }] }] };
  return { bytes: encodeLogsProtobuf(req), records: logRecords.length };
}

function send(bytes: Uint8Array): Promise<{ status: number; body: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': bytes.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - started }));
    req.end(bytes);
  });
}

async function main(): Promise<void> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let acked = 0;
  let rejected = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const interval = options.rate > 0 ? (options.batch / options.rate) * 1000 : 0;
  let nextAt = started;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      if (interval > 0) {
        const at = nextAt;
        nextAt += interval;
        const wait = at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (performance.now() >= deadline) break;
      }
      const batch = nextBatch();
      sent += batch.records;
      const answer = await send(batch.bytes);
      latencies.push(answer.ms);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 200) {
        const partial = decodeExportResponse('protobuf', answer.body);
        rejected += partial?.rejectedLogRecords ?? 0;
        acked += batch.records - (partial?.rejectedLogRecords ?? 0);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  process.send?.({ result: { seconds, sent, acked, rejected, requests: latencies.length, statuses, recordsPerSecond: acked / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: latencies.at(-1) ?? 0 } });
  agent.destroy();
}

void main();
