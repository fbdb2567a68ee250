import type { Severity } from '../../incidents/IncidentStore.js';
import type { PromptIncident, TriageOutput } from '../../triage/prompts/index.js';
import { TRIAGE_OUTPUT_LIMITS } from '../../triage/prompts/index.js';
import type { Taxonomy } from '../../triage/taxonomy.js';
import { categoryReason, categoryTitle, clipText, explanationText, lineRefs, quoted, suggestedActions, summaryLine } from '../answerText.js';
import type { BglSession } from './readBglSessions.js';

/** Confidence of a BGL answer: the alert tag is a real label, its mapping to the taxonomy coarser. */
export const BGL_CONFIDENCE = 0.8;

const CRITICAL_CATEGORIES = new Set(['hardware_fault', 'data_corruption']);

/**
 * The answer for a BGL session with alert lines, as an SRE would write it from what the prompt
 * shows: the first alert line quoted, how often alerts repeat in the window, and the category from
 * the tag mapping with the taxonomy's description (the tag itself is a label, never shown to the
 * model). Severity from the alert lines' level: FATAL or FAILURE is `critical` for hardware faults
 * and data corruption, else `high`; SEVERE or ERROR `medium`; anything else `low`.
 */
export function bglAnswer(session: BglSession, category: string, incident: PromptIncident, taxonomy: Taxonomy): TriageOutput {
  const stored = session.alerts.filter((a) => a.position < session.lines.length);
  const first = stored[0] ?? session.alerts[0]!;
  const levels = new Set(session.alerts.map((a) => a.level.toUpperCase()));
  const severity: Severity =
    levels.has('FATAL') || levels.has('FAILURE') ? (CRITICAL_CATEGORIES.has(category) ? 'critical' : 'high') : levels.has('SEVERE') || levels.has('ERROR') ? 'medium' : 'low';
  const firstText = session.lines[first.position];
  const count = session.alerts.length;

  const sentences: string[] = [];
  if (firstText !== undefined) {
    const atFirst = incident.evidence.find((e) => e.position === first.position);
    const expected = atFirst?.expected[0];
    const expectedText = expected ? (expected.templateId === '<end>' ? 'the end of the window' : expected.template ? quoted(expected.template, 100) : undefined) : undefined;
    sentences.push(`Node ${session.node} logged ${quoted(firstText)} at line [${first.position}]${expectedText ? `, where the sequence model expected ${expectedText}` : ''}.`);
  }
  const others = stored.slice(1);
  if (others.length > 0) {
    const distinct = [...new Set(others.map((a) => session.lines[a.position]!))].filter((t) => t !== firstText);
    sentences.push(
      `Alerts repeat in the window: ${count} in all${others.length <= 6 ? `, also at lines ${lineRefs(others.map((a) => a.position))}` : ''}${distinct.length > 0 ? `, including ${quoted(distinct[0]!, 100)}` : ''}.`,
    );
  }
  if (stored.length < count) sentences.push(`${count - stored.length} of them lie past the stored lines.`);
  sentences.push(categoryReason(category, taxonomy));

  const suffix = count > 1 ? ` (${count} alerts in the window)` : '';
  const summaryText = firstText ?? 'alert past the stored lines';
  return {
    category,
    severity,
    confidence: BGL_CONFIDENCE,
    summary: summaryLine(`${categoryTitle(category)} on ${session.node}: ${clipText(summaryText, 150)}${suffix}`),
    explanation: explanationText(sentences),
    evidence_lines: stored.map((a) => a.position).slice(0, TRIAGE_OUTPUT_LIMITS.evidenceLines),
    suggested_actions: suggestedActions(category, session.node, stored[0]?.position),
  };
}
