import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why an incident's triage did not end with a stored result this time (the `reason` label). */
export const TRIAGE_FAILURE_REASONS = ['invalid_output', 'unavailable', 'aborted', 'lease_lost', 'store', 'internal'] as const;
export type TriageFailureReason = (typeof TRIAGE_FAILURE_REASONS)[number];

/**
 * The triage worker's Prometheus metrics (prom-client) on the service's registry. The queue depth
 * is read from the store at scrape time; a store that cannot answer leaves the last value.
 */
export class TriageMetrics {
  /** Seconds of one backend call (both tries of an invalid answer together), by backend and outcome (ok, invalid_output, unavailable, aborted). */
  readonly latency: Histogram<'backend' | 'outcome'>;
  readonly tokensIn: Counter<'backend'>;
  readonly tokensOut: Counter<'backend'>;
  /** Incidents whose triage was stored, by backend (the heuristic fallback included). */
  readonly triaged: Counter<'backend'>;
  readonly failures: Counter<'reason'>;
  /** Backend calls saved by copying the result of an incident with the same signature or template sequence. */
  readonly savedCalls: Counter;
  /** Incidents classified by the heuristic because the configured backend stayed unavailable. */
  readonly fallbacks: Counter;

  constructor(registry: Registry, pendingCount: () => Promise<number>) {
    const registers = [registry];
    this.latency = new Histogram({
      name: 'logtriage_triage_seconds',
      help: 'Time of one tier-2 backend call per incident (an invalid answer and its retry together), by backend and outcome (ok, invalid_output, unavailable, aborted).',
      labelNames: ['backend', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60, 120],
      registers,
    });
    this.tokensIn = new Counter({ name: 'logtriage_triage_tokens_in_total', help: 'Prompt tokens sent to the tier-2 backend (both tries of a retried answer).', labelNames: ['backend'], registers });
    this.tokensOut = new Counter({ name: 'logtriage_triage_tokens_out_total', help: 'Tokens the tier-2 backend generated.', labelNames: ['backend'], registers });
    this.triaged = new Counter({ name: 'logtriage_triage_completed_total', help: 'Incidents whose triage was stored, by backend.', labelNames: ['backend'], registers });
    this.failures = new Counter({
      name: 'logtriage_triage_failures_total',
      help: 'Triage attempts that stored no result, by reason: invalid_output (invalid twice; the incident is failed), unavailable (backend down or too slow; retried later), aborted (shutdown), lease_lost (another worker took over), store (the store failed), internal.',
      labelNames: ['reason'],
      registers,
    });
    this.savedCalls = new Counter({
      name: 'logtriage_triage_saved_calls_total',
      help: 'Incidents that got a copy of an earlier result for the same signature or template sequence instead of a backend call.',
      registers,
    });
    this.fallbacks = new Counter({ name: 'logtriage_triage_fallbacks_total', help: 'Incidents classified by the heuristic because the configured backend stayed unavailable.', registers });
    let lastDepth = 0;
    new Gauge({
      name: 'logtriage_triage_queue_depth',
      help: 'Incidents waiting for triage (pending, those being triaged included), read from the incident store at scrape time.',
      registers,
      async collect() {
        try {
          lastDepth = await pendingCount();
        } catch {
          // The store is down: the last known depth is better than failing the whole scrape.
        }
        this.set(lastDepth);
      },
    });
    for (const reason of TRIAGE_FAILURE_REASONS) this.failures.inc({ reason }, 0);
  }
}
