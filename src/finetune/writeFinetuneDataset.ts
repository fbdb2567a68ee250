import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitRatios } from '../synthetic/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import type { TriageLanguage } from '../triage/types.js';
import { InputError } from '../util/errors.js';
import type { BalanceMode, BuiltDataset, BuiltExample } from './buildDataset.js';
import type { FinetuneFormat } from './exportFormats.js';

/** Name of the dataset card (JSON) written next to the splits; `README.md` holds the same as text. */
export const DATASET_CARD_FILE = 'dataset_card.json';

const SPLITS = ['train', 'val', 'test'] as const;

/** One file written. */
export interface FinetuneFile {
  split: (typeof SPLITS)[number];
  /** File name inside the output folder. */
  file: string;
  examples: number;
  bytes: number;
  sha256: string;
}

/** What the card records besides the counts. */
export interface DatasetCardSettings {
  format: FinetuneFormat;
  language: TriageLanguage;
  taxonomy: Taxonomy;
  /** How tokens were counted: `estimate` or `gguf:<file>`. */
  tokenCounter: string;
  maxPromptTokens: number;
  maxAnswerTokens: number;
  maxExampleTokens: number;
  balance: BalanceMode;
  splits: SplitRatios;
  seed: number;
  /** Per source: what it was made from (seed, counts, input path and hash…). */
  sources: Record<string, Record<string, unknown>>;
}

