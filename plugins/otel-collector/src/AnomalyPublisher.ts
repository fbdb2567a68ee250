import { Registry } from 'prom-client';
import type { Anomaly, EventPipeline } from '../../../src/pipeline/types.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { anomalyLogsRequest } from './anomalyRecords.js';
import { publisherMetrics, type PublisherMetrics } from './metrics.js';
import type { LogForwarder } from './OtlpForwarder.js';

/** Options of {@link AnomalyPublisher}. */
export interface AnomalyPublisherOptions {
  /** Source of the anomalies (`onAnomaly`). Required. */
  pipeline: Pick<EventPipeline, 'onAnomaly'>;
  /** Where the anomaly records go (usually the receivers' forwarder). Required. */
  forwarder: LogForwarder;
  /** Most anomalies waiting to be sent; further ones are dropped and counted. Default 1,000. */
  maxQueue?: number;
  /** Most records in one request. Default 100. */
  maxBatch?: number;
  /** Longest wait before a partial batch is sent, ms. Default 1,000. */
  flushIntervalMs?: number;
  /** Longest wait before a batch refused retryably is sent again, ms (the forwarder has already retried it within its deadline). Default 30,000. */
  maxRetryDelayMs?: number;
  /** How long `dispose()` spends sending what is queued, ms. Default 5,000. */
  disposeTimeoutMs?: number;
  /** Where the `logtriage_anomaly_records_*` metrics go. Default: a private registry. */
  registry?: Registry;
  /** Default: silent. */
  logger?: Logger;
}

/**
 * Sends an anomaly log record downstream for every session the pipeline flags, in batches,
 * through the forwarder (which retries). A batch refused retryably stays queued and is sent again
 * later; the queue is bounded and what does not fit is dropped and counted (these are generated
 * records: the incident itself is stored by the pipeline).
 */
export class AnomalyPublisher {
  private readonly forwarder: LogForwarder;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly disposeTimeoutMs: number;
  private readonly metrics: PublisherMetrics;
  private readonly logger: Logger;
  private readonly unsubscribe: () => void;
  private readonly queue: Anomaly[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  /** Wait before the next try after a retryable refusal; grows while downstream stays away. */
  private backoffMs = 0;
  private waitingToRetry = false;
  private disposed: Promise<void> | undefined;

  constructor(options: AnomalyPublisherOptions) {
    this.forwarder = options.forwarder;
    this.maxQueue = options.maxQueue ?? 1_000;
    this.maxBatch = options.maxBatch ?? 100;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.disposeTimeoutMs = options.disposeTimeoutMs ?? 5_000;
    this.metrics = publisherMetrics(options.registry ?? new Registry());
    this.logger = (options.logger ?? silentLogger()).child({ component: 'anomaly-publisher' });
    this.unsubscribe = options.pipeline.onAnomaly((anomaly) => this.publish(anomaly));
  }

  /** Anomalies waiting to be sent. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues one anomaly (what the pipeline subscription calls). Never throws. */
  publish(anomaly: Anomaly): void {
    if (this.disposed || this.queue.length >= this.maxQueue) {
      this.metrics.records.inc({ outcome: 'dropped' });
      return;
    }
    this.queue.push(anomaly);
    this.metrics.queued.set(this.queue.length);
    if (this.waitingToRetry) return;
    if (this.queue.length >= this.maxBatch) this.schedule(0);
    else this.schedule(this.flushIntervalMs);
  }

  /** Sends everything queued now, one attempt per batch; resolves when done or when a batch is refused retryably (it stays queued). */
  async flush(): Promise<void> {
    this.clearTimer();
    this.waitingToRetry = false;
    await this.pump();
  }

  /** Unsubscribes, sends what is queued (for at most `disposeTimeoutMs`) and counts what is left as failed. Safe to call twice. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      this.unsubscribe();
      this.clearTimer();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise<void>((resolve) => (timeout = setTimeout(resolve, this.disposeTimeoutMs)))]);
      clearTimeout(timeout);
      this.clearTimer();
      if (this.queue.length > 0) {
        this.logger.warn({ anomalies: this.queue.length }, 'anomaly records not delivered at shutdown');
        this.metrics.records.inc({ outcome: 'failed' }, this.queue.length);
        this.queue.length = 0;
        this.metrics.queued.set(0);
      }
    })();
    return this.disposed;
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatch);
      const result = await this.forwarder.send(anomalyLogsRequest(batch));
      if (!result.ok && result.retryable) {
        // Keep the batch and come back later, backing off while downstream stays away.
        this.backoffMs = Math.min(this.maxRetryDelayMs, Math.max(result.retryAfterSeconds * 1000, this.backoffMs * 2, this.flushIntervalMs));
        this.logger.debug({ anomalies: batch.length, retryInMs: this.backoffMs }, `anomaly records not delivered yet: ${result.message}`);
        if (!this.disposed) {
          this.clearTimer();
          this.waitingToRetry = true;
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.waitingToRetry = false;
            void this.pump();
          }, this.backoffMs);
          this.timer.unref();
        }
        return;
      }
      this.backoffMs = 0;
      this.queue.splice(0, batch.length);
      this.metrics.queued.set(this.queue.length);
      if (!result.ok) {
        this.logger.warn({ anomalies: batch.length }, `anomaly records refused downstream: ${result.message}`);
        this.metrics.records.inc({ outcome: 'failed' }, batch.length);
        continue;
      }
      const rejected = Math.min(batch.length, result.partialSuccess?.rejectedLogRecords ?? 0);
      if (batch.length - rejected > 0) this.metrics.records.inc({ outcome: 'sent' }, batch.length - rejected);
      if (rejected > 0) this.metrics.records.inc({ outcome: 'failed' }, rejected);
    }
  }
}
