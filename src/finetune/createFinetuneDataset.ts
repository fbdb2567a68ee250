import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncidentStore } from '../incidents/IncidentStore.js';
import type { LanguageOption, SplitRatios } from '../synthetic/index.js';
import { DEFAULT_SPLIT_RATIOS } from '../synthetic/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import type { TriageLanguage } from '../triage/types.js';
import { InputError } from '../util/errors.js';
import { createProgress } from '../util/progress.js';
import { bglLabelledIncidents } from './bgl/bglLabelledIncidents.js';
import { loadBglTagMapping } from './bgl/bglTagMapping.js';
import { buildDataset, DEFAULT_MAX_ANSWER_TOKENS, type BalanceMode } from './buildDataset.js';
import type { FinetuneFormat } from './exportFormats.js';
import { readIncidentFile } from './readIncidentFile.js';
import { readReviewedIncidents } from './readStoreIncidents.js';
import { reviewedLabelledIncidents } from './reviewedLabelledIncidents.js';
import { syntheticLabelledIncidents } from './syntheticIncidents.js';
import type { DropReason, ExampleSource, LabelledIncident } from './types.js';
import { writeFinetuneDataset, type DatasetCard, type FinetuneFile } from './writeFinetuneDataset.js';

/** What `--source` may name. */
export const SOURCE_KINDS = ['incidents', 'synthetic', 'file'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What `--source file` reads: an incident export, or BGL-style labelled log lines. */
export const FILE_FORMATS = ['incidents', 'bgl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Options of {@link createFinetuneDataset}. */
export interface CreateFinetuneDatasetOptions {
  sources: readonly SourceKind[];
  out: string;
  format: FinetuneFormat;
  taxonomy: Taxonomy;
  /** `triage.language`. Default `en`. */
  language?: TriageLanguage;
  /** `triage.maxPromptTokens`. */
  maxPromptTokens: number;
  /** `triage.maxTokens`. Default 512. */
  maxAnswerTokens?: number;
  maxExampleTokens?: number;
  /** The runtime's token counter (see `GgufTokenCounter`); default the estimate. */
  countTokens?: (text: string) => number;
  /** Recorded in the card: `estimate` or `gguf:<file>`. Default `estimate`. */
  tokenCounter?: string;
  /** `--source incidents`: the opened store and how to name it in messages. */
  store?: { store: IncidentStore; target: string };
  /** `--source file`. */
  file?: {
    path: string;
    format: FileFormat;
    /** BGL: YAML file overriding the tag mapping. */
    bglMapping?: string;
    /** BGL: session window per node, ms. Default one hour. */
    windowMs?: number;
    maxEvents?: number;
    maxLines?: number;
    maxLineChars?: number;
  };
  synthetic?: { anomalies?: number; seed?: number; language?: LanguageOption };
  /** `pipeline.evidence`: surprising positions kept per incident by the tier-1 stand-in. Default 3. */
  evidence?: number;
  allowHeuristic?: boolean;
  balance?: BalanceMode;
  maxPerClass?: number;
  splits?: SplitRatios;
  seed?: number;
  /** No progress output (by default a bar on a TTY standard error, plain lines otherwise). */
  quiet?: boolean;
  /** Phase messages (default none). */
  onStatus?: (line: string) => void;
}

/** What {@link createFinetuneDataset} wrote. */
export interface CreatedFinetuneDataset {
  card: DatasetCard;
  files: FinetuneFile[];
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `logtriage finetune-data`: gathers labelled incidents from the chosen sources (reviewed incidents
 * of the store, the synthetic generator, an incident export or BGL-style labelled lines), builds the
 * dataset ({@link buildDataset}) and writes the splits and the dataset card to `out`. Throws
 * {@link InputError} with what to do when a source has nothing to give (an empty store, a file
 * without alerts) or nothing is left.
 */
export async function createFinetuneDataset(options: CreateFinetuneDatasetOptions): Promise<CreatedFinetuneDataset> {
  const { taxonomy } = options;
  const language = options.language ?? 'en';
  const status = options.onStatus ?? (() => {});
  const sources = [...new Set(options.sources)];
  if (sources.length === 0) throw new InputError(`no source given; choose from ${SOURCE_KINDS.join(', ')}`);
  const written = sources.filter((s) => s === 'synthetic' || (s === 'file' && options.file?.format === 'bgl'));
  if (language !== 'en' && written.length > 0) {
    throw new InputError(
      `triage.language is ${language}, but the answers of ${written.map((s) => (s === 'file' ? 'BGL files' : 'synthetic data')).join(' and ')} are written in English; build a ${language} dataset from reviewed incidents only (--source incidents), or set triage.language to en`,
    );
  }
  const labelled: LabelledIncident[] = [];
  const sourceInfo: Record<string, Record<string, unknown>> = {};
  const preDropped: Partial<Record<DropReason, Partial<Record<ExampleSource, number>>>> = {};
  const addDropped = (source: ExampleSource, counts: Partial<Record<DropReason, number>>): void => {
    for (const [reason, n] of Object.entries(counts) as [DropReason, number][]) {
      if (n === 0) continue;
      const bySource = (preDropped[reason] ??= {});
      bySource[source] = (bySource[source] ?? 0) + n;
    }
  };

  for (const source of sources) {
    if (source === 'incidents') {
      if (!options.store) throw new InputError('--source incidents needs the incident store (store.* in the config)');
      status(`reading reviewed incidents from ${options.store.target}`);
      const reviewed = await readReviewedIncidents(options.store.store);
      if (reviewed.length === 0) {
        const stats = await options.store.store.stats();
        const message =
          stats.total === 0
            ? `the incident store ${options.store.target} holds no incidents yet; run \`logtriage serve\` until the sequence model flags sessions and triage classifies them, confirm or relabel them in the review page, then build again (or build from --source synthetic or --source file now)`
            : `the incident store ${options.store.target} holds no reviewed incidents (${stats.total} incidents: ${stats.byReview.unreviewed} unreviewed, ${stats.byReview.false_positive} marked false positive); ` +
              'confirm or relabel triaged incidents in the review page of `logtriage serve` (or POST /api/incidents/<id>/review), or build from --source synthetic or --source file';
        if (sources.length === 1) throw new InputError(message);
        status(`warning: ${message}`);
      }
      const { items, dropped } = reviewedLabelledIncidents(reviewed, { allowHeuristic: options.allowHeuristic ?? false, source: 'incidents' });
      labelled.push(...items);
      addDropped('incidents', dropped);
      sourceInfo.incidents = { store: options.store.target, reviewed: reviewed.length, usable: items.length };
    } else if (source === 'synthetic') {
      const anomalies = options.synthetic?.anomalies ?? 2_000;
      const seed = options.synthetic?.seed ?? options.seed ?? 42;
      const syntheticLanguage = options.synthetic?.language ?? 'en';
      status(`generating ${anomalies.toLocaleString('en-US')} synthetic requests with a failure (seed ${seed}, ${syntheticLanguage}) and as many normal ones`);
      const result = syntheticLabelledIncidents(taxonomy, { anomalies, seed, language: syntheticLanguage, evidence: options.evidence ?? 3 });
      labelled.push(...result.items);
      addDropped('synthetic', { not_flagged: result.notFlagged });
      sourceInfo.synthetic = { seed, anomalies, language: syntheticLanguage, generated: result.generated, flagged: result.items.length, threshold: Number(result.threshold.toFixed(4)) };
    } else {
      const file = options.file;
      if (!file) throw new InputError('--source file needs --input <path>');
      if (file.format === 'bgl') {
        const mapping = loadBglTagMapping(taxonomy, file.bglMapping);
        status(`reading BGL-style lines from ${file.path}`);
        const reading = createProgress({ label: 'reading BGL', unit: 'lines', quiet: options.quiet ?? false });
        let seen = 0;
        const result = await bglLabelledIncidents(file.path, taxonomy, {
          mapping,
          evidence: options.evidence ?? 3,
          ...(file.windowMs !== undefined ? { windowMs: file.windowMs } : {}),
          ...(file.maxEvents !== undefined ? { maxEvents: file.maxEvents } : {}),
          ...(file.maxLines !== undefined ? { maxLines: file.maxLines } : {}),
          ...(file.maxLineChars !== undefined ? { maxLineChars: file.maxLineChars } : {}),
          onLines: (n) => {
            reading.tick(n - seen);
            seen = n;
          },
        }).finally(() => reading.stop());
        if (result.alertSessions === 0) {
          throw new InputError(`${file.path}: no line carries an alert tag in its first column (${result.lines} lines, ${result.skippedLines} not in the BGL layout); BGL marks normal lines "-" and alerts with their tag (KERNDTLB, APPREAD, …)`);
        }
        labelled.push(...result.items);
        addDropped('bgl', { not_flagged: result.notFlagged });
        sourceInfo.bgl = {
          path: file.path,
          sha256: await fileSha256(file.path),
          lines: result.lines,
          skippedLines: result.skippedLines,
          sessions: result.sessions,
          alertSessions: result.alertSessions,
          windowMs: file.windowMs ?? 3_600_000,
          tags: result.tags,
          mapping: file.bglMapping ?? 'default (finetune/README.md)',
        };
      } else {
        status(`reading incidents from ${file.path}`);
        const incidents = await readIncidentFile(file.path);
        const { items, dropped } = reviewedLabelledIncidents(incidents, { allowHeuristic: options.allowHeuristic ?? false, source: 'file' });
        if (items.length === 0) {
          throw new InputError(`${file.path}: none of its ${incidents.length} incidents is usable training data (confirmed or relabelled, with a triage result); review them first, or give --allow-heuristic for heuristic answers`);
        }
        labelled.push(...items);
        addDropped('file', dropped);
        sourceInfo.file = { path: file.path, sha256: await fileSha256(file.path), incidents: incidents.length, usable: items.length };
      }
    }
  }

  const progress = createProgress({ label: 'finetune-data', unit: 'incidents', total: labelled.length, quiet: options.quiet ?? false });
  const seed = options.seed ?? 42;
  const maxAnswerTokens = options.maxAnswerTokens ?? DEFAULT_MAX_ANSWER_TOKENS;
  const maxExampleTokens = options.maxExampleTokens ?? options.maxPromptTokens + maxAnswerTokens;
  const splits = options.splits ?? DEFAULT_SPLIT_RATIOS;
  const balance = options.balance ?? 'cap';
  let built;
  try {
    built = buildDataset(labelled, {
      taxonomy,
      format: options.format,
      language,
      maxPromptTokens: options.maxPromptTokens,
      maxAnswerTokens,
      maxExampleTokens,
      balance,
      splits,
      seed,
      onProgress: (n) => progress.tick(n),
      ...(options.maxPerClass !== undefined ? { maxPerClass: options.maxPerClass } : {}),
      ...(options.countTokens ? { countTokens: options.countTokens } : {}),
    });
  } finally {
    progress.stop();
  }
  for (const [reason, bySource] of Object.entries(preDropped) as [DropReason, Partial<Record<ExampleSource, number>>][]) {
    const into = (built.dropped[reason] ??= {});
    for (const [source, n] of Object.entries(bySource) as [ExampleSource, number][]) into[source] = (into[source] ?? 0) + n;
  }
  const total = built.splits.train.length + built.splits.val.length + built.splits.test.length;
  if (total === 0) {
    const reasons = Object.entries(built.dropped).map(([reason, bySource]) => `${reason} ${Object.values(bySource ?? {}).reduce((a, b) => a + (b ?? 0), 0)}`);
    throw new InputError(`no example is left (${labelled.length} labelled incidents; left out: ${reasons.join(', ') || 'none'}); see finetune/README.md for what each reason means`);
  }
  return writeFinetuneDataset(options.out, built, {
    format: options.format,
    language,
    taxonomy,
    tokenCounter: options.tokenCounter ?? 'estimate',
    maxPromptTokens: options.maxPromptTokens,
    maxAnswerTokens,
    maxExampleTokens,
    balance,
    splits,
    seed,
    sources: sourceInfo,
  });
}

