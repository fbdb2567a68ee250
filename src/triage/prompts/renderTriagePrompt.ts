import { createHash } from 'node:crypto';
import type { StoredIncident } from '../../incidents/IncidentStore.js';
import { InputError } from '../../util/errors.js';
import type { Taxonomy } from '../taxonomy.js';
import type { TriageLanguage, TriagePrompt } from '../types.js';
import { estimateTokens } from './estimateTokens.js';
import { LANGUAGE_INSTRUCTIONS, loadPromptTemplates, promptVersion, type PromptExample, type PromptTemplates } from './promptTemplates.js';
import { DEFAULT_MAX_LINE_CHARS, quoteLogText } from './sanitizeLogText.js';

/** What the renderer reads of an incident ({@link StoredIncident} has all of it). */
export type PromptIncident = Pick<StoredIncident, 'id' | 'sessionKey' | 'service' | 'lines' | 'truncatedLines' | 'templateIds' | 'templates' | 'score' | 'threshold' | 'evidence'>;

/** What the renderer reads of a similar confirmed incident: the reviewer's category or tier 2's, and tier 2's summary. */
export type SimilarIncident = Pick<StoredIncident, 'triage' | 'review'>;

/** Options of {@link renderTriagePrompt}. */
export interface RenderTriagePromptOptions {
  /** The categories the model may answer with (`loadTaxonomy()`). */
  taxonomy: Taxonomy;
  /** Confirmed incidents like this one, most relevant first; those without a category and summary are skipped. Default none. */
  similar?: readonly SimilarIncident[];
  /** Language of `summary`, `explanation` and `suggested_actions`. Default `en`. */
  language?: TriageLanguage;
  /**
   * Most tokens of the whole prompt: system turn, few-shot examples and the incident, with
   * {@link TURN_OVERHEAD_TOKENS} per turn for the chat template. Default 3,072 (`triage.maxPromptTokens`).
   */
  maxPromptTokens?: number;
  /** Token counter: pass the model's tokenizer for exact budgets. Default {@link estimateTokens} (conservative). */
  countTokens?: (text: string) => number;
  /** Most similar incidents shown. Default 3. */
  maxSimilar?: number;
  /** Longest log line shown, in characters; longer ones are cut with `…`. Default 300. */
  maxLineChars?: number;
  /** The template files. Default: `loadPromptTemplates()` (the bundled `prompts/`). */
  templates?: PromptTemplates;
}

/** Default of {@link RenderTriagePromptOptions.maxPromptTokens}. */
export const DEFAULT_MAX_PROMPT_TOKENS = 3072;
/** Default of {@link RenderTriagePromptOptions.maxSimilar}. */
export const DEFAULT_MAX_SIMILAR = 3;
/** Tokens counted per chat turn for the chat template's role markers (ChatML spends 4–5). */
export const TURN_OVERHEAD_TOKENS = 8;
// Expected events listed under a surprising line.
const EXPECTED_SHOWN = 3;
const END_TEMPLATE_ID = '<end>';

const INSTRUCTION = 'Triage the incident in the block below and answer with one JSON object.';

interface ExpectedView {
  /** Template text, `null` for the end of the session, undefined when unknown (the id is shown). */
  text: string | null | undefined;
  templateId: string;
  probability: number;
}

interface EvidenceView {
  position: number;
  surprise: number;
  expected: ExpectedView[];
}

/** An incident reduced to what the user turn shows, from a stored incident or a few-shot example. */
interface IncidentView {
  boundary: string;
  service: string | undefined;
  sessionKey: string;
  score: number;
  threshold: number;
  lines: readonly string[];
  truncatedLines: number;
  evidence: EvidenceView[];
  similar: { category: string; summary: string }[];
}

/** The boundary token of an incident's data block: derived from its id, so rendering stays a pure function. */
export function promptBoundary(incidentId: string): string {
  return createHash('sha256').update(`logtriage-boundary\0${incidentId}`).digest('hex').slice(0, 16);
}

