import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenBias, type LlamaModel, type Token } from 'node-llama-cpp';
import { triageConfigSchema } from '../src/config/triage.js';
import { KyselyIncidentStore, signatureOf, type NewIncident, type StoredIncident } from '../src/incidents/index.js';
import { ANOMALY_CATEGORIES, generateSequences, type SyntheticSequence } from '../src/synthetic/index.js';
import { TemplateMiner } from '../src/templates/index.js';
import { TriageOutputError } from '../src/triage/errors.js';
import { tinyVocabulary, writeTinyModels } from '../src/triage/gguf/index.js';
import { HeuristicTriager } from '../src/triage/HeuristicTriager.js';
import { LlamaCppTriager } from '../src/triage/LlamaCppTriager.js';
import { OpenAiTriager } from '../src/triage/OpenAiTriager.js';
import { renderTriagePrompt } from '../src/triage/prompts/index.js';
import type { ReuseMode } from '../src/triage/ResultReuse.js';
import { loadTaxonomy, type Taxonomy } from '../src/triage/taxonomy.js';
import { TriageWorker } from '../src/triage/TriageWorker.js';
import type { TriageInput, TriageOutcome, Triager } from '../src/triage/types.js';
import { bundledDataPath } from '../src/util/packageRoot.js';
import { HdfsLikeStream } from './ingest/hdfsLike.js';

export const TRIAGE_BENCH_BACKENDS = ['heuristic', 'llamacpp', 'openai'] as const;
export type TriageBenchBackend = (typeof TRIAGE_BENCH_BACKENDS)[number];

/** Options of {@link runTriageBenchmark}. */
export interface TriageBenchOptions {
  backend: TriageBenchBackend;
  /** Parallel sequences (llamacpp) or requests in flight measured. Default 1, 4, 8. */
  parallel?: number[];
  /** Incidents timed at each parallelism. Default 24. */
  incidents?: number;
  /** Labelled sequences (the `data/synthetic` JSON-lines form). Default: the bundled `data/synthetic/test.jsonl`. */
  dataset?: string;
  /** Instead of `dataset`: generate this many labelled sequences (seed 2024, English and Chinese). */
  generate?: number;
  /** Real HDFS sessions for the reuse figure: DeepLog id lines (all anomalous) or deep-loglizer JSON lines (label 1 kept). Default: the HDFS-like generator. */
  hdfs?: string;
  /** Lines of the HDFS-like generator. Default 1,000,000 (about 1,000 anomalous sessions). */
  hdfsLines?: number;
  /** Reuse mode of the figure in the result. Default `signature` (the config default). */
  reuse?: Exclude<ReuseMode, 'off'>;
  /** llamacpp: a GGUF model; default the generated tiny model. */
  modelPath?: string;
  lora?: string;
  /** llamacpp CPU threads. Default 1. */
  threads?: number;
  openaiUrl?: string;
  openaiModel?: string;
  onProgress?: (line: string) => void;
}

/** Throughput and latency at one parallelism. */
export interface ParallelFigure {
  parallel: number;
  perMinute: number;
  p50Ms: number;
  p95Ms: number;
}

/** What `npm run bench -- triage --json` prints. */
export interface TriageBenchResult {
  backend: string;
  perParallel: ParallelFigure[];
  /** Backend calls per 1,000 flagged HDFS sessions (store de-duplication and the worker's reuse). */
  callsPer1000Flagged: number;
  /** On the anomalies of the dataset, over the anomaly categories. */
  accuracy: number;
  macroF1: number;
}

/** Context of each sequence, the prompt budget and the answer budget for the llamacpp runs. */
const CONTEXT_SIZE = 4096;
const MAX_PROMPT_TOKENS = 3400;
const MAX_TOKENS = 400;

/**
 * Measures tier 2: incidents per minute and p50/p95 latency at each parallelism, LLM calls per 1,000
 * flagged HDFS sessions with signature reuse (recorded into a real SQLite store and drained by the
 * real worker), and accuracy and macro-F1 against the labels of a dataset.
 */
