import type { Generated } from 'kysely';
import type { ReviewState, Role, Severity, TriageStatus } from './IncidentStore.js';

/**
 * The tables of the durable incident store as Kysely sees them. Times are Unix epoch ms (bigint
 * columns; PostgreSQL's int8 is parsed to a number, which is exact up to 2^53 ms). JSON values are
 * kept as text in both dialects, so one set of queries serves both.
 */
export interface StoreTables {
  incidents: IncidentsTable;
  audit_log: AuditLogTable;
  suppressed_signatures: SuppressedSignaturesTable;
  api_tokens: ApiTokensTable;
}

/** SQL dialects the store speaks. */
export type StoreDialect = 'sqlite' | 'postgres';

export interface IncidentsTable {
  id: string;
  /** Hash of the template-id sequence; UNIQUE, so a known sequence is one more occurrence. */
  signature: string;
  session_key: string;
  service: string | null;
  trace_id: string | null;
  first_timestamp: number;
  last_timestamp: number;
  detected_at: number;
  last_detected_at: number;
  occurrences: number;
  /** JSON string[] */
  template_ids: string;
  /** JSON string[] */
  templates: string;
  /** JSON string[] */
  lines: string;
  truncated_lines: number;
  score: number;
  threshold: number;
  /** JSON AnomalyEvidence[] */
  evidence: string;
  model_version: string;
  status: TriageStatus;
  attempts: number;
  last_error: string | null;
  claimed_by: string | null;
  lease_until: number | null;
  not_before: number | null;
  /** JSON TriageResult */
  triage_result: string | null;
  triaged_at: number | null;
  /** Effective category: the reviewer's when they set one, else tier 2's. */
  category: string | null;
  /** Tier 2's severity. */
  severity: Severity | null;
  review_state: ReviewState;
  reviewer: string | null;
  reviewed_at: number | null;
  /** JSON ReviewCorrections */
  corrections: string;
  /** Lower-cased detection text that `q` searches, written once (see `detectionSearchText`). */
  search_text: string;
  /** Lower-cased triage and review text that `q` searches, rewritten with them (see `reviewSearchText`). */
  search_extra: Generated<string>;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  incident_id: string;
  /** JSON */
  before: string;
  /** JSON */
  after: string;
}

export interface SuppressedSignaturesTable {
  signature: string;
  incident_id: string;
  actor: string;
  at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token, hex. */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