/**
 * Renders the tier-2 prompt of an incident: the system turn (instructions, the taxonomy, the output
 * rules, the language), the few-shot examples of `prompts/examples.jsonl` as earlier turns, and the
 * user turn with the incident in a delimited data block. Log text is untrusted: each line is
 * sanitized, cut to `maxLineChars` and JSON-encoded inside a block whose boundary token derives from
 * the incident id, and no data can spell a delimiter. When the prompt would exceed
 * `maxPromptTokens`, lines are left out (the surprising lines first kept, then their neighbours,
 * similar incidents, further neighbours, then the start and end of the session) and the prompt says
 * how many. Few-shot examples are dropped, last first, while the incident's core (the surprising
 * lines, their direct neighbours and the similar incidents) does not fit beside them.
 * A pure function of its inputs: the finetuning data is rendered by the same code.
 * Throws {@link InputError} when not even the system turn and the incident's header fit.
 */
export function renderTriagePrompt(incident: PromptIncident, options: RenderTriagePromptOptions): TriagePrompt {
  const templates = options.templates ?? loadPromptTemplates();
  const { taxonomy } = options;
  const language = options.language ?? 'en';
  const budget = options.maxPromptTokens ?? DEFAULT_MAX_PROMPT_TOKENS;
  const count = options.countTokens ?? estimateTokens;
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const maxSimilar = options.maxSimilar ?? DEFAULT_MAX_SIMILAR;

  const system = renderSystem(templates.system, taxonomy, language);
  const names = new Set(taxonomy.categories.map((c) => c.name));
  // An example whose category a replaced taxonomy lacks would teach a wrong answer.
  const examples = templates.examples
    .filter((example) => names.has(example.answer.category))
    .map((example) => {
      const view = exampleView(example);
      return { user: renderUser(view, allLines(view), view.similar.length, maxLineChars), assistant: exampleAnswer(example, language) };
    });

  const view = incidentView(incident, options.similar ?? [], maxSimilar);
  const items = priorities(view);
  // The core of the incident: its surprising lines, their direct neighbours and the similar
  // incidents. Few-shot examples are given up before any of it.
  const lastSimilar = items.findLastIndex((item) => item.kind === 'similar');
  const firstFar = items.findIndex((item, i) => i > lastSimilar && item.kind === 'line' && !item.evidence && !item.near);
  const essential = firstFar < 0 ? items.length : firstFar;

  const systemCost = count(system) + TURN_OVERHEAD_TOKENS;
  const exampleCosts = examples.map((e) => count(e.user) + count(e.assistant) + 2 * TURN_OVERHEAD_TOKENS);
  const userFor = (k: number): { text: string; shown: number[] } => {
    const chosen = items.slice(0, k);
    const shown = chosen.flatMap((item) => (item.kind === 'line' ? [item.index] : [])).sort((a, b) => a - b);
    const similarCount = chosen.filter((item) => item.kind === 'similar').length;
    return { text: renderUser(view, shown, similarCount, maxLineChars), shown };
  };
  const fits = (k: number, room: number): boolean => count(userFor(k).text) + TURN_OVERHEAD_TOKENS <= room;

  let kept = examples.length;
  const roomWith = (n: number): number => budget - systemCost - exampleCosts.slice(0, n).reduce((a, b) => a + b, 0);
  while (kept > 0 && !fits(essential, roomWith(kept))) kept--;
  const room = roomWith(kept);
  if (!fits(0, room)) {
    throw new InputError(
      `maxPromptTokens ${budget} is too small: the system prompt alone takes ${systemCost} tokens and the incident's header ${count(userFor(0).text) + TURN_OVERHEAD_TOKENS}; allow at least ${systemCost + count(userFor(0).text) + TURN_OVERHEAD_TOKENS + 200}`,
    );
  }
  // The largest prefix of the priority list that fits. Cost grows with the prefix (a line costs more
  // than the gap marker it may replace), so a binary search finds it; `fits` is checked on the
  // result itself, so a real tokenizer's non-additivity cannot push the prompt over budget.
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid, room)) lo = mid;
    else hi = mid - 1;
  }
  const user = userFor(lo);
  return {
    system,
    examples: examples.slice(0, kept),
    user: user.text,
    version: promptVersion(templates, taxonomy),
    shownLines: user.shown,
  };
}

