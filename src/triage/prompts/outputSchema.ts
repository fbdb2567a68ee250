import type { GbnfJsonObjectSchema } from 'node-llama-cpp';
import { z } from 'zod';
import { SEVERITIES, type TriageResult } from '../../incidents/IncidentStore.js';
import { TriageOutputError } from '../errors.js';
import type { Taxonomy } from '../taxonomy.js';

/** Size limits of the model's answer (characters are UTF-16 code units, as `String.length` counts them). */
export const TRIAGE_OUTPUT_LIMITS = {
  /** `summary`: one line. */
  summaryChars: 200,
  explanationChars: 2000,
  /** `evidence_lines`: most line indices cited. */
  evidenceLines: 20,
  /** `suggested_actions`: most actions, and most characters of each. */
  suggestedActions: 5,
  actionChars: 200,
  /** The whole answer as text; longer is rejected before it is parsed. */
  answerChars: 16_384,
} as const;

// U+FFFD is what a detokenizer writes for bytes that are not valid UTF-8 (a multi-byte character
// cut between tokens, or a model that emits garbage bytes); a lone surrogate comes from a `\ud800`
// escape. Either means the text is damaged, so the answer is refused rather than stored.
const DAMAGED = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 and C1 controls and DEL; `allowBreaks` lets tabs and line breaks through (explanation).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const BREAKS = /[\t\n\r\u2028\u2029]/;

function text(what: string, max: number, allowBreaks: boolean) {
  return z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const damaged = DAMAGED.exec(value);
      if (damaged) {
        const code = damaged[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        ctx.addIssue({ code: 'custom', message: `contains U+${code} at character ${damaged.index}: the model produced invalid UTF-8 or a broken escape` });
        return;
      }
      const control = CONTROL.exec(value);
      if (control) {
        ctx.addIssue({ code: 'custom', message: `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at character ${control.index}` });
        return;
      }
      if (!allowBreaks && BREAKS.test(value)) ctx.addIssue({ code: 'custom', message: `${what} must be one line (no line breaks or tabs)` });
    });
}

/**
 * The zod schema of the model's JSON answer, with the snake_case keys the prompt asks for:
 * `category` (one of the taxonomy's names), `severity` (critical | high | medium | low),
 * `confidence` (finite, 0..1), `summary` (one line, ≤ 200 characters), `explanation`
 * (≤ 2,000 characters), `evidence_lines` (≤ 20 line indices ≥ 0) and `suggested_actions`
 * (≤ 5 strings of ≤ 200 characters). Unknown keys are refused. Whether the cited lines were shown is
 * checked by {@link parseTriageOutput}, which knows the prompt.
 */
export function triageOutputSchema(taxonomy: Taxonomy) {
  const names = taxonomy.categories.map((c) => c.name);
  return z.strictObject({
    category: z.enum(names as [string, ...string[]]).describe('The anomaly category: one of the taxonomy names.'),
    severity: z.enum(SEVERITIES).describe('How urgent: critical, high, medium or low.'),
    confidence: z.number().min(0, 'confidence must be between 0 and 1').max(1, 'confidence must be between 0 and 1').describe('How sure the classification is, 0..1.'),
    summary: text('summary', TRIAGE_OUTPUT_LIMITS.summaryChars, false).describe('One line for an incident list.'),
    explanation: text('explanation', TRIAGE_OUTPUT_LIMITS.explanationChars, true).describe('Why: what happened, citing line numbers.'),
    evidence_lines: z
      .array(z.number().int('evidence_lines must hold whole line numbers').min(0, 'evidence_lines must not be negative'))
      .max(TRIAGE_OUTPUT_LIMITS.evidenceLines, `evidence_lines must hold at most ${TRIAGE_OUTPUT_LIMITS.evidenceLines} line numbers`)
      .describe('Numbers [i] of the lines that show the problem.'),
    suggested_actions: z
      .array(text('a suggested action', TRIAGE_OUTPUT_LIMITS.actionChars, false))
      .max(TRIAGE_OUTPUT_LIMITS.suggestedActions, `suggested_actions must hold at most ${TRIAGE_OUTPUT_LIMITS.suggestedActions} actions`)
      .describe('What an SRE should check or do next.'),
  });
}

/** The model's answer as the schema validates it (snake_case keys). */
export type TriageOutput = z.infer<ReturnType<typeof triageOutputSchema>>;

// What node-llama-cpp's JSON-schema grammar understands (GbnfJsonSchema). Anything else zod emits
// (`$schema`, `minimum`/`maximum`, `pattern`) is dropped: the grammar would ignore or refuse it,
// and parseTriageOutput checks those rules after generation anyway.
const GRAMMAR_KEYS = new Set(['type', 'properties', 'required', 'additionalProperties', 'enum', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'description']);

