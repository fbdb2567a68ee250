import { similarIncidents } from './similarIncidents.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import type { TriageConfig } from '../config/triage.js';
import type { IncidentStore, StoredIncident, TriageResult } from '../incidents/index.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TriageOutputError, TriageUnavailableError } from './errors.js';
import { HeuristicTriager } from './HeuristicTriager.js';
import { renderTriagePrompt } from './prompts/index.js';
import { ResultReuse } from './ResultReuse.js';
import { settleWithin } from './settleWithin.js';
import type { Taxonomy } from './taxonomy.js';
import { TriageMetrics, type TriageFailureReason } from './TriageMetrics.js';
import type { TriageInput, Triager, TriagePrompt } from './types.js';

/** What a {@link TriageWorker} is built from. */
export interface TriageWorkerOptions {
  store: IncidentStore;
  /** The configured backend (see `createTriager`). The worker does not dispose it. */
  triager: Triager;
  /** Classifies an incident whose backend stayed unavailable for `worker.maxAttempts` attempts, when `fallbackToHeuristic`. Default: a {@link HeuristicTriager}. */
  fallback?: Triager;
  taxonomy: Taxonomy;
  /** The `triage` slice (parsed, defaults filled in). */
  config: TriageConfig;
  /** Prometheus registry for the metrics. Default: a new one. */
  registry?: Registry;
  logger?: Logger;
  /** Told of every result stored (e.g. to send an anomaly record with the category downstream). Errors are logged. */
  onTriaged?: (incident: StoredIncident, result: TriageResult) => void;
}

/** Some backends count tokens in their own vocabulary, for the prompt's token budget. */
interface CountsTokens {
  countTokens(text: string): number;
}

/** Most confirmed or relabelled incidents considered as similar ones, and how long that list is reused. */
const REVIEWED_LIMIT = 200;
const REVIEWED_REFRESH_MS = 60_000;
/** Results of recent triaged incidents read back at start for reuse. */
const SEED_LIMIT = 500;
/** Longest pause after the store failed, ms. */
const MAX_STORE_BACKOFF_MS = 30_000;
/** After the drain timeout, how long aborted calls get to unwind, ms. */
const ABORT_GRACE_MS = 5_000;

/**
 * Drains the triage queue: claims pending incidents from the store (leased, so a crashed worker's
 * incidents return to the queue), renders each prompt, asks the backend with bounded concurrency
 * and stores the result. An incident whose signature or template sequence was triaged before gets a
 * copy of that result instead of a call. Invalid output (invalid twice) fails the incident for good;
 * an unavailable backend is retried with exponential backoff and, after `worker.maxAttempts`,
 * classified by the heuristic (`fallbackToHeuristic`) or failed. Nothing is thrown out of its loop:
 * a store that went away is logged and tried again.
 */
export class TriageWorker {
  readonly id: string;
  /** Incidents triaged at once: the smaller of `worker.concurrency` and the backend's parallelism. */
  readonly concurrency: number;
  readonly metrics: TriageMetrics;
  private readonly logger: Logger;
  private readonly reuse: ResultReuse;
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private reviewed: { at: number; items: Promise<StoredIncident[]> } | undefined;
  private readonly fallback: Triager | undefined;

  constructor(private readonly options: TriageWorkerOptions) {
    const { config } = options;
    this.id = config.worker.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.concurrency = Math.max(1, Math.min(config.worker.concurrency, options.triager.parallelism));
    this.logger = (options.logger ?? silentLogger()).child({ component: 'triage-worker', worker: this.id });
    this.reuse = new ResultReuse(config.worker.reuse);
    const fallback = options.fallback ?? new HeuristicTriager();
    this.fallback = config.fallbackToHeuristic && fallback.name !== options.triager.name ? fallback : undefined;
    this.metrics = new TriageMetrics(options.registry ?? new Registry(), () => options.store.pendingCount());
  }