function renderSystem(template: string, taxonomy: Taxonomy, language: TriageLanguage): string {
  const categories = taxonomy.categories.map((c) => `- ${c.name}: ${c.description.replace(/\s+/g, ' ').trim()}`).join('\n');
  return template.replace('{{categories}}', () => categories).replace('{{language}}', () => LANGUAGE_INSTRUCTIONS[language]).trimEnd();
}

function exampleAnswer(example: PromptExample, language: TriageLanguage): string {
  const { answer } = example;
  const text = answer[language];
  return JSON.stringify({
    category: answer.category,
    severity: answer.severity,
    confidence: answer.confidence,
    summary: text.summary,
    explanation: text.explanation,
    evidence_lines: answer.evidence_lines,
    suggested_actions: text.suggested_actions,
  });
}

function exampleView(example: PromptExample): IncidentView {
  const { incident } = example;
  return {
    boundary: promptBoundary(`example:${example.id}`),
    service: incident.service,
    sessionKey: incident.sessionKey,
    score: incident.score,
    threshold: incident.threshold,
    lines: incident.lines,
    truncatedLines: 0,
    evidence: incident.evidence.map((e) => ({
      position: e.position,
      surprise: 0,
      expected: e.expected.map((x, i) => ({ text: x.template, templateId: `t${i}`, probability: x.probability })),
    })),
    similar: incident.similar,
  };
}

function incidentView(incident: PromptIncident, similar: readonly SimilarIncident[], maxSimilar: number): IncidentView {
  const templateOf = new Map<string, string>();
  incident.templateIds.forEach((id, i) => {
    const text = incident.templates[i];
    if (text !== undefined && !templateOf.has(id)) templateOf.set(id, text);
  });
  const byPosition = new Map<number, EvidenceView>();
  for (const e of incident.evidence) {
    if (!Number.isInteger(e.position) || e.position < 0) continue;
    const expected = e.expected.slice(0, EXPECTED_SHOWN).map((x) => {
      // The pipeline stores the template text beside the id when it knows it (an expected event
      // need not occur in the session); else the session's own templates may have it.
      const carried = (x as { template?: unknown }).template;
      const text = x.templateId === END_TEMPLATE_ID ? null : typeof carried === 'string' ? carried : templateOf.get(x.templateId);
      return { text, templateId: x.templateId, probability: x.probability };
    });
    const seen = byPosition.get(e.position);
    if (!seen || e.surprise > seen.surprise) byPosition.set(e.position, { position: e.position, surprise: e.surprise, expected });
  }
  return {
    boundary: promptBoundary(incident.id),
    service: incident.service,
    sessionKey: incident.sessionKey,
    score: incident.score,
    threshold: incident.threshold,
    lines: incident.lines,
    truncatedLines: Math.max(0, incident.truncatedLines),
    evidence: [...byPosition.values()].sort((a, b) => b.surprise - a.surprise || a.position - b.position),
    similar: similar
      .flatMap((s) => {
        const category = s.review.corrections.category ?? s.triage.result?.category;
        const summary = s.triage.result?.summary;
        return category && summary ? [{ category, summary }] : [];
      })
      .slice(0, maxSimilar),
  };
}

type Item = { kind: 'line'; index: number; evidence: boolean; near: boolean } | { kind: 'similar'; index: number };

