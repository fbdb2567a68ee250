/**
 * Downstream stand-in for the ingest benchmark, run as its own process: an OTLP/HTTP protobuf
 * endpoint that counts the log records it receives (and the anomaly records among them) without
 * decoding them fully, and answers with an empty ExportLogsServiceResponse.
 *
 * Talks to the parent over IPC: sends `{ ready: port }`, answers `{ counts: … }` to `'counts'`.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const ANOMALY = Buffer.from('logtriage.anomaly');
let records = 0;
let anomalies = 0;
let requests = 0;

/** Walks ExportLogsServiceRequest → ResourceLogs(1) → ScopeLogs(2) → LogRecord(2), counting. */
function count(bytes: Uint8Array): void {
  const top = protobuf.Reader.create(bytes);
  while (top.pos < top.len) {
    const tag = top.uint32();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      top.skipType(tag & 7);
      continue;
    }
    const rl = protobuf.Reader.create(top.bytes());
    while (rl.pos < rl.len) {
      const t = rl.uint32();
      if (t >>> 3 !== 2 || (t & 7) !== 2) {
        rl.skipType(t & 7);
        continue;
      }
      const sl = protobuf.Reader.create(rl.bytes());
      while (sl.pos < sl.len) {
        const s = sl.uint32();
        if (s >>> 3 !== 2 || (s & 7) !== 2) {
          sl.skipType(s & 7);
          continue;
        }
        const record = sl.bytes();
        records++;
        if (Buffer.from(record.buffer, record.byteOffset, record.byteLength).includes(ANOMALY)) anomalies++;
      }
    }
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    requests++;
    try {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      count(body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ ready: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message) => {
  if (message === 'counts') process.send?.({ counts: { records: records - anomalies, anomalies, requests } });
  if (message === 'stop') server.close(() => process.exit(0));
});