  /** Starts claiming and triaging in the background. Does nothing when it runs already. */
  start(): void {
    if (this.loop) return;
    this.running = true;
    this.abort = new AbortController();
    this.logger.info({ backend: this.options.triager.name, concurrency: this.concurrency, reuse: this.reuse.mode }, 'triage worker started');
    this.loop = this.run().catch((error: unknown) => this.logger.error({ err: error }, 'triage worker loop ended unexpectedly'));
  }

  /** Looks for pending incidents now instead of at the next poll (e.g. right after one was recorded). */
  notify(): void {
    this.wake?.();
  }

  /**
   * Stops claiming, lets calls in flight finish for `worker.drainTimeoutMs`, then aborts the rest
   * (their incidents become claimable again at once). Resolves when nothing runs any more.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    const all = (): Promise<unknown> => Promise.allSettled([...this.inFlight]);
    if (!(await settleWithin(all(), this.options.config.worker.drainTimeoutMs))) {
      this.logger.warn({ inFlight: this.inFlight.size }, 'triage calls still running at shutdown; aborting them');
      this.abort.abort(new DOMException('the triage worker stopped', 'AbortError'));
      await settleWithin(all(), ABORT_GRACE_MS);
    }
    this.loop = undefined;
    this.logger.info('triage worker stopped');
  }

  /** Incidents being triaged now. */
  get active(): number {
    return this.inFlight.size;
  }

