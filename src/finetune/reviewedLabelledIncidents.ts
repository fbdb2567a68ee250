import type { StoredIncident } from '../incidents/IncidentStore.js';
import type { TriageOutput } from '../triage/prompts/index.js';
import { categoryTitle, summaryLine } from './answerText.js';
import { similarIncidents } from '../triage/similarIncidents.js';
import type { DropReason, ExampleSource, LabelledIncident } from './types.js';

/** Confidence written for an incident whose category the reviewer changed (the model's own confidence was for another category). */
export const RELABELLED_CONFIDENCE = 0.8;

/** Options of {@link reviewedLabelledIncidents}. */
export interface ReviewedSourceOptions {
  /** Keep incidents triaged by the heuristic whose explanation the reviewer did not rewrite. Default false: the model would learn to write like the keyword fallback. */
  allowHeuristic?: boolean;
  /** How the items are labelled in the dataset card. Default `incidents`. */
  source?: Extract<ExampleSource, 'incidents' | 'file'>;
}

/** Whether a review makes the incident training data: the reviewer confirmed the triage or gave the right category. */
export function isReviewed(incident: Pick<StoredIncident, 'review'>): boolean {
  return incident.review.state === 'confirmed' || incident.review.state === 'relabelled';
}

/** The reviewed incidents whose last review came before `triagedAt` (all of them when a time is unknown). */
function reviewedBefore(reviewed: readonly StoredIncident[], triagedAt: number | undefined): StoredIncident[] {
  if (triagedAt === undefined) return [...reviewed];
  return reviewed.filter((r) => r.review.reviewedAt === undefined || r.review.reviewedAt < triagedAt);
}

function isHeuristicBackend(backend: string): boolean {
  return backend === 'heuristic' || backend.startsWith('heuristic:');
}

/**
 * Labelled incidents from reviewed ones (`confirmed` or `relabelled`; others are ignored). The
 * answer is the stored triage result with the reviewer's category and explanation where they gave
 * them. When the reviewer changed the category, or the result came from the heuristic, the summary
 * is rewritten as `<Category title> in <service>: <first evidence line>` (the old one may name the
 * wrong kind of failure, or say "heuristic") and a changed category gets confidence
 * {@link RELABELLED_CONFIDENCE}. The similar incidents are found as the triage worker found them
 * when it triaged the incident: among the incidents reviewed before that (by `reviewedAt`, the time
 * of the last review action), so the prompt is the one the model was sent, and a later review of a
 * look-alike does not leak its label into the prompt. Incidents without a triage result, and
 * heuristic answers the reviewer did not rewrite (unless `allowHeuristic`), are dropped and counted.
 */
export function reviewedLabelledIncidents(
  incidents: readonly StoredIncident[],
  options: ReviewedSourceOptions = {},
): { items: LabelledIncident[]; dropped: Partial<Record<DropReason, number>> } {
  const reviewed = incidents.filter(isReviewed);
  const dropped: Partial<Record<DropReason, number>> = {};
  const drop = (reason: DropReason): void => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  const items: LabelledIncident[] = [];
  for (const incident of reviewed) {
    const result = incident.triage.result;
    if (!result) {
      drop('no_triage_result');
      continue;
    }
    const corrections = incident.review.corrections;
    const heuristic = isHeuristicBackend(result.backend);
    if (heuristic && corrections.explanation === undefined && !options.allowHeuristic) {
      drop('heuristic_answer');
      continue;
    }
    const category = corrections.category ?? result.category;
    const changed = category !== result.category;
    const keyLine = result.evidenceLines[0] ?? [...incident.evidence].sort((a, b) => b.surprise - a.surprise)[0]?.position;
    const keyText = keyLine !== undefined ? incident.lines[keyLine] : undefined;
    const summary =
      changed || heuristic ? summaryLine(`${categoryTitle(category)} in ${incident.service ?? 'the session'}${keyText !== undefined ? `: ${keyText}` : ''}`) : result.summary;
    const answer: TriageOutput = {
      category,
      severity: result.severity,
      confidence: changed ? RELABELLED_CONFIDENCE : result.confidence,
      summary,
      explanation: corrections.explanation ?? result.explanation,
      evidence_lines: [...result.evidenceLines],
      suggested_actions: [...result.suggestedActions],
    };
    items.push({
      source: options.source ?? 'incidents',
      id: incident.id,
      signature: incident.signature,
      incident,
      similar: similarIncidents(incident, reviewedBefore(reviewed, incident.triage.triagedAt)),
      answer,
    });
  }
  return { items, dropped };
}
