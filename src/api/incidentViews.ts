import type { StoredIncident } from '../incidents/index.js';
import type { ExplanationJson, IncidentJson, IncidentSummary } from './responseSchemas.js';

/** The category an SRE sees: the reviewer's when they relabelled it, else tier 2's; null before triage. */
export function effectiveCategory(incident: StoredIncident): string | null {
  return incident.review.corrections.category ?? incident.triage.result?.category ?? null;
}

/** Whether `backend` names the heuristic fallback rather than an LLM. */
export function isHeuristicBackend(backend: string): boolean {
  return backend === 'heuristic' || backend.startsWith('heuristic:');
}

function triageOf(incident: StoredIncident): IncidentJson['triage'] {
  const t = incident.triage;
  return {
    status: t.status,
    attempts: t.attempts,
    ...(t.lastError !== undefined ? { lastError: t.lastError } : {}),
    ...(t.claimedBy !== undefined ? { claimedBy: t.claimedBy } : {}),
    ...(t.leaseUntil !== undefined ? { leaseUntil: t.leaseUntil } : {}),
    ...(t.notBefore !== undefined ? { notBefore: t.notBefore } : {}),
    ...(t.result !== undefined
      ? {
          result: {
            category: t.result.category,
            severity: t.result.severity,
            confidence: t.result.confidence,
            summary: t.result.summary,
            explanation: t.result.explanation,
            evidenceLines: [...t.result.evidenceLines],
            suggestedActions: [...t.result.suggestedActions],
            backend: t.result.backend,
          },
        }
      : {}),
    ...(t.triagedAt !== undefined ? { triagedAt: t.triagedAt } : {}),
  };
}

function reviewOf(incident: StoredIncident): IncidentJson['review'] {
  const r = incident.review;
  const c = r.corrections;
  return {
    state: r.state,
    ...(r.reviewer !== undefined ? { reviewer: r.reviewer } : {}),
    ...(r.reviewedAt !== undefined ? { reviewedAt: r.reviewedAt } : {}),
    corrections: {
      ...(c.category !== undefined ? { category: c.category } : {}),
      ...(c.explanation !== undefined ? { explanation: c.explanation } : {}),
      ...(c.note !== undefined ? { note: c.note } : {}),
    },
  };
}

// Fields are copied one by one so that nothing the store adds (a column, a driver property)
// reaches a client unannounced.
function detectionOf(incident: StoredIncident) {
  return {
    id: incident.id,
    sessionKey: incident.sessionKey,
    ...(incident.service !== undefined ? { service: incident.service } : {}),
    ...(incident.traceId !== undefined ? { traceId: incident.traceId } : {}),
    firstTimestamp: incident.firstTimestamp,
    lastTimestamp: incident.lastTimestamp,
    detectedAt: incident.detectedAt,
    lastDetectedAt: incident.lastDetectedAt,
    updatedAt: incident.updatedAt,
    occurrences: incident.occurrences,
    truncatedLines: incident.truncatedLines,
    score: incident.score,
    threshold: incident.threshold,
    modelVersion: incident.modelVersion,
    signature: incident.signature,
    triage: triageOf(incident),
    review: reviewOf(incident),
  };
}

/** The full incident (`GET /api/incidents/:id`, `POST …/review`). */
export function toIncidentJson(incident: StoredIncident): IncidentJson {
  return {
    ...detectionOf(incident),
    templateIds: [...incident.templateIds],
    templates: [...incident.templates],
    lines: [...incident.lines],
    evidence: incident.evidence.map((e) => ({
      position: e.position,
      templateId: e.templateId,
      surprise: e.surprise,
      expected: e.expected.map((x) => ({ templateId: x.templateId, probability: x.probability, ...(x.template !== undefined ? { template: x.template } : {}) })),
    })),
  };
}

/** A row of the list (`GET /api/incidents`): no events, the effective category, severity and summary on top. */
export function toIncidentSummary(incident: StoredIncident): IncidentSummary {
  return {
    ...detectionOf(incident),
    eventCount: incident.templateIds.length,
    category: effectiveCategory(incident),
    severity: incident.triage.result?.severity ?? null,
    summary: incident.triage.result?.summary ?? null,
  };
}

/**
 * The explanation (`GET /api/incidents/:id/explanation`): tier 2's result with the reviewer's
 * category and explanation in place of tier 2's where they corrected them. Before triage (and after
 * a failed one) the triage fields are null and the lists empty.
 */
export function toExplanation(incident: StoredIncident): ExplanationJson {
  const result = incident.triage.result;
  const corrections = incident.review.corrections;
  const corrected = corrections.category !== undefined || corrections.explanation !== undefined;
  const evidenceLines: ExplanationJson['evidenceLines'] = [];
  for (const index of result?.evidenceLines ?? []) {
    const line = incident.lines[index];
    if (Number.isInteger(index) && index >= 0 && line !== undefined) evidenceLines.push({ index, line });
  }
  return {
    id: incident.id,
    status: incident.triage.status,
    category: effectiveCategory(incident),
    severity: result?.severity ?? null,
    confidence: result?.confidence ?? null,
    summary: result?.summary ?? null,
    explanation: corrections.explanation ?? result?.explanation ?? null,
    evidenceLines,
    suggestedActions: [...(result?.suggestedActions ?? [])],
    backend: result?.backend ?? null,
    heuristic: result !== undefined && isHeuristicBackend(result.backend),
    corrected,
    original: corrected ? { category: result?.category ?? null, explanation: result?.explanation ?? null } : null,
    review: reviewOf(incident),
  };
}
