import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { CLOSE_REASONS, type SessionizerStats } from '../sessions/index.js';

/** Modes of the pipeline, as the `logtriage_mode` gauge labels them. */
export const PIPELINE_MODES = ['starting', 'mining', 'learning', 'training', 'detecting', 'stopped'] as const;
export type PipelineMode = (typeof PIPELINE_MODES)[number];

/**
 * The pipeline's Prometheus metrics (prom-client), on a registry the receivers and the HTTP
 * server share. Gauges that mirror another component's counters are filled at scrape time.
 */
export class PipelineMetrics {
  readonly eventsAnnotated: Counter;
  readonly eventsIngested: Counter;
  readonly sessionsDropped: Counter<'reason'>;
  readonly sessionsScored: Counter;
  readonly sessionsFlagged: Counter;
  readonly sessionsSuppressed: Counter;
  readonly incidentsFailed: Counter;
  readonly scoringSeconds: Histogram;
  readonly trainings: Counter<'outcome'>;

  constructor(
    readonly registry: Registry,
    sources: { sessionizer: () => SessionizerStats; scoreQueue: () => number; templates: () => number; mode: () => PipelineMode; learningSessions: () => number },
  ) {
    const registers = [registry];
    this.eventsAnnotated = new Counter({ name: 'logtriage_events_annotated_total', help: 'Records whose template was mined (and added as attributes).', registers });
    this.eventsIngested = new Counter({ name: 'logtriage_events_ingested_total', help: 'Events handed to sessionisation (after downstream accepted their records).', registers });
    this.sessionsDropped = new Counter({
      name: 'logtriage_sessions_dropped_total',
      help: 'Closed sessions left out of analysis, by reason (score_queue_full, no_model, stopped). Their records were forwarded.',
      labelNames: ['reason'],
      registers,
    });
    this.sessionsScored = new Counter({ name: 'logtriage_sessions_scored_total', help: 'Sessions scored by tier 1.', registers });
    this.sessionsFlagged = new Counter({ name: 'logtriage_sessions_flagged_total', help: 'Sessions whose score exceeded the threshold.', registers });
    this.sessionsSuppressed = new Counter({
      name: 'logtriage_sessions_suppressed_total',
      help: 'Sessions above the threshold not flagged because reviewers marked their signature a false positive.',
      registers,
    });
    this.incidentsFailed = new Counter({ name: 'logtriage_incidents_failed_total', help: 'Flagged sessions the incident sink could not record.', registers });
    this.scoringSeconds = new Histogram({
      name: 'logtriage_scoring_batch_seconds',
      help: 'Time to score one batch of closed sessions (one forward pass, cache hits included).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.trainings = new Counter({ name: 'logtriage_trainings_total', help: 'Learning-mode training runs, by outcome (ok, failed).', labelNames: ['outcome'], registers });
    new Gauge({
      name: 'logtriage_sessions_open',
      help: 'Sessions open now.',
      registers,
      collect() {
        this.set(sources.sessionizer().open);
      },
    });
    new Gauge({
      name: 'logtriage_sessions_closed_total',
      help: 'Sessions closed, by reason (idle, maxEvents, maxDuration, window, evicted, shutdown).',
      labelNames: ['reason'],
      registers,
      collect() {
        const stats = sources.sessionizer();
        for (const reason of CLOSE_REASONS) this.set({ reason }, stats.closed[reason]);
      },
    });
    new Gauge({
      name: 'logtriage_events_unsessioned_total',
      help: 'Events that joined no session, by reason (unkeyed: no session key; late: behind the event-time watermark).',
      labelNames: ['reason'],
      registers,
      collect() {
        const stats = sources.sessionizer();
        this.set({ reason: 'unkeyed' }, stats.unkeyed);
        this.set({ reason: 'late' }, stats.lateDropped);
      },
    });
    new Gauge({
      name: 'logtriage_score_queue_sessions',
      help: 'Closed sessions waiting to be scored.',
      registers,
      collect() {
        this.set(sources.scoreQueue());
      },
    });
    new Gauge({
      name: 'logtriage_templates',
      help: 'Templates the miner holds.',
      registers,
      collect() {
        this.set(sources.templates());
      },
    });
    new Gauge({
      name: 'logtriage_learning_sessions',
      help: 'Sessions collected for training in learning mode.',
      registers,
      collect() {
        this.set(sources.learningSessions());
      },
    });
    new Gauge({
      name: 'logtriage_mode',
      help: 'Pipeline mode: 1 for the current one (starting, mining, learning, training, detecting, stopped).',
      labelNames: ['mode'],
      registers,
      collect() {
        const current = sources.mode();
        for (const mode of PIPELINE_MODES) this.set({ mode }, mode === current ? 1 : 0);
      },
    });
  }
}
