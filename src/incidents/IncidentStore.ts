import type { AnomalyEvidence } from './evidence.js';
import type { IncidentSink, NewIncident } from './types.js';

/** Triage queue state of an incident: waiting for tier 2, classified, or given up on. */
export const TRIAGE_STATUSES = ['pending', 'triaged', 'failed'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

/** What a reviewer said about an incident. */
export const REVIEW_STATES = ['unreviewed', 'confirmed', 'false_positive', 'relabelled'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Roles of API tokens: `viewer` reads, `reviewer` also reviews, `admin` also manages tokens. */
export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Tier 2's answer for an incident (the LLM's schema-constrained JSON, or the heuristic's). */
export interface TriageResult {
  category: string;
  severity: Severity;
  /** 0..1 */
  confidence: number;
  /** One line. */
  summary: string;
  explanation: string;
  /** Indices into the incident's `lines`. */
  evidenceLines: number[];
  suggestedActions: string[];
  /** What produced it, e.g. `llamacpp:qwen2.5-1.5b+lora-v3`, `openai:…`, `heuristic` (shown wherever the result is). */
  backend: string;
}

/** A reviewer's corrections (only what they changed is set). */
export interface ReviewCorrections {
  category?: string;
  explanation?: string;
  note?: string;
}

/** An incident as the store keeps it: the detection, the triage queue entry, the triage and the review. */
export interface StoredIncident extends NewIncident {
  id: string;
  occurrences: number;
  /** When the signature was last flagged, Unix epoch ms. */
  lastDetectedAt: number;
  triage: {
    status: TriageStatus;
    attempts: number;
    lastError?: string;
    /** Worker holding the lease and until when (epoch ms), while a worker triages it. */
    claimedBy?: string;
    leaseUntil?: number;
    /** Not before this time (epoch ms) may a worker claim it again (retry backoff). */
    notBefore?: number;
    result?: TriageResult;
    triagedAt?: number;
  };
  review: {
    state: ReviewState;
    reviewer?: string;
    reviewedAt?: number;
    corrections: ReviewCorrections;
  };
  updatedAt: number;
}

/** Filters and paging of {@link IncidentStore.list}. All optional. */
export interface IncidentQuery {
  status?: TriageStatus;
  /** Tier 2's category, or the reviewer's when relabelled. */
  category?: string;
  severity?: Severity;
  service?: string;
  reviewState?: ReviewState;
  /** `detectedAt` range, epoch ms, inclusive from, exclusive to. */
  from?: number;
  to?: number;
  /** Case-insensitive text search over session key, service, templates, lines, summary and explanation. */
  q?: string;
  /** Page size, 1–500. Default 50. */
  limit?: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

/** One page of incidents, newest first (by `detectedAt`, then id). */
export interface IncidentPage {
  items: StoredIncident[];
  /** Present when there are more. */
  nextCursor?: string;
}

/** A review action (`POST /api/incidents/:id/review`). */
export interface ReviewInput {
  action: 'confirm' | 'false_positive' | 'relabel' | 'edit_explanation' | 'note';
  /** With `relabel`: the new category. */
  category?: string;
  /** With `edit_explanation`: the corrected explanation. */
  explanation?: string;
  note?: string;
}

/** One audit-log entry: who did what to which incident, with the state before and after. */
export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  incidentId: string;
  before: unknown;
  after: unknown;
}

/** An API token as listed (never the token itself: only its hash is stored). */
export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** Counts for `GET /api/stats`. */
export interface IncidentStats {
  total: number;
  byStatus: Record<TriageStatus, number>;
  byReview: Record<ReviewState, number>;
  bySeverity: Record<Severity | 'unknown', number>;
  /** Incidents detected in the last 24 hours. */
  last24h: number;
  /** Sum of occurrences. */
  occurrences: number;
}

/**
 * The durable incident store (SQLite embedded, PostgreSQL for several replicas): the pipeline's
 * sink, the triage queue, the reviews and their audit log, the false-positive allow-list, and the
 * API tokens. Every method may be called from several processes at once (PostgreSQL).
 */
export interface IncidentStore extends IncidentSink {
  /** Brings the schema to the latest version (versioned migrations). Idempotent. */
  migrate(): Promise<void>;
  get(id: string): Promise<StoredIncident | undefined>;
  list(query?: IncidentQuery): Promise<IncidentPage>;
  /** Categories in use (tier 2's, or the reviewer's when relabelled) with their incident counts. */
  categories(): Promise<{ category: string; count: number }[]>;
  stats(now?: number): Promise<IncidentStats>;

  /** Applies a review, writes the audit entry, and for `false_positive` adds the signature to the allow-list. Undefined for an unknown id. */
  review(id: string, input: ReviewInput, actor: string): Promise<StoredIncident | undefined>;
  audit(incidentId?: string, limit?: number): Promise<AuditEntry[]>;
  /** Signatures reviewed as false positives: the scorer does not flag them again. */
  suppressedSignatures(): Promise<Set<string>>;
  /** Template-id sequences of incidents reviewed as false positives: normal sessions for the next training set. */
  falsePositiveSessions(): Promise<string[][]>;

  /**
   * Claims up to `limit` pending incidents whose `notBefore` has passed and that no worker holds
   * (or whose lease expired) for `worker`, leasing them for `leaseMs` and counting an attempt.
   * A retryable failure is `pending` again with `notBefore`; `failed` is final. PostgreSQL uses
   * `FOR UPDATE SKIP LOCKED`, so two workers never claim the same incident.
   */
  claim(worker: string, limit: number, leaseMs: number, now?: number): Promise<StoredIncident[]>;
  /** Stores the triage of a claimed incident; false when the worker no longer holds the lease. */
  completeTriage(id: string, worker: string, result: TriageResult, now?: number): Promise<boolean>;
  /** Records a failed attempt: `failed` for good when `final` (the caller weighs `attempts` against its maximum), else pending again from `retryAt`. False when the lease is not held. */
  failTriage(id: string, worker: string, error: string, options: { retryAt?: number; final: boolean }, now?: number): Promise<boolean>;
  /** Pending incidents waiting for triage (for the queue-depth metric). */
  pendingCount(): Promise<number>;

  /** Creates a token; the plaintext is returned once and only its hash is kept. */
  createToken(name: string, role: Role): Promise<{ token: string; info: TokenInfo }>;
  listTokens(): Promise<TokenInfo[]>;
  /** False when there is no such token. */
  revokeToken(id: string): Promise<boolean>;
  /** The token's info when it is valid (not revoked); records its use. */
  verifyToken(token: string): Promise<TokenInfo | undefined>;
  /** Whether any unrevoked token exists (the service then requires one on every API call). */
  hasTokens(): Promise<boolean>;
}

export type { AnomalyEvidence };
