import { z } from 'zod';

const MIB = 1024 * 1024;

/** Backoff between attempts to deliver one request downstream. */
export const forwardRetryConfigSchema = z
  .strictObject({
    initialMs: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Wait before the first retry, in milliseconds; doubled after every retry (with ±50 % jitter) up to `maxMs`. A downstream `Retry-After` or gRPC RetryInfo replaces it.'),
    maxMs: z.number().int().min(1).default(1_000).describe('Longest wait between two attempts, in milliseconds.'),
    maxElapsedMs: z
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe(
        'Total time spent on one request, attempts and waits included, in milliseconds. Past it the receiver answers its client with a retryable refusal (503 / UNAVAILABLE with Retry-After), so keep it below the clients\' own timeouts (the Collector and the OTel SDKs wait 5–10 s). 0 disables retries.',
      ),
  })
  .describe('Retries of a refused or failed forward (OTLP retryable codes and connection errors).');

/**
 * Where annotated records (and the anomaly records) go: the downstream OTLP endpoint, usually the
 * Collector's second OTLP receiver. Without `endpoint` nothing is forwarded: records are annotated,
 * sessionised and acknowledged at once, and logtriage is the end of the pipeline.
 */
export const forwardConfigSchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:4319' })
      .optional()
      .describe(
        'Downstream OTLP endpoint, e.g. `http://127.0.0.1:4319` (HTTP: `/v1/logs` is appended) or `http://127.0.0.1:4317` (gRPC). When absent, records are not forwarded: they are annotated and sessionised and the client is answered 200 at once.',
      ),
    protocol: z.enum(['http', 'grpc']).default('http').describe('OTLP transport to the endpoint: `http` (protobuf over HTTP/1.1) or `grpc`.'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('Extra request headers (HTTP) or metadata (gRPC), e.g. `{ authorization: "Bearer …" }`.'),
    compression: z
      .enum(['none', 'gzip'])
      .default('none')
      .describe('Compression of forwarded requests. `none` by default: logtriage usually sits next to its collector, and gzip costs CPU on the hot path.'),
    timeoutMs: z.number().int().min(1).default(2_000).describe('Timeout of one attempt, in milliseconds (capped by what is left of `retry.maxElapsedMs`).'),
    maxInFlightBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * MIB)
      .describe('Most encoded bytes being forwarded at once; past it new requests are refused at once as overloaded (429 / RESOURCE_EXHAUSTED to the client) instead of queueing.'),
    retry: forwardRetryConfigSchema.prefault({}),
  })
  .describe('Forwarding annotated records downstream over OTLP.');

/** The `forward` slice of the configuration, defaults filled in. */
export type ForwardConfig = z.infer<typeof forwardConfigSchema>;
/** What may be given for the `forward` slice. */
export type ForwardConfigInput = z.input<typeof forwardConfigSchema>;
/** The retry part of {@link ForwardConfig}. */
export type ForwardRetryConfig = z.infer<typeof forwardRetryConfigSchema>;
