import type { Severity } from '../incidents/IncidentStore.js';
import type { SyntheticSequence } from '../synthetic/index.js';
import type { PromptIncident, TriageOutput } from '../triage/prompts/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import { categoryReason, categoryTitle, explanationText, lineRefs, quoted, suggestedActions, summaryLine } from './answerText.js';

/** Confidence of a synthetic answer: the category is known (it was injected), the wording is templated. */
export const SYNTHETIC_CONFIDENCE = 0.9;

const FAILED_STATUS = /\b(?:failed|rejected) with status [45]\d\d\b|状态码 [45]\d\d|失败.{0,20}[45]\d\d/;
const CRASH = /out of memory|OutOfMemory|\bOOM\b|killed|内存溢出/i;
const MOST_EVIDENCE = 6;

/**
 * The answer for a synthetic request with an injected failure, written from what the generator
 * knows: the category, the first failing line (`failureIndex`), the error lines after it and how the
 * request ended. Severity: `critical` when a line from the failure on is FATAL or the process ran
 * out of memory; `high` when the request failed with a 4xx/5xx; `medium` when it was still served
 * (a fallback, a late retry, slowness). The explanation cites lines as `[i]`, quotes them and names
 * the category with the taxonomy's description. English; deterministic.
 */
export function syntheticAnswer(sequence: SyntheticSequence, incident: PromptIncident, taxonomy: Taxonomy): TriageOutput {
  const lines = sequence.lines;
  const n = lines.length;
  const f = sequence.failureIndex ?? n - 1;
  const failing = lines[f]!;
  // The prompt shows log bodies only, not which service wrote each line: the answer names none
  // that the model could not see.
  const service = 'the failing service';
  const after = lines.slice(f + 1).map((line, k) => ({ line, index: f + 1 + k }));
  const errorsAfter = after.filter(({ line }) => line.severityNumber >= 17).map(({ index }) => index);
  const last = lines[n - 1]!;
  const failedAtEnd = FAILED_STATUS.test(last.body);
  const crashed = lines.slice(f).some((line) => line.severityText === 'FATAL' || CRASH.test(line.body));
  const severity: Severity = crashed ? 'critical' : failedAtEnd ? 'high' : 'medium';
  const category = sequence.category;

  const sentences: string[] = [];
  const atFailure = incident.evidence.find((e) => e.position === f);
  const expected = atFailure?.expected[0];
  const expectedText = expected ? (expected.templateId === '<end>' ? 'the end of the request' : expected.template ? quoted(expected.template, 100) : undefined) : undefined;
  sentences.push(`At line [${f}] the request logged ${quoted(failing.body)}${expectedText ? `, where the sequence model expected ${expectedText}` : ''}.`);
  const echoes = errorsAfter.filter((i) => i !== n - 1).slice(0, 2);
  if (echoes.length > 0) sentences.push(`The failure shows again in line${echoes.length > 1 ? 's' : ''} ${lineRefs(echoes)}: ${quoted(lines[echoes[0]!]!.body, 120)}.`);
  if (n - 1 > f) {
    sentences.push(
      failedAtEnd
        ? `The request failed for the caller: line [${n - 1}] reads ${quoted(last.body, 140)}.`
        : `The request was still answered (line [${n - 1}]: ${quoted(last.body, 120)}), so the caller got a degraded or late response rather than an error.`,
    );
  }
  if (crashed) sentences.push('A process crashed or ran out of memory, which makes it critical.');
  sentences.push(categoryReason(category, taxonomy));

  const evidenceLines = [...new Set([f, ...errorsAfter, ...(failedAtEnd ? [n - 1] : [])])].sort((a, b) => a - b).slice(0, MOST_EVIDENCE);
  return {
    category,
    severity,
    confidence: SYNTHETIC_CONFIDENCE,
    summary: summaryLine(`${categoryTitle(category)}: ${failing.body}`),
    explanation: explanationText(sentences),
    evidence_lines: evidenceLines,
    suggested_actions: suggestedActions(category, service, f),
  };
}
