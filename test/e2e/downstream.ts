import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeLogsProtobuf, logEventsOf, type OtlpLogRecord } from '../../src/ingest/otlp/index.js';
import type { LogEvent } from '../../src/ingest/index.js';

/** A downstream OTLP/HTTP (protobuf) endpoint that keeps every record it receives. */
export interface Downstream {
  server: Server;
  url: string;
  records: OtlpLogRecord[];
  /** The records with event name `name`, as log events (attributes flattened). */
  events(name?: string): LogEvent[];
  close(): Promise<void>;
}

export async function downstream(): Promise<Downstream> {
  const records: OtlpLogRecord[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = decodeLogsProtobuf(Buffer.concat(chunks));
      for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) records.push(...sl.logRecords);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    events: (name) => logEventsOf({ resourceLogs: [{ scopeLogs: [{ logRecords: name === undefined ? records : records.filter((r) => r.eventName === name) }] }] }).events,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `probe` every 100 ms until it returns something other than undefined; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
