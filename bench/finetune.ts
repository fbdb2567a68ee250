import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFinetuneDataset, FINETUNE_FORMATS, type FinetuneFormat } from '../src/finetune/index.js';
import { buildDataset } from '../src/finetune/buildDataset.js';
import { syntheticLabelledIncidents } from '../src/finetune/syntheticIncidents.js';
import { writeFinetuneDataset } from '../src/finetune/writeFinetuneDataset.js';
import { DEFAULT_SPLIT_RATIOS } from '../src/synthetic/index.js';
import { DEFAULT_MAX_PROMPT_TOKENS } from '../src/triage/prompts/index.js';
import { loadTaxonomy } from '../src/triage/taxonomy.js';

/** Options of {@link runFinetuneBenchmark}. */
export interface FinetuneBenchOptions {
  /** Examples built in each format for the timing. Default 10,000. */
  count?: number;
  /** Synthetic requests with a failure of the default build (the `finetune-data` default). Default 2,000. */
  defaultCount?: number;
  /** BGL-style labelled log (e.g. Loghub's BGL.log) joined to the default build. */
  bgl?: string;
  formats?: readonly FinetuneFormat[];
  seed?: number;
  onProgress?: (line: string) => void;
}

/** The timed build of one format. */
export interface BuildFigure {
  format: FinetuneFormat;
  /** Failing requests generated. */
  generated: number;
  /** Those the tier-1 stand-in flagged (labelled incidents; duplicates among them are left out). */
  labelled: number;
  examples: number;
  /** Generation, template mining and the tier-1 stand-in. */
  generateSeconds: number;
  /** Rendering, validation, token counts, de-duplication, splitting. */
  buildSeconds: number;
  writeSeconds: number;
  seconds: number;
  examplesPerSecond: number;
  bytes: number;
}

/** The default build of one format. */
export interface DefaultBuildFigure {
  format: FinetuneFormat;
  examples: number;
  bytes: number;
  bySplit: Record<string, number>;
  bytesBySplit: Record<string, number>;
  /** Source → examples. */
  bySource: Record<string, number>;
  tokensMean: number;
  tokensMax: number;
}

/** What `npm run bench -- finetune --json` prints. */
export interface FinetuneBenchResult {
  count: number;
  builds: BuildFigure[];
  defaultBuild: DefaultBuildFigure[];
  machine: { cpus: number; model: string; node: string };
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

/**
 * Times building `count` synthetic examples in each format (generation with the tier-1 stand-in,
 * rendering with the runtime prompt, validation, splitting, writing the JSONL and the card), then
 * reports the sizes of a default `finetune-data` build (2,000 synthetic failures, plus a BGL file
 * when given) per format and source. Files go to a temporary folder that is removed afterwards.
 */
export async function runFinetuneBenchmark(options: FinetuneBenchOptions = {}): Promise<FinetuneBenchResult> {
  const count = options.count ?? 10_000;
  const formats = options.formats ?? FINETUNE_FORMATS;
  const seed = options.seed ?? 42;
  const taxonomy = loadTaxonomy();
  const progress = options.onProgress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'logtriage-bench-finetune-'));
  try {
    const builds: BuildFigure[] = [];
    for (const format of formats) {
      progress(`building ${count.toLocaleString('en-US')} synthetic examples as ${format}`);
      const started = performance.now();
      // About a fifth of the failing requests repeat another's template sequence (measured: 9,039
      // distinct of 11,500), and a few go unflagged: 45 % more are generated, the surplus dropped.
      const anomalies = Math.ceil(count * 1.45);
      const source = syntheticLabelledIncidents(taxonomy, { anomalies, seed });
      const generated = performance.now();
      const built = buildDataset(source.items, { taxonomy, format, seed, balance: 'none', limit: count, maxPromptTokens: DEFAULT_MAX_PROMPT_TOKENS });
      const rendered = performance.now();
      const { files } = await writeFinetuneDataset(join(dir, `${format}-${count}`), built, {
        format,
        language: 'en',
        taxonomy,
        tokenCounter: 'estimate',
        maxPromptTokens: DEFAULT_MAX_PROMPT_TOKENS,
        maxAnswerTokens: 512,
        maxExampleTokens: DEFAULT_MAX_PROMPT_TOKENS + 512,
        balance: 'none',
        splits: DEFAULT_SPLIT_RATIOS,
        seed,
        sources: { synthetic: { seed, anomalies } },
      });
      const total = seconds(started);
      const examples = files.reduce((a, f) => a + f.examples, 0);
      builds.push({
        format,
        generated: anomalies,
        labelled: source.items.length,
        examples,
        generateSeconds: (generated - started) / 1000,
        buildSeconds: (rendered - generated) / 1000,
        writeSeconds: seconds(rendered),
        seconds: total,
        examplesPerSecond: examples / total,
        bytes: files.reduce((a, f) => a + f.bytes, 0),
      });
      rmSync(join(dir, `${format}-${count}`), { recursive: true, force: true });
    }

    const defaultBuild: DefaultBuildFigure[] = [];
    for (const format of formats) {
      progress(`default build as ${format}${options.bgl ? ` with ${options.bgl}` : ''}`);
      const out = join(dir, `${format}-default`);
      const { card, files } = await createFinetuneDataset({
        sources: options.bgl ? ['synthetic', 'file'] : ['synthetic'],
        out,
        format,
        taxonomy,
        maxPromptTokens: DEFAULT_MAX_PROMPT_TOKENS,
        synthetic: { anomalies: options.defaultCount ?? 2_000, seed },
        ...(options.bgl ? { file: { path: options.bgl, format: 'bgl' as const } } : {}),
        seed,
        quiet: true,
      });
      defaultBuild.push({
        format,
        examples: card.examples,
        bytes: files.reduce((a, f) => a + f.bytes, 0),
        bySplit: card.bySplit,
        bytesBySplit: Object.fromEntries(files.map((f) => [f.split, f.bytes])),
        bySource: Object.fromEntries(Object.entries(card.bySource).map(([source, n]) => [source, n.total ?? 0])),
        tokensMean: card.tokens.mean,
        tokensMax: card.tokens.max,
      });
      rmSync(out, { recursive: true, force: true });
    }
    return { count, builds, defaultBuild, machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
