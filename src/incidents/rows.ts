import type { Insertable, Selectable } from 'kysely';
import type { AuditEntry, ReviewCorrections, StoredIncident, TokenInfo, TriageResult } from './IncidentStore.js';
import type { ApiTokensTable, AuditLogTable, IncidentsTable } from './schema.js';
import type { NewIncident } from './types.js';

/** The `search_text` column: session key, service, templates and lines, lower-cased and joined by newlines. */
export function detectionSearchText(incident: Pick<NewIncident, 'sessionKey' | 'service' | 'templates' | 'lines'>): string {
  return [incident.sessionKey, incident.service ?? '', ...incident.templates, ...incident.lines].join('\n').toLowerCase();
}

/** The `search_extra` column: tier 2's summary and explanation and the reviewer's explanation, lower-cased. */
export function reviewSearchText(result: Pick<TriageResult, 'summary' | 'explanation'> | undefined, corrections: ReviewCorrections): string {
  return [result?.summary ?? '', result?.explanation ?? '', corrections.explanation ?? ''].join('\n').toLowerCase();
}

/** Escapes LIKE's wildcards (and the escape character `\`) so user text matches literally. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The row of a newly flagged session: pending triage, unreviewed. */
export function newIncidentRow(incident: NewIncident, id: string, now: number): Insertable<IncidentsTable> {
  return {
    id,
    signature: incident.signature,
    session_key: incident.sessionKey,
    service: incident.service ?? null,
    trace_id: incident.traceId ?? null,
    // Times are whole milliseconds in the store (bigint on PostgreSQL); OTLP times arrive with
    // microseconds as fractions.
    first_timestamp: Math.round(incident.firstTimestamp),
    last_timestamp: Math.round(incident.lastTimestamp),
    detected_at: Math.round(incident.detectedAt),
    last_detected_at: Math.round(incident.detectedAt),
    occurrences: 1,
    template_ids: JSON.stringify(incident.templateIds),
    templates: JSON.stringify(incident.templates),
    lines: JSON.stringify(incident.lines),
    truncated_lines: incident.truncatedLines,
    score: incident.score,
    threshold: incident.threshold,
    evidence: JSON.stringify(incident.evidence),
    model_version: incident.modelVersion,
    status: 'pending',
    attempts: 0,
    review_state: 'unreviewed',
    corrections: '{}',
    search_text: detectionSearchText(incident),
    search_extra: '',
    updated_at: now,
  };
}

// PostgreSQL returns bigint and numeric as strings unless parsed; the pool parses int8, and this
// keeps a row correct even where a value arrives as a string (sums, a pool from elsewhere).
function num(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function optNum(value: number | string | null): number | undefined {
  return value === null ? undefined : num(value);
}

/** Drops keys whose value is undefined, so optional fields are absent rather than `undefined`. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** An `incidents` row as read back (everything but the search columns). */
export type IncidentRow = Omit<Selectable<IncidentsTable>, 'search_text' | 'search_extra'>;

/** An `incidents` row as the contract's {@link StoredIncident}. */
export function toStoredIncident(row: IncidentRow): StoredIncident {
  return compact<StoredIncident>({
    id: row.id,
    sessionKey: row.session_key,
    service: row.service ?? undefined,
    firstTimestamp: num(row.first_timestamp),
    lastTimestamp: num(row.last_timestamp),
    detectedAt: num(row.detected_at),
    templateIds: JSON.parse(row.template_ids) as string[],
    templates: JSON.parse(row.templates) as string[],
    lines: JSON.parse(row.lines) as string[],
    truncatedLines: num(row.truncated_lines),
    score: num(row.score),
    threshold: num(row.threshold),
    evidence: JSON.parse(row.evidence) as StoredIncident['evidence'],
    modelVersion: row.model_version,
    signature: row.signature,
    traceId: row.trace_id ?? undefined,
    occurrences: num(row.occurrences),
    lastDetectedAt: num(row.last_detected_at),
    triage: compact<StoredIncident['triage']>({
      status: row.status,
      attempts: num(row.attempts),
      lastError: row.last_error ?? undefined,
      claimedBy: row.claimed_by ?? undefined,
      leaseUntil: optNum(row.lease_until),
      notBefore: optNum(row.not_before),
      result: row.triage_result === null ? undefined : (JSON.parse(row.triage_result) as TriageResult),
      triagedAt: optNum(row.triaged_at),
    }),
    review: compact<StoredIncident['review']>({
      state: row.review_state,
      reviewer: row.reviewer ?? undefined,
      reviewedAt: optNum(row.reviewed_at),
      corrections: JSON.parse(row.corrections) as ReviewCorrections,
    }),
    updatedAt: num(row.updated_at),
  });
}

/** An `audit_log` row as an {@link AuditEntry}. */
export function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: num(row.id),
    at: num(row.at),
    actor: row.actor,
    action: row.action,
    incidentId: row.incident_id,
    before: JSON.parse(row.before) as unknown,
    after: JSON.parse(row.after) as unknown,
  };
}

/** An `api_tokens` row as {@link TokenInfo} (never the hash). */
export function toTokenInfo(row: Omit<Selectable<ApiTokensTable>, 'token_hash'>): TokenInfo {
  return compact<TokenInfo>({
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: num(row.created_at),
    lastUsedAt: optNum(row.last_used_at),
    revokedAt: optNum(row.revoked_at),
  });
}
