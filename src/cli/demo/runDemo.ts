import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import { readLogEvents, type LogEvent } from '../../ingest/index.js';
import { initBackend, ModelRegistry, SequenceScorer } from '../../scoring/index.js';
import { iterateSequences } from '../../synthetic/index.js';
import { saveSnapshot, TemplateMiner } from '../../templates/index.js';
import { createProgress } from '../../util/progress.js';
import type { Logger } from '../../util/logger.js';
import { replayLogs } from '../replay/replayLogs.js';
import { LogtriageService } from '../serve/LogtriageService.js';

/** Layout of the bundled demo log, written by the synthetic generator. */
export const DEMO_LOG_FORMAT = String.raw`<Time> <Level> <Service> \[trace=<Trace>\] <Content>`;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The demo log (default: the bundled `data/synthetic/demo.log`) and its labels CSV, when there is one. */
  logFile: string;
  labelsFile?: string;
  /** Normal synthetic sessions tier 1 is trained on at the first start (the CLI's default is 2,500). */
  trainSessions: number;
  /** Records per second sent to the receiver. Default 1,000. */
  rate: number;
  /** Stop once the replayed sessions are scored and triaged, instead of waiting for Ctrl-C. */
  once: boolean;
  quiet: boolean;
  out: NodeJS.WritableStream;
  logger: Logger;
}

/** What a demo run found, for its summary and for tests. */
export interface DemoSummary {
  api?: string;
  records: number;
  incidents: { id: string; sessionKey: string; category: string | null; heuristic: boolean; occurrences: number }[];
  /** Traces the demo log's labels mark anomalous, and how many of them were flagged. */
  injected?: number;
  injectedFlagged?: number;
  /** Flagged traces the labels call normal. */
  falsePositives?: number;
  trainedModel: boolean;
}

/**
 * Trains tier 1 on normal synthetic sessions when the data directory has no model yet (the miner's
 * snapshot is stored with it, so the service's template ids match the model's), then the whole
 * product on embedded defaults: `logtriage serve` (SQLite, the review page, tier 2 by the
 * configured backend – the heuristic unless an LLM is configured), the bundled log replayed through
 * the real OTLP/HTTP receiver, and a summary once every session is scored and triaged.
 */
export async function runDemo(config: Config, options: DemoOptions, service: (config: Config) => LogtriageService = (c) => new LogtriageService(c, { logger: options.logger })): Promise<{ summary: DemoSummary; stop: () => Promise<void> }> {
  const out = options.out;
  const registry = new ModelRegistry(config.service.dataDir);
  let trainedModel = false;
  if (!registry.activeVersion()) {
    await trainDemoModel(config, options);
    trainedModel = true;
  } else {
    out.write(`tier 1: using model ${registry.activeVersion()} from ${registry.root} (delete ${config.service.dataDir} to train again)\n`);
  }

  const running = service(config);
  const addresses = await running.start();
  const status = running.pipeline.status();
  out.write(`logtriage serve is up: OTLP/HTTP ${addresses.http ?? 'off'}, tier 1 ${status.mode}${status.modelVersion ? ` (${status.modelVersion})` : ''}, tier 2 ${addresses.triage ?? 'off'}${addresses.triage === 'heuristic' ? ' (keyword heuristic: no LLM configured)' : ''}\n`);
  if (!addresses.http) throw new Error('the demo replays through the OTLP/HTTP receiver: receivers.http.enabled must be true');

  const events = readLogEvents(options.logFile, { format: DEMO_LOG_FORMAT, maxLineBytes: config.ingest.maxLineBytes });
  const progress = createProgress({ label: 'replaying demo log', unit: 'records', quiet: options.quiet });
  const replayed = await replayLogs(asOtelEvents(events), { endpoint: addresses.http, rate: options.rate, onSent: (n) => progress.tick(n) });
  progress.stop();
  out.write(`replayed ${replayed.records.toLocaleString('en-US')} records of ${options.logFile} through ${addresses.http}/v1/logs\n`);

  await settle(running);
  const summary = await summarize(running, options, replayed.records, trainedModel, addresses.api);
  printSummary(summary, out);
  return { summary, stop: () => running.stop() };
}

/** The demo log's header fields as OpenTelemetry has them: the trace id, and the service as a resource. */
async function* asOtelEvents(events: AsyncIterable<LogEvent>): AsyncGenerator<LogEvent> {
  for await (const event of events) {
    const { Trace, Service, Time: _time, Level: _level, ...attributes } = event.attributes;
    yield {
      ...event,
      attributes,
      resource: { ...event.resource, ...(typeof Service === 'string' ? { 'service.name': Service } : {}) },
      ...(typeof Trace === 'string' && /^[0-9a-f]{32}$/.test(Trace) ? { traceId: Trace } : {}),
    };
  }
}

