import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLogEvent, type LogEvent } from '../../src/ingest/index.js';
import { decodeLogsProtobuf, logEventsOf } from '../../src/ingest/otlp/index.js';
import { replayLogs } from '../../src/cli/replay/replayLogs.js';

async function* events(n: number): AsyncGenerator<LogEvent> {
  for (let i = 0; i < n; i++) yield makeLogEvent({ body: `line ${i}`, resource: { 'service.name': 'svc' } });
}

describe('replayLogs', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function receiver(answers: number[]): Promise<{ url: string; bodies: string[][] }> {
    const bodies: string[][] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        if (status === 200) bodies.push(logEventsOf(decodeLogsProtobuf(Buffer.concat(chunks))).events.map((e) => e.body));
        res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end(status === 400 ? 'malformed' : undefined);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, bodies };
  }

  it('sends every record in order, in batches, and sends a refused batch again after Retry-After', async () => {
    const { url, bodies } = await receiver([200, 503]);
    const result = await replayLogs(events(5), { endpoint: url, batch: 2 });
    expect(result).toEqual({ records: 5, requests: 3, rejected: 0, retries: 1 });
    expect(bodies).toEqual([['line 0', 'line 1'], ['line 2', 'line 3'], ['line 4']]);
  });

  it('stops with what the receiver said when it refuses for good, and names an unreachable endpoint', async () => {
    const { url } = await receiver([400]);
    await expect(replayLogs(events(1), { endpoint: url })).rejects.toThrow(/answered 400: malformed/);
    await expect(replayLogs(events(1), { endpoint: 'http://127.0.0.1:1' })).rejects.toThrow(/cannot send to http:\/\/127\.0\.0\.1:1\/v1\/logs.*is the receiver running/);
  });
});
