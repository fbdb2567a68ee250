import { request } from 'node:http';
import { decodeExportResponse, encodeLogsProtobuf, logsRequestOf } from '../../ingest/otlp/index.js';
import type { LogEvent } from '../../ingest/LogEvent.js';
import { InputError } from '../../util/errors.js';

/** Options of {@link replayLogs}. */
export interface ReplayOptions {
  /** OTLP/HTTP base URL; `/v1/logs` is appended. */
  endpoint: string;
  /** Records per request. Default 512. */
  batch?: number;
  /** Most records per second; 0 sends as fast as the receiver answers. Default 0. */
  rate?: number;
  /** Longest total wait on retryable refusals (429/503) for one request, ms. Default 60,000. */
  maxRetryMs?: number;
  /** Called after each acknowledged request with the number of records in it. */
  onSent?: (records: number) => void;
  signal?: AbortSignal;
}

/** What a replay sent. */
export interface ReplayResult {
  records: number;
  requests: number;
  /** Records the receiver rejected as invalid (partial success). */
  rejected: number;
  /** Requests answered with a retryable refusal and sent again. */
  retries: number;
}

function post(url: URL, body: Uint8Array, signal?: AbortSignal): Promise<{ status: number; retryAfter?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', signal, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends log events to an OTLP/HTTP receiver (logtriage's or a Collector's) as protobuf requests,
 * in order, one request at a time. A retryable refusal (429, 503) is sent again after its
 * `Retry-After`; any other refusal stops the replay with an {@link InputError} saying what the
 * receiver answered.
 */
export async function replayLogs(events: AsyncIterable<LogEvent>, options: ReplayOptions): Promise<ReplayResult> {
  const url = new URL('/v1/logs', options.endpoint);
  const batchSize = options.batch ?? 512;
  const rate = options.rate ?? 0;
  const maxRetryMs = options.maxRetryMs ?? 60_000;
  const result: ReplayResult = { records: 0, requests: 0, rejected: 0, retries: 0 };
  const started = performance.now();
  let batch: LogEvent[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const body = encodeLogsProtobuf(logsRequestOf(batch));
    let waited = 0;
    for (;;) {
      let answer: Awaited<ReturnType<typeof post>>;
      try {
        answer = await post(url, body, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new InputError(`cannot send to ${url.href}: ${(error as Error).message}; is the receiver running (logtriage serve)?`, { cause: error });
      }
      if (answer.status === 200) {
        const partial = decodeExportResponse('protobuf', answer.body);
        result.rejected += partial?.rejectedLogRecords ?? 0;
        break;
      }
      if ((answer.status === 429 || answer.status === 503) && waited < maxRetryMs) {
        const seconds = Number(answer.retryAfter ?? 1);
        const delay = Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000, maxRetryMs - waited);
        waited += delay;
        result.retries++;
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      throw new InputError(`${url.href} answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
    }
    result.records += batch.length;
    result.requests++;
    options.onSent?.(batch.length);
    batch = [];
    if (rate > 0) {
      const due = started + (result.records / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };

  for await (const event of events) {
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return result;
}
