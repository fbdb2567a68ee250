import { Random, splitStratified, DEFAULT_SPLIT_RATIOS, type SplitRatios, type Splits } from '../synthetic/index.js';
import { TriageOutputError } from '../triage/errors.js';
import {
  DEFAULT_MAX_PROMPT_TOKENS,
  estimateTokens,
  loadPromptTemplates,
  parseTriageOutput,
  promptVersion,
  renderTriagePrompt,
  TURN_OVERHEAD_TOKENS,
  type PromptTemplates,
  type TriageOutput,
} from '../triage/prompts/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import type { TriageLanguage, TriagePrompt } from '../triage/types.js';
import { toRecord, type FinetuneFormat, type FinetuneRecord } from './exportFormats.js';
import { EXAMPLE_SOURCES, type DropReason, type ExampleSource, type LabelledIncident } from './types.js';

/** How classes are balanced: `cap` keeps at most `maxPerClass` examples of a category; `none` keeps all. */
export const BALANCE_MODES = ['cap', 'none'] as const;
export type BalanceMode = (typeof BALANCE_MODES)[number];

/** Default of {@link BuildDatasetOptions.maxAnswerTokens}: `triage.maxTokens`. */
export const DEFAULT_MAX_ANSWER_TOKENS = 512;
/** With `balance: cap` and no `maxPerClass`: a category keeps at most this many times the median category's count… */
export const DEFAULT_CAP_FACTOR = 3;
/** …but never fewer than this many: small datasets are not thinned further. */
export const DEFAULT_MIN_CAP = 100;

/** Options of {@link buildDataset}. */
export interface BuildDatasetOptions {
  taxonomy: Taxonomy;
  format: FinetuneFormat;
  /** `triage.language`. Default `en`. */
  language?: TriageLanguage;
  /** `triage.maxPromptTokens`: the renderer fits the prompt into it, exactly as at run time. Default 3,072. */
  maxPromptTokens?: number;
  /** `triage.maxTokens`: an answer longer than this could not be generated at run time; such examples are dropped. Default 512. */
  maxAnswerTokens?: number;
  /** Longest whole example (every turn of the record with {@link TURN_OVERHEAD_TOKENS} each); longer ones are dropped. Default `maxPromptTokens + maxAnswerTokens`. */
  maxExampleTokens?: number;
  /** The token counter the runtime uses: the GGUF model's tokenizer for `llamacpp`, else the estimate. Default {@link estimateTokens}. */
  countTokens?: (text: string) => number;
  /** The prompt templates. Default: the bundled `prompts/`. */
  templates?: PromptTemplates;
  /** Default `cap`. */
  balance?: BalanceMode;
  /** With `balance: cap`: most examples per category. Default {@link DEFAULT_CAP_FACTOR} × the median category count, at least {@link DEFAULT_MIN_CAP}. */
  maxPerClass?: number;
  /** Most examples kept in all, after balancing (a seeded random choice). Default all. */
  limit?: number;
  /** Shares of train, validation and test. Default 0.8 / 0.1 / 0.1. */
  splits?: SplitRatios;
  /** Seed of balancing, shuffling and splitting. Default 42. */
  seed?: number;
  /** Told of each labelled incident handled. */
  onProgress?: (delta: number) => void;
}

/** One finished example. */
export interface BuiltExample {
  id: string;
  source: ExampleSource;
  category: string;
  signature: string;
  record: FinetuneRecord;
  /** Tokens of the whole record (turn overhead included), by the counter in use. */
  tokens: number;
  /** Tokens of the answer. */
  answerTokens: number;
}

/** What {@link buildDataset} made. */
export interface BuiltDataset {
  splits: Splits<BuiltExample>;
  /** Candidates left out, by reason and source. */
  dropped: Partial<Record<DropReason, Partial<Record<ExampleSource, number>>>>;
  /** Evidence lines of answers that the (possibly shorter) training prompt did not show, removed from the answer. */
  evidenceLinesRemoved: number;
  promptVersion: string;
  /** The cap applied per category (`balance: cap`), or null. */
  maxPerClass: number | null;
}

const SOURCE_RANK = new Map(EXAMPLE_SOURCES.map((s, i) => [s, i]));

/**
 * Turns labelled incidents into training records rendered by the same `renderTriagePrompt` call the
 * triage worker makes (taxonomy, similar incidents, language, prompt budget and token counter), with
 * the answer JSON as the last assistant turn. In order:
 *
 * 1. **De-duplication by signature**: of incidents with the same template-id sequence the first is
 *    kept, sources ranked incidents › file › bgl › synthetic (reviewed data wins).
 * 2. **Render and validate**: the answer keeps only evidence lines the prompt shows; it must pass
 *    `parseTriageOutput` (the runtime's check) or is dropped (`invalid_answer`).
 * 3. **Token limits**: answers over `maxAnswerTokens` and examples over `maxExampleTokens` are dropped.
 * 4. **Class balancing** (`cap`): a category keeps at most `maxPerClass` examples, reviewed ones first,
 *    the rest in a seeded random order.
 * 5. **Stratified split** by category and source (seeded), each split in a seeded random order.
 *
 * Deterministic for the same inputs and seed. Everything dropped is counted by reason and source.
 */