async function trainDemoModel(config: Config, options: DemoOptions): Promise<void> {
  const out = options.out;
  out.write(`first start: training tier 1 on ${options.trainSessions.toLocaleString('en-US')} normal synthetic request sessions (English and Chinese)…\n`);
  await initBackend(config.scoring.backend);
  const miner = new TemplateMiner(config.templates);
  const sessions: string[][] = [];
  // Each sequence picks its language, so every service is seen writing both (the demo log mixes
  // them by service); a seed other than the demo log's, so it is not trained on what it replays.
  for (const sequence of iterateSequences({ seed: 1, count: options.trainSessions, language: 'mixed', mixedBy: 'sequence', anomalyRatio: 0, controlRatio: 0.15 })) {
    sessions.push(sequence.lines.map((line) => miner.add(line.body)?.templateId ?? 'empty'));
  }
  const byId = miner.templatesByAnyId();
  const normal = sessions.map((s) => s.map((id) => byId.get(id)?.id ?? id));
  const progress = createProgress({ label: 'training tier 1', unit: 'epochs', total: 60, quiet: options.quiet });
  const { scorer, report } = await SequenceScorer.train(normal, { seed: 42, epochs: 60, maxSeconds: 50, progress });
  const registry = new ModelRegistry(config.service.dataDir);
  const version = await registry.add(scorer, 'demo-lstm');
  saveSnapshot(miner, join(registry.root, version, 'templates.json'));
  await scorer.dispose();
  out.write(`tier 1 trained in ${report.seconds.toFixed(1)} s (${miner.size} templates, threshold ${scorer.threshold.toFixed(2)} nats): model ${version}\n`);
}

/** Waits until every session is closed, scored, and its incident triaged (at most two minutes). */
async function settle(service: LogtriageService): Promise<void> {
  const started = Date.now();
  for (;;) {
    const status = service.pipeline.status();
    const pending = (await service.pipeline.store?.pendingCount()) ?? 0;
    if (status.sessionsOpen === 0 && status.scoreQueue === 0 && pending === 0) return;
    if (Date.now() - started > 120_000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function summarize(service: LogtriageService, options: DemoOptions, records: number, trainedModel: boolean, api: string | undefined): Promise<DemoSummary> {
  const store = service.pipeline.store;
  const page = store ? await store.list({ limit: 500 }) : { items: [] };
  const incidents = page.items.map((i) => ({
    id: i.id,
    sessionKey: i.sessionKey,
    category: i.review.corrections.category ?? i.triage.result?.category ?? null,
    heuristic: i.triage.result?.backend === 'heuristic',
    occurrences: i.occurrences,
  }));
  const summary: DemoSummary = { ...(api ? { api } : {}), records, incidents, trainedModel };
  if (options.labelsFile && existsSync(options.labelsFile)) {
    const rows = readFileSync(options.labelsFile, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    const anomalous = new Set(rows.filter((r) => r[3] === '1').map((r) => r[1]!));
    const flagged = new Set(incidents.map((i) => i.sessionKey));
    // Identical sequences are one incident, keyed by the first trace: a repeat counts as an occurrence, not here.
    summary.injected = anomalous.size;
    summary.injectedFlagged = [...anomalous].filter((trace) => flagged.has(trace)).length;
    summary.falsePositives = [...flagged].filter((trace) => !anomalous.has(trace)).length;
  }
  return summary;
}

function printSummary(summary: DemoSummary, out: NodeJS.WritableStream): void {
  const byCategory = new Map<string, number>();
  for (const incident of summary.incidents) byCategory.set(incident.category ?? 'pending', (byCategory.get(incident.category ?? 'pending') ?? 0) + 1);
  out.write(`\n${summary.incidents.length} incidents`);
  if (summary.injected !== undefined) {
    out.write(` (the demo log has ${summary.injected} requests with an injected failure: ${summary.injectedFlagged} flagged; ${summary.falsePositives} flagged requests are labelled normal)`);
  }
  out.write('\n');
  for (const [category, count] of [...byCategory].sort((a, b) => b[1] - a[1])) out.write(`  ${String(count).padStart(3)}  ${category}\n`);
  if (summary.incidents.some((i) => i.heuristic)) out.write('  (categories by the keyword heuristic, labelled as such on the page: configure triage.modelPath for an LLM)\n');
  if (summary.api) out.write(`\nReview them at ${summary.api}/   (API: ${summary.api}/api/incidents, OpenAPI: ${summary.api}/api/openapi.json)\n`);
}