function forGrammar(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forGrammar);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!GRAMMAR_KEYS.has(key)) continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, forGrammar(v)]));
    else if (key === 'enum' || key === 'required') out[key] = value;
    else out[key] = forGrammar(value);
  }
  // An enum fixes its values; node-llama-cpp's enum schema has no `type` beside it.
  if ('enum' in out) delete out.type;
  return out;
}

/**
 * {@link triageOutputSchema} as a JSON schema for constrained decoding: node-llama-cpp's
 * `llama.createGrammarForJsonSchema` and the `response_format: {type: "json_schema"}` of
 * OpenAI-compatible servers. Only `type`, `properties`, `required` (every key),
 * `additionalProperties: false`, `enum`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`
 * and `description` are kept; number ranges, the one-line rule and the shown-lines rule are left to
 * {@link parseTriageOutput}.
 */
export function triageJsonSchema(taxonomy: Taxonomy): GbnfJsonObjectSchema {
  const generated = z.toJSONSchema(triageOutputSchema(taxonomy), { target: 'draft-2020-12', io: 'output', unrepresentable: 'throw' });
  return forGrammar(generated) as GbnfJsonObjectSchema;
}

/** What {@link parseTriageOutput} needs besides the text. */
export interface ParseTriageOutputOptions {
  taxonomy: Taxonomy;
  /** `TriagePrompt.shownLines`: the line indices the model saw; it may cite only these. */
  shownLines: readonly number[];
  /** Stored as `TriageResult.backend`, e.g. `llamacpp:qwen2.5-1.5b+lora-v3`. */
  backend: string;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function preview(text: string, max = 80): string {
  return JSON.stringify(clip(text.replace(/\s+/g, ' ').trim(), max));
}

// JSON.parse turns a number too large for a double (llama.cpp's grammar allows any exponent, e.g.
// 1e148842173115816) into Infinity; JSON has no NaN, but a caller may hand us a parsed value.
function nonFinite(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinite(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nonFinite(inner, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(the answer)';
}

function ranges(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ') || 'none';
}

/**
 * Validates the model's answer and maps it to a {@link TriageResult} (snake_case → camelCase,
 * evidence lines de-duplicated in the order given). Whitespace around the JSON and one Markdown
 * code fence (```` ```json … ``` ````, which chat models without a grammar like to add) are
 * tolerated. Throws {@link TriageOutputError} saying exactly what is wrong: not JSON, a field that
 * breaks the schema (which one, and why), a number that is not finite, damaged text (U+FFFD, lone
 * surrogates, control characters), or an evidence line that was not shown in the prompt.
 */
export function parseTriageOutput(text: string, options: ParseTriageOutputOptions): TriageResult {
  if (text.length > TRIAGE_OUTPUT_LIMITS.answerChars) {
    throw new TriageOutputError(`the answer is ${text.length} characters long, more than the ${TRIAGE_OUTPUT_LIMITS.answerChars} a triage answer may take; it starts ${preview(text)}`);
  }
  let body = text.trim();
  const fenced = /^```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/i.exec(body);
  if (fenced) body = fenced[1]!.trim();
  if (body === '') throw new TriageOutputError('the answer is empty; expected one JSON object');

  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new TriageOutputError(`the answer is not JSON (${(error as Error).message}); it starts ${preview(body)}`, { cause: error });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TriageOutputError(`the answer is JSON but not an object (found ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}); expected {"category": …, "severity": …, …}`);
  }
  const infinite = nonFinite(data, '');
  if (infinite) {
    throw new TriageOutputError(`${infinite} is not a finite number (a value too large for a double, such as 1e400, parses as Infinity); expected ${infinite === 'confidence' ? 'a number from 0 to 1' : 'a whole line number'}`);
  }

  const parsed = triageOutputSchema(options.taxonomy).safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((issue) => {
      const input = 'input' in issue ? issue.input : undefined;
      if (issue.code === 'invalid_type' && input === undefined) return `${issuePath(issue.path)}: missing (expected ${issue.expected})`;
      const found = input !== undefined && issue.code !== 'unrecognized_keys' ? ` (found ${clip(JSON.stringify(input) ?? String(input), 60)})` : '';
      return `${issuePath(issue.path)}: ${issue.message}${found}`;
    });
    throw new TriageOutputError(`the answer does not fit the triage schema: ${reasons.join('; ')}`, { cause: parsed.error });
  }
  const output = parsed.data;

  const shown = new Set(options.shownLines);
  const unknown = output.evidence_lines.filter((line) => !shown.has(line));
  if (unknown.length > 0) {
    throw new TriageOutputError(
      `evidence_lines cites line${unknown.length > 1 ? 's' : ''} ${[...new Set(unknown)].join(', ')}, which the prompt did not show (shown: ${ranges(options.shownLines)}); the model may cite only the numbered lines it saw`,
    );
  }

  return {
    category: output.category,
    severity: output.severity,
    confidence: output.confidence,
    summary: output.summary,
    explanation: output.explanation,
    evidenceLines: [...new Set(output.evidence_lines)],
    suggestedActions: output.suggested_actions,
    backend: options.backend,
  };
}