/**
 * What to show, most important first: the surprising lines (most surprising first), their direct
 * neighbours, the similar incidents, the neighbours two away, then the session from both ends
 * inwards.
 */
function priorities(view: IncidentView): Item[] {
  const n = view.lines.length;
  const items: Item[] = [];
  const taken = new Set<number>();
  const addLine = (index: number, evidence = false, near = false): void => {
    if (index < 0 || index >= n || taken.has(index)) return;
    taken.add(index);
    items.push({ kind: 'line', index, evidence, near });
  };
  for (const e of view.evidence) addLine(e.position, true);
  for (const e of view.evidence) {
    addLine(e.position - 1, false, true);
    addLine(e.position + 1, false, true);
  }
  view.similar.forEach((_, index) => items.push({ kind: 'similar', index }));
  for (const e of view.evidence) {
    addLine(e.position - 2);
    addLine(e.position + 2);
  }
  for (let i = 0; i < n; i++) {
    addLine(i);
    addLine(n - 1 - i);
  }
  return items;
}

function allLines(view: IncidentView): number[] {
  return view.lines.map((_, i) => i);
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : String(value);
}

function leftOut(k: number): string {
  return `… ${k} line${k === 1 ? '' : 's'} left out …`;
}

function renderExpected(expected: readonly ExpectedView[], maxLineChars: number): string | undefined {
  if (expected.length === 0) return undefined;
  const parts = expected.map((x) => {
    const what = x.text === null ? '<end of session>' : x.text === undefined ? `template ${quoteLogText(x.templateId, 64)}` : quoteLogText(x.text, maxLineChars);
    return `${what} (${Math.round(x.probability * 100)}%)`;
  });
  return `   expected: ${parts.join(', ')}`;
}

function renderUser(view: IncidentView, shown: readonly number[], similarCount: number, maxLineChars: number): string {
  const n = view.lines.length;
  const total = n + view.truncatedLines;
  const evidenceAt = new Map(view.evidence.map((e) => [e.position, e]));
  const out: string[] = [INSTRUCTION, `<<<LOG-${view.boundary}`];
  out.push(`service: ${view.service === undefined ? '(unknown)' : quoteLogText(view.service, 120)}`);
  out.push(`session: ${quoteLogText(view.sessionKey, 120)}`);
  out.push(`score: ${formatScore(view.score)} (threshold ${formatScore(view.threshold)})`);
  const hidden = n - shown.length;
  const counts = [`${total} in the session`, hidden === 0 ? 'all stored lines shown' : `${shown.length} shown, ${hidden} left out`];
  if (view.truncatedLines > 0) counts.push(`the last ${view.truncatedLines} not stored`);
  out.push(`lines: ${counts.join(', ')}`);

  let next = 0;
  for (const i of shown) {
    if (i > next) out.push(leftOut(i - next));
    const evidence = evidenceAt.get(i);
    out.push(`${evidence ? '>>' : ''}[${i}] ${quoteLogText(view.lines[i]!, maxLineChars)}`);
    const expected = evidence && renderExpected(evidence.expected, maxLineChars);
    if (expected) out.push(expected);
    next = i + 1;
  }
  if (n > next) out.push(leftOut(n - next));
  // Surprises past the stored lines: the end of the session, or lines that were not stored.
  for (const e of [...view.evidence].filter((e) => e.position >= n).sort((a, b) => a.position - b.position)) {
    out.push(`>>[${e.position}] ${e.position >= total ? '<end of session>' : '<line not stored>'}`);
    const expected = renderExpected(e.expected, maxLineChars);
    if (expected) out.push(expected);
  }
  if (similarCount > 0) {
    out.push('similar:');
    for (const s of view.similar.slice(0, similarCount)) out.push(`- ${quoteLogText(s.category, 64)}: ${quoteLogText(s.summary, 200)}`);
  }
  out.push(`LOG-${view.boundary}>>>`);
  return out.join('\n');
}
