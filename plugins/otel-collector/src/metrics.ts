import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Several receivers and forwarders may share one registry (one per transport, the anomaly
// publisher's forwarder): each metric is created once per registry and told apart by labels.
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return metric(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return metric(registry, name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return metric(registry, name, () => new Histogram({ name, help, labelNames, buckets, registers: [registry] }));
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Metrics of the OTLP receivers (label `transport`: `http` or `grpc`). */
export interface ReceiverMetrics {
  /** Requests answered, by `code` (HTTP status, or gRPC status name). */
  requests: Counter<'transport' | 'code'>;
  /** Records by `outcome`: `accepted` (acknowledged), `rejected` (invalid, reported as partial success), `refused` (answered with a retryable code: the client sends them again). */
  records: Counter<'transport' | 'outcome'>;
  /** Request bytes received, as sent (before decompression). */
  bytes: Counter<'transport'>;
  /** Time from the request's arrival to its answer, seconds. */
  duration: Histogram<'transport'>;
}

/** The receiver metrics on `registry`, created on first use. */
export function receiverMetrics(registry: Registry): ReceiverMetrics {
  return {
    requests: counter(registry, 'logtriage_otlp_receiver_requests_total', 'OTLP export requests answered, by transport and answer code.', ['transport', 'code']),
    records: counter(
      registry,
      'logtriage_otlp_receiver_records_total',
      'OTLP log records received, by outcome: accepted (acknowledged), rejected (invalid, reported as partial success), refused (answered with a retryable code).',
      ['transport', 'outcome'],
    ),
    bytes: counter(registry, 'logtriage_otlp_receiver_bytes_total', 'OTLP request bytes received, as sent (before decompression).', ['transport']),
    duration: histogram(registry, 'logtriage_otlp_receiver_request_duration_seconds', 'Time to answer an OTLP export request, forwarding included, in seconds.', ['transport'], LATENCY_BUCKETS),
  };
}

/** Metrics of the forwarders (label `protocol`: `http` or `grpc`). */
export interface ForwarderMetrics {
  /** Records by `outcome`: `forwarded`, `rejected` (downstream partial success or a non-retryable refusal), `failed` (retries exhausted or overloaded: the caller answers retryably). */
  records: Counter<'protocol' | 'outcome'>;
  /** Attempts by `outcome`: `ok`, `retryable`, `permanent`. */
  attempts: Counter<'protocol' | 'outcome'>;
  /** Retries (attempts after the first). */
  retries: Counter<'protocol'>;
  /** Requests refused at once because `maxInFlightBytes` was reached. */
  overloaded: Counter<'protocol'>;
  /** Encoded bytes being forwarded now. */
  inFlightBytes: Gauge<'protocol'>;
  /** Time of one `send` (all attempts), seconds. */
  duration: Histogram<'protocol'>;
}

/** The forwarder metrics on `registry`, created on first use. */
export function forwarderMetrics(registry: Registry): ForwarderMetrics {
  return {
    records: counter(
      registry,
      'logtriage_forward_records_total',
      'Log records sent downstream, by outcome: forwarded, rejected (by downstream, not retried), failed (not delivered; the client was answered retryably).',
      ['protocol', 'outcome'],
    ),
    attempts: counter(registry, 'logtriage_forward_attempts_total', 'Downstream export attempts, by outcome: ok, retryable, permanent.', ['protocol', 'outcome']),
    retries: counter(registry, 'logtriage_forward_retries_total', 'Downstream export attempts after the first.', ['protocol']),
    overloaded: counter(registry, 'logtriage_forward_overloaded_total', 'Forward requests refused at once because the in-flight byte limit was reached.', ['protocol']),
    inFlightBytes: gauge(registry, 'logtriage_forward_in_flight_bytes', 'Encoded request bytes being forwarded now.', ['protocol']),
    duration: histogram(registry, 'logtriage_forward_request_duration_seconds', 'Time to forward one request, retries included, in seconds.', ['protocol'], LATENCY_BUCKETS),
  };
}

/** Metrics of the anomaly publisher. */
export interface PublisherMetrics {
  /** Anomaly records by `outcome`: `sent`, `dropped` (queue full), `failed` (refused downstream or undeliverable at dispose). */
  records: Counter<'outcome'>;
  /** Anomaly records waiting to be sent. */
  queued: Gauge;
}

/** The anomaly publisher metrics on `registry`, created on first use. */
export function publisherMetrics(registry: Registry): PublisherMetrics {
  return {
    records: counter(registry, 'logtriage_anomaly_records_total', 'Anomaly log records, by outcome: sent, dropped (queue full), failed (refused downstream).', ['outcome']),
    queued: metric(registry, 'logtriage_anomaly_records_queued', () => new Gauge({ name: 'logtriage_anomaly_records_queued', help: 'Anomaly log records waiting to be sent downstream.', registers: [registry] })),
  };
}