  private async run(): Promise<void> {
    await this.seedReuse();
    const { leaseMs, pollIntervalMs } = this.options.config.worker;
    let storeFailures = 0;
    while (this.running) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) {
        await this.pause(Promise.race(this.inFlight));
        continue;
      }
      let claimed: StoredIncident[];
      try {
        claimed = await this.options.store.claim(this.id, free, leaseMs);
        if (storeFailures > 0) this.logger.info({ failures: storeFailures }, 'incident store answers again; triage resumes');
        storeFailures = 0;
      } catch (error) {
        storeFailures++;
        const backoff = Math.min(pollIntervalMs * 2 ** Math.min(storeFailures, 16), MAX_STORE_BACKOFF_MS);
        if (storeFailures === 1 || storeFailures % 10 === 0) {
          this.logger.warn({ err: error, failures: storeFailures, retryInMs: backoff }, 'cannot claim incidents: the incident store failed; trying again');
        }
        await this.pause(sleep(backoff));
        continue;
      }
      for (const incident of claimed) {
        const work: Promise<void> = this.process(incident).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      }
      if (claimed.length < free) await this.pause(sleep(pollIntervalMs));
    }
  }

  /** Waits for `what`, or until {@link notify} or {@link stop}. */
  private async pause(what: Promise<unknown>): Promise<void> {
    if (!this.running) return;
    await Promise.race([what, new Promise<void>((resolve) => (this.wake = resolve))]);
    this.wake = undefined;
  }

  private async process(incident: StoredIncident): Promise<void> {
    const backend = this.options.triager.name;
    let settle: ((result: TriageResult | undefined) => void) | undefined;
    let started = 0;
    try {
      const hit = this.reuse.lookup(incident);
      const copy = hit.copy ?? (hit.pending ? await hit.pending : undefined);
      if (copy) {
        if (await this.complete(incident, copy.result)) {
          this.metrics.savedCalls.inc();
          this.logger.debug({ incident: incident.id, from: copy.from }, 'triage result reused');
        }
        return;
      }
      settle = this.reuse.begin(incident);
      let input: TriageInput;
      try {
        input = await this.inputFor(incident);
      } catch (error) {
        settle(undefined);
        await this.unrenderable(incident, error);
        return;
      }
      started = performance.now();
      const outcome = await this.options.triager.triage(input);
      this.metrics.latency.observe({ backend, outcome: 'ok' }, (performance.now() - started) / 1000);
      this.metrics.tokensIn.inc({ backend }, outcome.tokensIn);
      this.metrics.tokensOut.inc({ backend }, outcome.tokensOut);
      const stored = await this.complete(incident, outcome.result);
      settle(stored ? outcome.result : undefined);
    } catch (error) {
      settle?.(undefined);
      if (started > 0) this.metrics.latency.observe({ backend, outcome: this.outcomeOf(error) }, (performance.now() - started) / 1000);
      await this.failed(incident, error);
    }
  }

  private outcomeOf(error: unknown): string {
    if (this.abort.signal.aborted) return 'aborted';
    return error instanceof TriageOutputError ? 'invalid_output' : 'unavailable';
  }

  /** The backend's input: similar reviewed incidents and the rendered prompt. */
  private async inputFor(incident: StoredIncident): Promise<TriageInput> {
    const { config, taxonomy, triager } = this.options;
    const similar = await this.similarTo(incident);
    const counter = triager as Partial<CountsTokens>;
    const prompt: TriagePrompt = renderTriagePrompt(incident, {
      taxonomy,
      similar,
      language: config.language,
      maxPromptTokens: config.maxPromptTokens,
      ...(typeof counter.countTokens === 'function' ? { countTokens: (text: string) => counter.countTokens!(text) } : {}),
    });
    return { incident, similar, prompt, taxonomy, signal: this.abort.signal };
  }

  /** Stores a result; false (and logged) when the lease was lost or the store failed. */
  private async complete(incident: StoredIncident, result: TriageResult): Promise<boolean> {
    try {
      if (await this.options.store.completeTriage(incident.id, this.id, result)) {
        this.metrics.triaged.inc({ backend: result.backend });
        try {
          this.options.onTriaged?.(incident, result);
        } catch (error) {
          this.logger.warn({ err: error, incident: incident.id }, 'onTriaged listener failed');
        }
        return true;
      }
      this.metrics.failures.inc({ reason: 'lease_lost' });
      this.logger.warn({ incident: incident.id }, 'triage result not stored: the lease expired and another worker holds the incident (raise triage.worker.leaseMs?)');
    } catch (error) {
      this.metrics.failures.inc({ reason: 'store' });
      this.logger.warn({ err: error, incident: incident.id }, 'triage result not stored: the incident store failed; the incident is claimed again when its lease expires');
    }
    return false;
  }

  private async failed(incident: StoredIncident, error: unknown): Promise<void> {
    const { worker } = this.options.config;
    const message = error instanceof Error ? error.message : String(error);
    if (this.abort.signal.aborted) {
      this.count('aborted');
      await this.fail(incident, 'interrupted: the triage worker stopped before the backend answered', { retryAt: Date.now(), final: false });
      return;
    }
    if (error instanceof TriageOutputError) {
      this.count('invalid_output');
      this.logger.warn({ incident: incident.id, backend: this.options.triager.name, reason: message }, 'triage failed: invalid output twice');
      await this.fail(incident, `invalid output: ${message}`, { final: true });
      return;
    }
    // TriageUnavailableError, and anything unexpected (a prompt that cannot be rendered): retried.
    const known = error instanceof TriageUnavailableError;
    this.count(known ? 'unavailable' : 'internal');
    const attempts = incident.triage.attempts;
    if (attempts < worker.maxAttempts) {
      const delayMs = Math.min(worker.retryBaseMs * 2 ** (attempts - 1), worker.retryMaxMs);
      this.logger.warn({ incident: incident.id, attempt: attempts, maxAttempts: worker.maxAttempts, retryInMs: delayMs, ...(known ? { reason: message } : { err: error }) }, 'triage attempt failed; retrying later');
      await this.fail(incident, message, { retryAt: Date.now() + delayMs, final: false });
      return;
    }
    if (this.fallback) {
      try {
        const outcome = await this.fallback.triage(await this.inputFor(incident).catch(() => this.bareInput(incident)));
        if (await this.complete(incident, outcome.result)) {
          this.metrics.fallbacks.inc();
          this.logger.warn({ incident: incident.id, attempts, reason: message }, `backend unavailable after ${attempts} attempts; classified by the heuristic`);
        }
        return;
      } catch (fallbackError) {
        this.logger.error({ err: fallbackError, incident: incident.id }, 'the heuristic fallback failed too');
      }
    }
    this.logger.error({ incident: incident.id, attempts, reason: message }, 'triage failed for good');
    await this.fail(incident, `${message} (gave up after ${attempts} attempts)`, { final: true });
  }

  /**
   * The prompt cannot be rendered (the system turn alone exceeds `maxPromptTokens`, say): asking
   * again would fail the same way, so the heuristic answers at once, or the incident fails.
   */
  private async unrenderable(incident: StoredIncident, error: unknown): Promise<void> {
    const message = `cannot render the triage prompt: ${error instanceof Error ? error.message : String(error)}`;
    this.count('internal');
    if (this.fallback) {
      try {
        const outcome = await this.fallback.triage(this.bareInput(incident));
        if (await this.complete(incident, outcome.result)) {
          this.metrics.fallbacks.inc();
          this.logger.warn({ incident: incident.id, reason: message }, 'classified by the heuristic: the prompt for the backend cannot be rendered (check triage.maxPromptTokens)');
        }
        return;
      } catch (fallbackError) {
        this.logger.error({ err: fallbackError, incident: incident.id }, 'the heuristic fallback failed too');
      }
    }
    this.logger.error({ incident: incident.id, reason: message }, 'triage failed for good');
    await this.fail(incident, message, { final: true });
  }

  /** An input without a rendered prompt, for the heuristic (which reads the incident itself). */
  private bareInput(incident: StoredIncident): TriageInput {
    const prompt: TriagePrompt = { system: '', examples: [], user: '', version: 'none', shownLines: incident.lines.map((_, i) => i) };
    return { incident, similar: [], prompt, taxonomy: this.options.taxonomy, signal: this.abort.signal };
  }

  private count(reason: TriageFailureReason): void {
    this.metrics.failures.inc({ reason });
  }

  private async fail(incident: StoredIncident, error: string, options: { retryAt?: number; final: boolean }): Promise<void> {
    try {
      if (!(await this.options.store.failTriage(incident.id, this.id, error, options))) {
        this.count('lease_lost');
        this.logger.warn({ incident: incident.id }, 'triage failure not recorded: the lease expired and another worker holds the incident');
      }
    } catch (storeError) {
      this.count('store');
      this.logger.warn({ err: storeError, incident: incident.id }, 'triage failure not recorded: the incident store failed; the incident is claimed again when its lease expires');
    }
  }

  /** Confirmed or relabelled incidents with the same signature or mostly the same templates, most alike first. */
  private async similarTo(incident: StoredIncident): Promise<StoredIncident[]> {
    const now = Date.now();
    if (!this.reviewed || now - this.reviewed.at > REVIEWED_REFRESH_MS) {
      const { store } = this.options;
      const items = Promise.all([store.list({ reviewState: 'confirmed', limit: REVIEWED_LIMIT }), store.list({ reviewState: 'relabelled', limit: REVIEWED_LIMIT })]).then(
        ([confirmed, relabelled]) => [...confirmed.items, ...relabelled.items],
        (error: unknown) => {
          this.logger.debug({ err: error }, 'cannot read reviewed incidents; triaging without similar ones');
          this.reviewed = undefined;
          return [];
        },
      );
      this.reviewed = { at: now, items };
    }
    return similarIncidents(incident, await this.reviewed!.items);
  }

  /** Reads back recent results of this backend, so a restart does not forget what was triaged. */
  private async seedReuse(): Promise<void> {
    if (this.reuse.mode === 'off') return;
    try {
      const page = await this.options.store.list({ status: 'triaged', limit: Math.min(SEED_LIMIT, 500) });
      for (const incident of page.items.reverse()) {
        const result = incident.triage.result;
        if (result && result.backend === this.options.triager.name) this.reuse.remember(incident, result);
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'cannot read triaged incidents for reuse; starting without');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