export function buildDataset(labelled: readonly LabelledIncident[], options: BuildDatasetOptions): BuiltDataset {
  const { taxonomy, format } = options;
  const templates = options.templates ?? loadPromptTemplates();
  const count = options.countTokens ?? estimateTokens;
  const maxPromptTokens = options.maxPromptTokens ?? DEFAULT_MAX_PROMPT_TOKENS;
  const maxAnswerTokens = options.maxAnswerTokens ?? DEFAULT_MAX_ANSWER_TOKENS;
  const maxExampleTokens = options.maxExampleTokens ?? maxPromptTokens + maxAnswerTokens;
  const seed = options.seed ?? 42;
  const categories = new Set(taxonomy.categories.map((c) => c.name));
  const dropped: BuiltDataset['dropped'] = {};
  const drop = (reason: DropReason, source: ExampleSource): void => {
    const bySource = (dropped[reason] ??= {});
    bySource[source] = (bySource[source] ?? 0) + 1;
  };

  const ordered = [...labelled].map((item, index) => ({ item, index })).sort((a, b) => SOURCE_RANK.get(a.item.source)! - SOURCE_RANK.get(b.item.source)! || a.index - b.index);
  // The system turn and the few-shot turns are the same text in every example: counted once.
  const shared = new Map<string, number>();
  const countShared = (text: string): number => {
    let n = shared.get(text);
    if (n === undefined) shared.set(text, (n = count(text)));
    return n;
  };
  const seen = new Set<string>();
  const built: BuiltExample[] = [];
  let evidenceLinesRemoved = 0;
  for (const { item } of ordered) {
    options.onProgress?.(1);
    if (seen.has(item.signature)) {
      drop('duplicate_signature', item.source);
      continue;
    }
    seen.add(item.signature);
    if (!categories.has(item.answer.category)) {
      drop('category_not_in_taxonomy', item.source);
      continue;
    }
    let prompt: TriagePrompt;
    try {
      prompt = renderTriagePrompt(item.incident, {
        taxonomy,
        similar: item.similar ?? [],
        language: options.language ?? 'en',
        maxPromptTokens,
        countTokens: count,
        templates,
      });
    } catch {
      drop('unrenderable', item.source);
      continue;
    }
    const shown = new Set(prompt.shownLines);
    const evidence = item.answer.evidence_lines.filter((line) => shown.has(line));
    evidenceLinesRemoved += item.answer.evidence_lines.length - evidence.length;
    const answer = answerJson({ ...item.answer, evidence_lines: evidence });
    try {
      parseTriageOutput(answer, { taxonomy, shownLines: prompt.shownLines, backend: 'finetune' });
    } catch (error) {
      if (!(error instanceof TriageOutputError)) throw error;
      drop('invalid_answer', item.source);
      continue;
    }
    const answerTokens = count(answer);
    if (answerTokens > maxAnswerTokens) {
      drop('answer_too_long', item.source);
      continue;
    }
    const record = toRecord(prompt, answer, format);
    const tokens = recordTokens(prompt, answerTokens, format, countShared, count);
    if (tokens > maxExampleTokens) {
      drop('example_too_long', item.source);
      continue;
    }
    built.push({ id: item.id, source: item.source, category: item.answer.category, signature: item.signature, record, tokens, answerTokens });
  }

  const balance = options.balance ?? 'cap';
  let maxPerClass: number | null = null;
  let kept = built;
  if (balance === 'cap' && built.length > 0) {
    const byCategory = new Map<string, BuiltExample[]>();
    for (const e of built) {
      const list = byCategory.get(e.category);
      if (list) list.push(e);
      else byCategory.set(e.category, [e]);
    }
    const sizes = [...byCategory.values()].map((list) => list.length).sort((a, b) => a - b);
    const median = sizes[Math.floor((sizes.length - 1) / 2)]!;
    maxPerClass = options.maxPerClass ?? Math.max(DEFAULT_MIN_CAP, Math.ceil(DEFAULT_CAP_FACTOR * median));
    const rng = new Random(seed);
    kept = [];
    for (const category of [...byCategory.keys()].sort()) {
      const list = byCategory.get(category)!;
      // Reviewed incidents first; within a source, a seeded random choice.
      const order = rng.shuffle(list).sort((a, b) => SOURCE_RANK.get(a.source)! - SOURCE_RANK.get(b.source)!);
      kept.push(...order.slice(0, maxPerClass));
      for (const e of order.slice(maxPerClass)) drop('balanced_out', e.source);
    }
  }

  const shuffled = new Random(seed + 1).shuffle(kept);
  if (options.limit !== undefined && shuffled.length > options.limit) {
    for (const e of shuffled.splice(options.limit)) drop('over_limit', e.source);
  }
  const strata = shuffled.map((example) => ({ category: `${example.category}|${example.source}`, example }));
  const parts = splitStratified(strata, options.splits ?? DEFAULT_SPLIT_RATIOS, seed);
  return {
    splits: { train: parts.train.map((p) => p.example), val: parts.val.map((p) => p.example), test: parts.test.map((p) => p.example) },
    dropped,
    evidenceLinesRemoved,
    promptVersion: promptVersion(templates, taxonomy),
    maxPerClass,
  };
}

/**
 * The answer as the model must emit it: the output schema's snake_case keys, in the order of the
 * few-shot answers of `prompts/examples.jsonl`, as compact JSON.
 */
export function answerJson(answer: TriageOutput): string {
  return JSON.stringify({
    category: answer.category,
    severity: answer.severity,
    confidence: answer.confidence,
    summary: answer.summary,
    explanation: answer.explanation,
    evidence_lines: answer.evidence_lines,
    suggested_actions: answer.suggested_actions,
  });
}

function recordTokens(prompt: TriagePrompt, answerTokens: number, format: FinetuneFormat, countShared: (text: string) => number, count: (text: string) => number): number {
  const examples = format === 'alpaca' ? [] : prompt.examples;
  const turns = 3 + 2 * examples.length;
  return countShared(prompt.system) + examples.reduce((sum, e) => sum + countShared(e.user) + countShared(e.assistant), 0) + count(prompt.user) + answerTokens + turns * TURN_OVERHEAD_TOKENS;
}
