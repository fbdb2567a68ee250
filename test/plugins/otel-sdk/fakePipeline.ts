import { TemplateMiner } from '../../../src/templates/index.js';
import type { AnnotatedEvent, Anomaly, Backpressure, EventPipeline, TemplateAnnotation } from '../../../src/pipeline/types.js';
import type { LogEvent } from '../../../src/ingest/LogEvent.js';

/**
 * An `EventPipeline` for the processor's tests: annotates with the real template miner, records
 * what it is handed, and lets a test raise anomalies, push back and hook into `flush`.
 */
export class FakePipeline implements EventPipeline {
  readonly miner = new TemplateMiner();
  /** Every `ingest` call, in order, with a copy of its batch. */
  readonly batches: AnnotatedEvent[][] = [];
  /** What `backpressure()` answers. */
  pressure: Backpressure | undefined;
  flushes = 0;
  /** Runs inside `flush()`, e.g. to raise the anomalies that closing sessions finds. */
  onFlush: (() => void | Promise<void>) | undefined;
  private readonly listeners = new Set<(anomaly: Anomaly) => void>();

  get ingested(): AnnotatedEvent[] {
    return this.batches.flat();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  annotate(event: LogEvent): TemplateAnnotation {
    const match = this.miner.add(event.body);
    return match ? { templateId: match.templateId, template: match.template } : { templateId: 'none', template: event.body };
  }

  ingest(events: readonly AnnotatedEvent[]): void {
    this.batches.push([...events]);
  }

  backpressure(): Backpressure | undefined {
    return this.pressure;
  }

  onAnomaly(listener: (anomaly: Anomaly) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async flush(): Promise<void> {
    this.flushes++;
    await this.onFlush?.();
  }

  /** Tells every listener about `anomaly`, as the pipeline does when it flags a session. */
  raise(anomaly: Anomaly): void {
    for (const listener of this.listeners) listener(anomaly);
  }
}

/** An anomaly with plausible values; `fields` override them. */
export function makeAnomaly(fields: Partial<Anomaly> = {}): Anomaly {
  return {
    incidentId: 'inc-1',
    sessionKey: '4bf92f3577b34da6a3ce929d0e0e4736',
    service: 'checkout',
    score: 12.34,
    threshold: 7.08,
    modelVersion: 'lstm-20250101T000000Z',
    templateIds: ['t1', 't2'],
    templates: ['GET /cart <*>', 'payment failed: <*>'],
    evidence: [{ position: 1, templateId: 't2', surprise: 12.34, expected: [{ templateId: 't3', probability: 0.9 }] }],
    eventCount: 2,
    firstTimestamp: 1_700_000_000_000,
    lastTimestamp: 1_700_000_000_250,
    ...fields,
  };
}
