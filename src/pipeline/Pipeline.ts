import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Registry } from 'prom-client';
import { configSchema, type Config, type ConfigInput } from '../config/schema.js';
import type { LogEvent } from '../ingest/LogEvent.js';
import { createIncidentStore, JsonlIncidentSink, MemoryIncidentSink, signatureOf, type IncidentSink, type IncidentStore, type NewIncident } from '../incidents/index.js';
import { initBackend, ModelRegistry, SequenceScorer } from '../scoring/index.js';
import { serviceOf, Sessionizer, type Session } from '../sessions/index.js';
import { loadSnapshot, saveSnapshot, TemplateMiner } from '../templates/index.js';
import { ConfigError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { LruCache } from '../scoring/LruCache.js';
import { PipelineMetrics, type PipelineMode } from './PipelineMetrics.js';
import type { AnnotatedEvent, Anomaly, Backpressure, EventPipeline, TemplateAnnotation } from './types.js';

/** What a {@link Pipeline} is built from; everything but the config is optional. */
export interface PipelineOptions {
  /** The configuration (file, env and flags merged) or a partial one; defaults fill the rest. */
  config?: Config | ConfigInput;
  /** A tier-1 model to use instead of loading one from `pipeline.modelDir` or the registry. */
  scorer?: SequenceScorer;
  /** The version reported for `scorer` (in anomalies, incidents and `/readyz`). Default `provided`. */
  modelVersion?: string;
  /**
   * Where flagged sessions go; the caller keeps ownership (it is not disposed). Default: from
   * `pipeline.incidents.sink`: the incident store of `store.*`, opened by `start()` (a memory sink
   * when `persist` is false), a JSONL file, or memory.
   */
  sink?: IncidentSink;
  /**
   * A template miner to use. Default: restored from `<dataDir>/templates.json` (what the service
   * saves), else from the model directory's `templates.json` (what `logtriage train` saves next to
   * the model), else a new one.
   */
  miner?: TemplateMiner;
  /** Structured log. Default: silent. */
  logger?: Logger;
  /** Prometheus registry for the metrics (shared with the receivers). Default: a new one. */
  registry?: Registry;
  /** Persist the template miner and learned models under `service.dataDir`. Default true. */
  persist?: boolean;
  /**
   * Signatures reviewers marked as false positives (the allow-list): sessions with one of them are
   * not flagged again. Read at start and every `pipeline.suppressionRefreshMs`. Default: none.
   */
  suppressions?: () => Promise<ReadonlySet<string>>;
}

/** What `/readyz` and the CLI show. */
export interface PipelineStatus {
  mode: PipelineMode;
  /** True once the pipeline accepts records (it also does while learning or without a model). */
  ready: boolean;
  modelVersion?: string;
  threshold?: number;
  templates: number;
  sessionsOpen: number;
  scoreQueue: number;
  /** Learning mode: sessions collected and the count that triggers training. */
  learning?: { sessions: number; target: number; minSessions: number; deadline: string };
  /** Why there is no model, or why training failed. */
  detail?: string;
}

function isIncidentStore(sink: IncidentSink): sink is IncidentStore {
  return typeof (sink as Partial<IncidentStore>).claim === 'function' && typeof (sink as Partial<IncidentStore>).suppressedSignatures === 'function';
}

const EMPTY: TemplateAnnotation = { templateId: 'empty', template: '' };

/**
 * The streaming pipeline: templates → sessions → tier-1 scoring → incident sink → anomaly
 * listeners. Annotation and sessionisation run synchronously on the caller's path; scoring runs
 * in batches on the event loop between receive callbacks, from a bounded queue. With no model,
 * learning mode collects closed sessions, trains, and switches to detection by itself.
 */
export class Pipeline implements EventPipeline {
  readonly config: Config;
  readonly miner: TemplateMiner;
  readonly metrics: Registry;
  private readonly sessionizer: Sessionizer;
  private sink: IncidentSink;
  /** Whether the pipeline opened the sink (and so disposes of it). */
  private ownsSink: boolean;
  private readonly logger: Logger;
  private readonly counters: PipelineMetrics;
  private readonly listeners: ((anomaly: Anomaly) => void)[] = [];
  private readonly templateText = new LruCache<string, string>(200_000);
  private readonly vocabularyIds = new LruCache<string, string>(200_000);
  private readonly persist: boolean;
  private scorer: SequenceScorer | undefined;
  private readonly modelDir: string | undefined;
  private modelVersion: string | undefined;
  private mode: PipelineMode = 'starting';
  private detail: string | undefined;
  private queue: Session[] = [];
  private scoring = false;
  private idleWaiters: (() => void)[] = [];
  private learningSessions: string[][] = [];
  private learningStarted = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastSnapshot = 0;
  private readonly suppressions: (() => Promise<ReadonlySet<string>>) | undefined;
  private suppressed: ReadonlySet<string> = new Set();
  private lastSuppressionRefresh = 0;
  private disposed = false;

  constructor(options: PipelineOptions = {}) {
    const parsed = configSchema.safeParse(options.config ?? {});
    if (!parsed.success) throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.config = parsed.data;
    this.logger = options.logger ?? silentLogger();
    this.persist = options.persist ?? true;
    this.metrics = options.registry ?? new Registry();
    this.suppressions = options.suppressions;
    this.scorer = options.scorer;
    if (this.scorer) this.modelVersion = options.modelVersion ?? 'provided';
    // Resolved now, not in start(): the miner is restored from the model's snapshot when the
    // service has none of its own, and records may be annotated before start() finishes.
    this.modelDir = this.scorer ? undefined : (this.config.pipeline.modelDir ?? this.activeModelDir());
    this.miner = options.miner ?? this.restoreMiner();
    this.ownsSink = options.sink === undefined;
    // The durable store is opened in start() (it is asynchronous); sessions closed before that wait
    // in the scoring queue, which runs only once start() has chosen the mode.
    this.sink = options.sink ?? this.createSink();
    this.sessionizer = new Sessionizer(this.config.sessions, {
      onClose: (session) => this.onSessionClosed(session),
      onError: (error) => this.logger.error({ err: error }, 'session listener failed'),
    });
    this.counters = new PipelineMetrics(this.metrics, {
      sessionizer: () => this.sessionizer.stats,
      scoreQueue: () => this.queue.length,
      templates: () => this.miner.size,
      mode: () => this.mode,
      learningSessions: () => this.learningSessions.length,
    });
  }

  /**
   * Chooses the mode: loads the tier-1 model (the one given, `pipeline.modelDir`, or the active
   * version in the registry) and detects; without one, learns (or only mines templates when
   * learning is off). A model that exists but does not load is an error, not a silent fallback.
   */
  async start(): Promise<void> {
    if (this.ownsSink && this.config.pipeline.incidents.sink === 'store' && this.persist) {
      this.sink = await createIncidentStore({ ...this.config.store, dataDir: this.config.service.dataDir }, this.logger);
    }
    await this.refreshSuppressions();
    const backend = await initBackend(this.config.scoring.backend);
    this.logger.info({ backend: backend.name, cuda: backend.cuda, skipped: backend.skipped }, 'tier-1 backend');
    if (!this.scorer && this.modelDir) {
      this.scorer = await SequenceScorer.load(this.modelDir);
      this.modelVersion = basename(this.modelDir);
    }
    if (this.scorer) {
      this.setMode('detecting');
      this.logger.info({ model: this.modelVersion, threshold: this.scorer.threshold }, 'tier 1 ready: detecting');
    } else if (this.config.pipeline.learning.enabled) {
      this.learningStarted = Date.now();
      this.setMode('learning');
      this.detail = 'no tier-1 model yet: collecting sessions to train on';
      const learning = this.config.pipeline.learning;
      this.logger.info({ sessions: learning.sessions, maxMs: learning.maxMs, minSessions: learning.minSessions }, 'no tier-1 model: learning mode');
    } else {
      this.setMode('mining');
      this.detail = 'no tier-1 model and learning is off: templates are mined, sessions are not scored';
      this.logger.warn(this.detail);
    }
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
  }

  annotate(event: LogEvent): TemplateAnnotation {
    try {
      const match = event.body === '' ? undefined : this.miner.add(event.body);
      this.counters.eventsAnnotated.inc();
      if (!match) return EMPTY;
      if (this.templateText.get(match.templateId) === undefined) this.templateText.set(match.templateId, match.template);
      return { templateId: match.templateId, template: match.template };
    } catch (error) {
      this.logger.error({ err: error }, 'template mining failed');
      return EMPTY;
    }
  }

  ingest(events: readonly AnnotatedEvent[]): void {
    if (this.disposed) return;
    for (const { event, templateId } of events) {
      try {
        this.sessionizer.add(event, templateId);
      } catch (error) {
        this.logger.error({ err: error }, 'sessionisation failed');
      }
    }
    this.counters.eventsIngested.inc(events.length);
  }

  backpressure(): Backpressure | undefined {
    if (this.config.pipeline.overload !== 'refuse') return undefined;
    if (this.queue.length < this.config.pipeline.scoreQueueSessions) return undefined;
    return { retryAfterSeconds: 1, reason: `scoring queue full (${this.queue.length} sessions)` };
  }

  onAnomaly(listener: (anomaly: Anomaly) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  status(): PipelineStatus {
    const learning = this.config.pipeline.learning;
    return {
      mode: this.mode,
      ready: this.mode !== 'starting' && this.mode !== 'stopped',
      ...(this.modelVersion ? { modelVersion: this.modelVersion } : {}),
      ...(this.scorer ? { threshold: this.scorer.threshold } : {}),
      templates: this.miner.size,
      sessionsOpen: this.sessionizer.stats.open,
      scoreQueue: this.queue.length,
      ...(this.mode === 'learning' || this.mode === 'training'
        ? { learning: { sessions: this.learningSessions.length, target: learning.sessions, minSessions: learning.minSessions, deadline: new Date(this.learningStarted + learning.maxMs).toISOString() } }
        : {}),
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }

  /** Closes every open session and resolves when all closed sessions are scored and recorded. */
  async flush(): Promise<void> {
    this.sessionizer.flush();
    await this.idle();
  }

  /** Flushes, saves the template miner, and releases the model, the sink and the timer. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.flush();
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.saveMiner();
    await this.sessionizer.dispose();
    await this.scorer?.dispose();
    if (this.ownsSink) await this.sink.dispose();
    this.setMode('stopped');
  }

  /** The durable incident store behind the pipeline, when its sink is one (after `start()`). */
  get store(): IncidentStore | undefined {
    return isIncidentStore(this.sink) ? this.sink : undefined;
  }

  /** Incidents the sink holds, newest first. */
  incidents(limit?: number) {
    return this.sink.recent(limit);
  }

  private onSessionClosed(session: Session): void {
    if (this.mode === 'learning') {
      this.learningSessions.push(session.templateIds);
      this.maybeTrain();
      return;
    }
    if (this.mode === 'mining' || this.disposed) {
      this.counters.sessionsDropped.inc({ reason: 'no_model' });
      return;
    }
    if (this.queue.length >= this.config.pipeline.scoreQueueSessions) {
      this.queue.shift();
      this.counters.sessionsDropped.inc({ reason: 'score_queue_full' });
    }
    this.queue.push(session);
    this.schedule();
  }

  private schedule(): void {
    if (this.scoring || !this.scorer || this.mode !== 'detecting' || this.queue.length === 0) {
      if (!this.scoring && (this.queue.length === 0 || this.mode === 'mining')) this.wakeIdle();
      return;
    }
    this.scoring = true;
    setImmediate(() => {
      this.scoreBatch()
        .catch((error: unknown) => this.logger.error({ err: error }, 'scoring failed'))
        .finally(() => {
          this.scoring = false;
          this.schedule();
        });
    });
  }

  private async scoreBatch(): Promise<void> {
    const scorer = this.scorer!;
    const batch = this.queue.splice(0, this.config.pipeline.scoreBatchSize);
    const started = performance.now();
    const sequences = batch.map((s) => s.templateIds.map((id) => this.vocabularyId(id)));
    const verdicts = scorer.score(sequences);
    this.counters.scoringSeconds.observe((performance.now() - started) / 1000);
    this.counters.sessionsScored.inc(batch.length);
    for (let i = 0; i < batch.length; i++) {
      if (!verdicts[i]!.anomalous) continue;
      if (this.suppressed.size > 0 && this.suppressed.has(signatureOf(sequences[i]!))) {
        this.counters.sessionsSuppressed.inc();
        continue;
      }
      this.counters.sessionsFlagged.inc();
      await this.report(batch[i]!, sequences[i]!, verdicts[i]!.score, scorer);
    }
  }

  private async report(session: Session, sequence: string[], score: number, scorer: SequenceScorer): Promise<void> {
    const cap = this.config.pipeline.incidents;
    const evidence = scorer.explain(sequence, this.config.pipeline.evidence).map((e) => ({
      position: e.position,
      templateId: e.actual,
      surprise: e.surprise,
      // Template texts travel with the evidence: the review page shows what was expected, and an
      // expected event may not occur in the session at all.
      expected: e.expected.map((x) => ({ ...x, ...(this.textOf(x.templateId) !== x.templateId ? { template: this.textOf(x.templateId) } : {}) })),
    }));
    const traced = session.events.find((e) => e.traceId);
    const traceId = traced?.traceId;
    const spanId = traced?.spanId;
    const service = session.service ?? serviceOf(session.events[0]!);
    const incident: NewIncident = {
      sessionKey: session.key,
      service,
      firstTimestamp: session.firstTimestamp,
      lastTimestamp: session.lastTimestamp,
      detectedAt: Date.now(),
      templateIds: session.templateIds,
      templates: session.templateIds.map((id) => this.textOf(id)),
      lines: session.events.slice(0, cap.maxRawLines).map((e) => (e.body.length > cap.maxLineChars ? `${e.body.slice(0, cap.maxLineChars)}…` : e.body)),
      truncatedLines: Math.max(0, session.events.length - cap.maxRawLines),
      score,
      threshold: scorer.threshold,
      evidence,
      modelVersion: this.modelVersion ?? 'unknown',
      signature: signatureOf(sequence),
      ...(traceId ? { traceId } : {}),
    };
    let id: string;
    try {
      ({ id } = await this.sink.record(incident));
    } catch (error) {
      this.counters.incidentsFailed.inc();
      this.logger.error({ err: error, sessionKey: session.key }, 'incident sink failed; the anomaly is reported without an incident id');
      id = '';
    }
    const anomaly: Anomaly = {
      incidentId: id,
      sessionKey: incident.sessionKey,
      ...(service ? { service } : {}),
      score,
      threshold: incident.threshold,
      modelVersion: incident.modelVersion,
      templateIds: incident.templateIds,
      templates: incident.templates,
      evidence,
      eventCount: session.events.length,
      firstTimestamp: session.firstTimestamp,
      lastTimestamp: session.lastTimestamp,
      ...(traceId ? { traceId } : {}),
      ...(spanId ? { spanId } : {}),
    };
    this.logger.info({ incident: id, sessionKey: anomaly.sessionKey, score, threshold: anomaly.threshold }, 'anomalous session');
    for (const listener of [...this.listeners]) {
      try {
        listener(anomaly);
      } catch (error) {
        this.logger.error({ err: error }, 'anomaly listener failed');
      }
    }
  }

  /**
   * The id the model knows for a template: templates generalise as the miner learns, which gives
   * them a new id (the old ones stay in `previousIds`), so an event annotated before or after the
   * model was trained still maps to the model's id of the same template.
   */
  private vocabularyId(id: string): string {
    const cached = this.vocabularyIds.get(id);
    if (cached !== undefined) return cached;
    const vocabulary = this.scorer?.vocabulary;
    let resolved = id;
    if (vocabulary && !vocabulary.has(id)) {
      const template = this.miner.get(id);
      const candidates = template ? [template.id, ...[...template.previousIds].reverse()] : [];
      resolved = candidates.find((c) => vocabulary.has(c)) ?? template?.id ?? id;
    }
    this.vocabularyIds.set(id, resolved);
    return resolved;
  }

  private textOf(id: string): string {
    return this.templateText.get(id) ?? this.miner.get(id)?.text ?? id;
  }

  private tick(): void {
    if (this.mode === 'learning') this.maybeTrain();
    if ((this.suppressions || isIncidentStore(this.sink)) && Date.now() - this.lastSuppressionRefresh >= this.config.pipeline.suppressionRefreshMs) void this.refreshSuppressions();
    const interval = this.config.pipeline.templateSnapshotIntervalMs;
    if (interval > 0 && Date.now() - this.lastSnapshot >= interval) this.saveMiner();
  }

  private async refreshSuppressions(): Promise<void> {
    const source = this.suppressions ?? (isIncidentStore(this.sink) ? () => (this.sink as IncidentStore).suppressedSignatures() : undefined);
    if (!source) return;
    this.lastSuppressionRefresh = Date.now();
    try {
      this.suppressed = await source();
    } catch (error) {
      this.logger.warn({ err: error }, 'reading the false-positive allow-list failed; keeping the previous one');
    }
  }

  private maybeTrain(): void {
    const learning = this.config.pipeline.learning;
    const count = this.learningSessions.length;
    const due = count >= learning.sessions || (Date.now() - this.learningStarted >= learning.maxMs && count >= learning.minSessions);
    if (this.mode !== 'learning' || !due) return;
    this.setMode('training');
    void this.train();
  }

  private async train(): Promise<void> {
    const learning = this.config.pipeline.learning;
    const byId = this.miner.templatesByAnyId();
    const sessions = this.learningSessions.map((s) => s.map((id) => byId.get(id)?.id ?? id));
    this.logger.info({ sessions: sessions.length, architecture: learning.architecture }, 'learning mode: training tier 1');
    try {
      const { scorer, report } = await SequenceScorer.train(sessions, { architecture: learning.architecture, maxSeconds: learning.maxTrainSeconds, seed: 42 });
      let version = `learned-${learning.architecture}`;
      if (this.persist) {
        const registry = new ModelRegistry(this.config.service.dataDir);
        version = await registry.add(scorer, version);
        // The model is keyed by template ids: keep the miner that made them next to it.
        saveSnapshot(this.miner, join(registry.root, version, 'templates.json'));
      }
      if (this.disposed) {
        await scorer.dispose();
        return;
      }
      this.scorer = scorer;
      this.modelVersion = version;
      this.vocabularyIds.clear();
      this.learningSessions = [];
      this.detail = undefined;
      this.counters.trainings.inc({ outcome: 'ok' });
      this.setMode('detecting');
      this.logger.info({ model: version, threshold: scorer.threshold, seconds: report.seconds, bestEpoch: report.bestEpoch }, 'learning mode: model trained, detecting');
      this.schedule();
    } catch (error) {
      this.counters.trainings.inc({ outcome: 'failed' });
      this.detail = `training failed: ${(error as Error).message}; learning goes on and retries with more sessions`;
      this.logger.error({ err: error }, 'learning mode: training failed');
      this.learningStarted = Date.now();
      if (!this.disposed) this.setMode('learning');
    }
  }

  private setMode(mode: PipelineMode): void {
    this.mode = mode;
    if (mode !== 'detecting') this.wakeIdle();
  }

  private idle(): Promise<void> {
    if (!this.scoring && (this.queue.length === 0 || this.mode !== 'detecting')) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private activeModelDir(): string | undefined {
    if (!this.persist) return undefined;
    const registry = new ModelRegistry(this.config.service.dataDir);
    const version = registry.activeVersion();
    return version ? join(registry.root, version) : undefined;
  }

  private restoreMiner(): TemplateMiner {
    const candidates = [
      ...(this.persist ? [join(this.config.service.dataDir, 'templates.json')] : []),
      ...(this.modelDir ? [join(this.modelDir, 'templates.json')] : []),
    ];
    const path = candidates.find((p) => existsSync(p));
    if (!path) return new TemplateMiner(this.config.templates);
    const miner = loadSnapshot(path, { maxClusters: this.config.templates.maxClusters });
    this.logger.info({ path, templates: miner.size }, 'template miner restored');
    return miner;
  }

  private saveMiner(): void {
    this.lastSnapshot = Date.now();
    if (!this.persist) return;
    try {
      saveSnapshot(this.miner, join(this.config.service.dataDir, 'templates.json'));
    } catch (error) {
      this.logger.error({ err: error }, 'saving the template snapshot failed');
    }
  }

  private createSink(): IncidentSink {
    const incidents = this.config.pipeline.incidents;
    // `store` is opened by start(); until then (and without persistence) a memory sink stands in.
    if (incidents.sink !== 'jsonl' || !this.persist) return new MemoryIncidentSink();
    return new JsonlIncidentSink(incidents.path ?? join(this.config.service.dataDir, 'incidents.jsonl'));
  }
}