/** `dataset_card.json`. */
export interface DatasetCard {
  kind: 'logtriage-finetune-dataset';
  version: 1;
  format: FinetuneFormat;
  promptVersion: string;
  language: TriageLanguage;
  taxonomy: { categories: string[]; sha256: string };
  tokenCounter: string;
  limits: { maxPromptTokens: number; maxAnswerTokens: number; maxExampleTokens: number };
  balance: { mode: BalanceMode; maxPerClass: number | null };
  splitRatios: SplitRatios;
  seed: number;
  examples: number;
  bySplit: Record<string, number>;
  /** Category → split → examples (`total` too). */
  byCategory: Record<string, Record<string, number>>;
  /** Source → split → examples (`total` too). */
  bySource: Record<string, Record<string, number>>;
  /** Category → source → examples. */
  byCategoryAndSource: Record<string, Record<string, number>>;
  tokens: { mean: number; p95: number; max: number; answerMean: number; answerMax: number };
  dropped: BuiltDataset['dropped'];
  evidenceLinesRemoved: number;
  sources: Record<string, Record<string, unknown>>;
  files: FinetuneFile[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function add(table: Record<string, Record<string, number>>, row: string, column: string): void {
  const r = (table[row] ??= {});
  r[column] = (r[column] ?? 0) + 1;
}

/**
 * Writes `train.jsonl`, `val.jsonl` and `test.jsonl` (one record per line) into `dir`, then the
 * dataset card: `dataset_card.json` (counts per split, category and source, what was dropped and
 * why, token figures, the prompt version, the taxonomy, SHA-256 of every file) and the same as
 * `README.md`. Nothing in it depends on the clock, so the same build writes the same bytes.
 */
export async function writeFinetuneDataset(dir: string, built: BuiltDataset, settings: DatasetCardSettings): Promise<{ files: FinetuneFile[]; card: DatasetCard }> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the output folder ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  const files: FinetuneFile[] = [];
  for (const split of SPLITS) {
    const examples = built.splits[split];
    const text = examples.map((e) => `${JSON.stringify(e.record)}\n`).join('');
    const file = `${split}.jsonl`;
    await writeFile(join(dir, file), text);
    files.push({ split, file, examples: examples.length, bytes: Buffer.byteLength(text), sha256: sha256(text) });
  }
  const card = datasetCard(built, settings, files);
  await writeFile(join(dir, DATASET_CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  await writeFile(join(dir, 'README.md'), renderCard(card));
  return { files, card };
}

/** The card of a built dataset (see {@link writeFinetuneDataset}). */
export function datasetCard(built: BuiltDataset, settings: DatasetCardSettings, files: FinetuneFile[]): DatasetCard {
  const byCategory: Record<string, Record<string, number>> = {};
  const bySource: Record<string, Record<string, number>> = {};
  const byCategoryAndSource: Record<string, Record<string, number>> = {};
  const all: BuiltExample[] = [];
  for (const split of SPLITS) {
    for (const e of built.splits[split]) {
      all.push(e);
      add(byCategory, e.category, split);
      add(byCategory, e.category, 'total');
      add(bySource, e.source, split);
      add(bySource, e.source, 'total');
      add(byCategoryAndSource, e.category, e.source);
    }
  }
  const tokens = all.map((e) => e.tokens).sort((a, b) => a - b);
  const answers = all.map((e) => e.answerTokens);
  const mean = (list: number[]): number => (list.length === 0 ? 0 : Math.round(list.reduce((a, b) => a + b, 0) / list.length));
  return {
    kind: 'logtriage-finetune-dataset',
    version: 1,
    format: settings.format,
    promptVersion: built.promptVersion,
    language: settings.language,
    taxonomy: { categories: settings.taxonomy.categories.map((c) => c.name), sha256: sha256(JSON.stringify(settings.taxonomy)) },
    tokenCounter: settings.tokenCounter,
    limits: { maxPromptTokens: settings.maxPromptTokens, maxAnswerTokens: settings.maxAnswerTokens, maxExampleTokens: settings.maxExampleTokens },
    balance: { mode: settings.balance, maxPerClass: built.maxPerClass },
    splitRatios: settings.splits,
    seed: settings.seed,
    examples: all.length,
    bySplit: Object.fromEntries(SPLITS.map((s) => [s, built.splits[s].length])),
    byCategory: bySplit(byCategory),
    bySource: bySplit(bySource),
    byCategoryAndSource: sortKeys(byCategoryAndSource),
    tokens: {
      mean: mean(tokens),
      p95: tokens.length === 0 ? 0 : tokens[Math.min(tokens.length - 1, Math.floor(0.95 * tokens.length))]!,
      max: tokens.at(-1) ?? 0,
      answerMean: mean(answers),
      answerMax: answers.reduce((a, b) => Math.max(a, b), 0),
    },
    dropped: built.dropped,
    evidenceLinesRemoved: built.evidenceLinesRemoved,
    sources: settings.sources,
    files,
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Rows as train, val, test, total (splits without examples as 0). */
function bySplit(table: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(sortKeys(table)).map(([row, n]) => [row, { train: n.train ?? 0, val: n.val ?? 0, test: n.test ?? 0, total: n.total ?? 0 }]));
}

/** The card as Markdown (the dataset folder's README.md). */
export function renderCard(card: DatasetCard): string {
  const sources = Object.keys(card.bySource);
  const lines: string[] = [
    '# logtriage finetuning dataset',
    '',
    `Written by \`logtriage finetune-data\`. Format **${card.format}**, prompt version \`${card.promptVersion}\`, language ${card.language}, tokens counted by ${card.tokenCounter}, seed ${card.seed}.`,
    'Every user turn is the prompt the triage worker renders for the incident; every last assistant turn is the JSON answer, validated against the output schema. Train with `finetune/train_unsloth.py` (see `finetune/README.md` in the logtriage repository).',
    '',
    `Limits: prompt ≤ ${card.limits.maxPromptTokens} tokens, answer ≤ ${card.limits.maxAnswerTokens}, whole example ≤ ${card.limits.maxExampleTokens}. Balance: ${card.balance.mode}${card.balance.maxPerClass !== null ? ` (at most ${card.balance.maxPerClass} per category)` : ''}. Split ${card.splitRatios.train}/${card.splitRatios.val}/${card.splitRatios.test}, stratified by category and source.`,
    `Tokens per example: mean ${card.tokens.mean}, p95 ${card.tokens.p95}, max ${card.tokens.max}; answers mean ${card.tokens.answerMean}, max ${card.tokens.answerMax}.`,
    '',
    '## Examples per category',
    '',
    `| category | train | val | test | total | ${sources.join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ---: |${sources.map(() => ' ---: |').join('')}`,
    ...Object.entries(card.byCategory).map(
      ([category, n]) => `| ${category} | ${n.train ?? 0} | ${n.val ?? 0} | ${n.test ?? 0} | ${n.total ?? 0} | ${sources.map((s) => card.byCategoryAndSource[category]?.[s] ?? 0).join(' | ')} |`,
    ),
    `| **all** | ${card.bySplit.train} | ${card.bySplit.val} | ${card.bySplit.test} | ${card.examples} | ${sources.map((s) => card.bySource[s]?.total ?? 0).join(' | ')} |`,
    '',
    '## Left out',
    '',
  ];
  const dropped = Object.entries(card.dropped);
  if (dropped.length === 0) lines.push('Nothing.');
  else {
    lines.push('| reason | by source |', '| --- | --- |');
    for (const [reason, bySource] of dropped) lines.push(`| ${reason} | ${Object.entries(bySource ?? {}).map(([s, n]) => `${s} ${n}`).join(', ')} |`);
  }
  if (card.evidenceLinesRemoved > 0) lines.push('', `${card.evidenceLinesRemoved} evidence lines were removed from answers because the training prompt did not show them.`);
  lines.push('', '## Sources', '', '```json', JSON.stringify(card.sources, null, 2), '```', '', '## Files', '', '| file | examples | bytes | sha256 |', '| --- | ---: | ---: | --- |');
  for (const f of card.files) lines.push(`| ${f.file} | ${f.examples} | ${f.bytes} | \`${f.sha256}\` |`);
  lines.push('', `Taxonomy: ${card.taxonomy.categories.join(', ')} (sha256 \`${card.taxonomy.sha256}\`).`, '');
  return lines.join('\n');
}