export async function runTriageBenchmark(options: TriageBenchOptions): Promise<TriageBenchResult> {
  const progress = options.onProgress ?? (() => undefined);
  const taxonomy = loadTaxonomy();
  const temp = mkdtempSync(join(tmpdir(), 'logtriage-bench-triage-'));
  try {
    const sequences = options.generate
      ? generateSequences({ seed: 2024, count: options.generate, language: 'mixed', mixedBy: 'sequence' })
      : readSequences(options.dataset ?? bundledDataPath('synthetic', 'test.jsonl'));
    const labelled = toIncidents(sequences);
    const anomalies = labelled.filter((x) => x.sequence.label === 1);
    progress(`dataset: ${sequences.length} sequences, ${anomalies.length} anomalies`);

    let tiny = false;
    let modelPath = options.modelPath;
    if (options.backend === 'llamacpp' && !modelPath) {
      const files = await writeTinyModels(join(temp, 'tiny'));
      modelPath = files.base.path;
      options = { ...options, lora: options.lora ?? files.lora.path };
      tiny = true;
      progress(`tiny model and adapter written to ${join(temp, 'tiny')}`);
    }
    const open = async (parallel: number): Promise<Triager> => {
      switch (options.backend) {
        case 'heuristic':
          return new HeuristicTriager({ parallelism: parallel });
        case 'openai':
          if (!options.openaiUrl) throw new Error('--openai-url is required with --backend openai');
          return new OpenAiTriager({ baseUrl: options.openaiUrl, ...(options.openaiModel ? { model: options.openaiModel } : {}), parallelism: parallel, maxTokens: MAX_TOKENS });
        case 'llamacpp':
          return LlamaCppTriager.create({
            modelPath: modelPath!,
            ...(options.lora ? { lora: [{ path: options.lora, scale: 1 }] } : {}),
            threads: options.threads ?? 1,
            sequences: parallel,
            contextSize: CONTEXT_SIZE,
            maxTokens: MAX_TOKENS,
            ...(tiny ? { tokenBias: tinyAnswerBias } : {}),
          });
      }
    };

    // Flagged sessions are mostly anomalies; normal ones (flagged by mistake) fill the rest.
    const timed = [...anomalies, ...labelled.filter((x) => x.sequence.label === 0)].slice(0, options.incidents ?? 24).map((x) => x.incident);
    const perParallel: ParallelFigure[] = [];
    let name = options.backend as string;
    let accuracy = { accuracy: 0, macroF1: 0 };
    const levels = options.parallel ?? [1, 4, 8];
    for (const [index, parallel] of levels.entries()) {
      const triager = await open(parallel);
      name = triager.name;
      try {
        const figure = await measure(triager, timed, parallel, taxonomy, options.backend === 'llamacpp');
        perParallel.push(figure);
        progress(`${name} parallel ${parallel}: ${figure.perMinute.toFixed(1)} incidents/min, p50 ${figure.p50Ms.toFixed(0)} ms, p95 ${figure.p95Ms.toFixed(0)} ms`);
        if (index === levels.length - 1) {
          accuracy = await classify(triager, anomalies, parallel, taxonomy, options.backend === 'llamacpp');
          progress(`${name}: accuracy ${accuracy.accuracy.toFixed(3)}, macro-F1 ${accuracy.macroF1.toFixed(3)} on ${anomalies.length} anomalies`);
        }
      } finally {
        await triager.dispose();
      }
    }

    const sessions = options.hdfs ? readHdfsSessions(options.hdfs) : hdfsLikeSessions(options.hdfsLines ?? 1_000_000, progress);
    const reuse = options.reuse ?? 'signature';
    const figures: Record<string, number> = {};
    for (const mode of ['signature', 'templates'] as const) {
      const { calls, incidents } = await countCalls(sessions, mode, join(temp, `reuse-${mode}.db`));
      figures[mode] = (1000 * calls) / sessions.length;
      progress(`HDFS (${options.hdfs ?? 'HDFS-like generator'}): ${sessions.length} flagged sessions → ${incidents} incidents in the store → ${calls} backend calls with reuse "${mode}" (${figures[mode]!.toFixed(1)} per 1,000)`);
    }
    return { backend: name, perParallel, callsPer1000Flagged: figures[reuse]!, accuracy: accuracy.accuracy, macroF1: accuracy.macroF1 };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function inputFor(incident: StoredIncident, taxonomy: Taxonomy, triager: Triager, llama: boolean): TriageInput {
  const counter = triager instanceof LlamaCppTriager ? (text: string) => triager.countTokens(text) : undefined;
  const prompt = renderTriagePrompt(incident, { taxonomy, similar: [], language: 'en', ...(llama ? { maxPromptTokens: MAX_PROMPT_TOKENS } : {}), ...(counter ? { countTokens: counter } : {}) });
  return { incident, similar: [], prompt, taxonomy, signal: new AbortController().signal };
}

/** Runs `incidents` with `parallel` in flight after one untimed call per slot (a sequence caches the system turn on its first incident). */
async function measure(triager: Triager, incidents: StoredIncident[], parallel: number, taxonomy: Taxonomy, llama: boolean): Promise<ParallelFigure> {
  const inputs = incidents.map((incident) => inputFor(incident, taxonomy, triager, llama));
  await Promise.all(inputs.slice(0, parallel).map((input) => triager.triage(input).catch(() => undefined)));
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < inputs.length) {
        const input = inputs[next++]!;
        const t0 = performance.now();
        await triager.triage(input).catch((error: unknown) => {
          if (!(error instanceof TriageOutputError)) throw error;
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { parallel, perMinute: (60 * inputs.length) / seconds, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

/** Accuracy and macro-F1 over the anomaly categories; an invalid answer counts as `unknown`. */
async function classify(triager: Triager, anomalies: Labelled[], parallel: number, taxonomy: Taxonomy, llama: boolean): Promise<{ accuracy: number; macroF1: number }> {
  const predicted: string[] = new Array<string>(anomalies.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < anomalies.length) {
        const i = next++;
        const outcome: TriageOutcome | undefined = await triager.triage(inputFor(anomalies[i]!.incident, taxonomy, triager, llama)).catch((error: unknown) => {
          if (error instanceof TriageOutputError) return undefined;
          throw error;
        });
        predicted[i] = outcome?.result.category ?? 'unknown';
      }
    }),
  );
  const pairs = anomalies.map((x, i) => ({ label: x.sequence.category, predicted: predicted[i]! }));
  if (pairs.length === 0) return { accuracy: 0, macroF1: 0 };
  const f1 = ANOMALY_CATEGORIES.map((c) => {
    const tp = pairs.filter((p) => p.label === c && p.predicted === c).length;
    const fp = pairs.filter((p) => p.label !== c && p.predicted === c).length;
    const fn = pairs.filter((p) => p.label === c && p.predicted !== c).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return { accuracy: pairs.filter((p) => p.label === p.predicted).length / pairs.length, macroF1: f1.reduce((a, b) => a + b, 0) / f1.length };
}

/**
 * Records every flagged session into a fresh SQLite store (the same template sequence is one
 * incident with more occurrences) and drains it with the real worker; returns the backend calls.
 */
async function countCalls(sessions: { ids: string[]; lines: string[] }[], reuse: ReuseMode, path: string): Promise<{ calls: number; incidents: number }> {
  const store = KyselyIncidentStore.sqlite(path);
  await store.migrate();
  try {
    const ids = new Set<string>();
    for (const [i, session] of sessions.entries()) {
      const incident: NewIncident = {
        sessionKey: `blk_${i}`,
        firstTimestamp: 1_700_000_000_000 + i,
        lastTimestamp: 1_700_000_000_000 + i,
        detectedAt: 1_700_000_000_000 + i,
        templateIds: session.ids,
        templates: session.ids,
        lines: session.lines,
        truncatedLines: 0,
        score: 10,
        threshold: 5,
        evidence: [],
        modelVersion: 'bench',
        signature: signatureOf(session.ids),
      };
      ids.add((await store.record(incident)).id);
    }
    let calls = 0;
    const heuristic = new HeuristicTriager();
    const counting: Triager = {
      name: 'llamacpp:bench',
      parallelism: 64,
      async triage(input) {
        calls++;
        const outcome = await heuristic.triage(input);
        return { ...outcome, result: { ...outcome.result, backend: 'llamacpp:bench' } };
      },
      dispose: () => Promise.resolve(),
    };
    const config = triageConfigSchema.parse({ worker: { concurrency: 64, pollIntervalMs: 5, reuse } });
    const worker = new TriageWorker({ store, triager: counting, taxonomy: loadTaxonomy(), config });
    worker.start();
    while ((await store.pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.stop();
    return { calls, incidents: ids.size };
  } finally {
    await store.dispose();
  }
}

/** Anomalous sessions of the HDFS-like generator (one session at a time), templates mined from all lines. */
function hdfsLikeSessions(lines: number, progress: (line: string) => void): { ids: string[]; lines: string[] }[] {
  const stream = new HdfsLikeStream(11, 1, 0.01);
  const miner = new TemplateMiner();
  const sessions: { ids: string[]; lines: string[]; anomalous: boolean }[] = [];
  let current: { block: string; ids: string[]; lines: string[]; anomalous: boolean } | undefined;
  for (let done = 0; done < lines; done += 10_000) {
    for (const line of stream.take(Math.min(10_000, lines - done))) {
      if (current?.block !== line.block) {
        if (current) sessions.push(current);
        current = { block: line.block, ids: [], lines: [], anomalous: line.anomalous };
      }
      current.ids.push(miner.add(line.body)!.templateId);
      current.lines.push(line.body);
    }
  }
  const flagged = sessions.filter((s) => s.anomalous).map(({ ids, lines: text }) => ({ ids, lines: text }));
  progress(`HDFS-like generator: ${lines.toLocaleString('en-US')} lines, ${sessions.length.toLocaleString('en-US')} sessions, ${flagged.length} anomalous, ${miner.size} templates`);
  return flagged;
}

/** Anomalous sessions of a real HDFS file: DeepLog id lines (all anomalous) or deep-loglizer JSON lines. */
function readHdfsSessions(path: string): { ids: string[]; lines: string[] }[] {
  const rows = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  if (path.endsWith('.jsonl')) {
    return rows
      .map((row) => JSON.parse(row) as { label: number; templates: string[] })
      .filter((s) => s.label === 1)
      .map((s) => ({ ids: s.templates.map((t) => signatureOf([t]).slice(0, 8)), lines: s.templates }));
  }
  return rows.map((row) => {
    const ids = row.trim().split(/\s+/).map((id) => `E${id}`);
    return { ids, lines: ids };
  });
}

interface Labelled {
  sequence: SyntheticSequence;
  incident: StoredIncident;
}

function readSequences(path: string): SyntheticSequence[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SyntheticSequence);
}

/** Incidents as the pipeline would store them: bodies as lines, templates mined over all, tier 1's evidence at the first failure line. */
function toIncidents(sequences: readonly SyntheticSequence[]): Labelled[] {
  const miner = new TemplateMiner();
  for (const s of sequences) for (const line of s.lines) miner.add(line.body);
  return sequences.map((sequence) => {
    const matched = sequence.lines.map((line) => miner.match(line.body)!);
    const templateIds = matched.map((m) => m.templateId);
    const at = sequence.failureIndex ?? sequence.lines.length;
    const first = sequence.lines[0]!;
    const last = sequence.lines.at(-1)!;
    return {
      sequence,
      incident: {
        id: `inc_${sequence.id}`,
        sessionKey: first.traceId ?? sequence.id,
        service: String(first.resource['service.name'] ?? 'unknown'),
        firstTimestamp: first.timestamp,
        lastTimestamp: last.timestamp,
        detectedAt: last.timestamp,
        lastDetectedAt: last.timestamp,
        templateIds,
        templates: matched.map((m) => m.template),
        lines: sequence.lines.map((line) => line.body),
        truncatedLines: 0,
        score: 6.5,
        threshold: 4.2,
        evidence: [{ position: at, templateId: templateIds[at] ?? '<end>', surprise: 6.5, expected: at > 0 ? [{ templateId: templateIds[at - 1]!, probability: 0.4 }] : [] }],
        modelVersion: 'bench',
        signature: sequence.id,
        occurrences: 1,
        triage: { status: 'pending', attempts: 1 },
        review: { state: 'unreviewed', corrections: {} },
        updatedAt: last.timestamp,
      },
    };
  });
}

/**
 * Keeps the tiny random model to short, valid JSON (as the tests do): no byte tokens of 0x80 and
 * above, no backslash, closing quotes favoured. Without it the random model writes strings until
 * maxTokens and most answers fail validation, which would time the garbage instead of the pipeline.
 */
function tinyAnswerBias(model: LlamaModel): TokenBias {
  const bias = new TokenBias(model.tokenizer);
  const vocabulary = tinyVocabulary();
  for (let byte = 0x80; byte <= 0xff; byte++) bias.set(vocabulary.tokens.indexOf(`<0x${byte.toString(16).toUpperCase()}>`) as Token, 'never');
  for (const token of model.tokenize('\\')) bias.set(token, 'never');
  for (const token of model.tokenize('"')) bias.set(token, { logit: 8 });
  return bias;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
