import { z } from 'zod';
import {
  REVIEW_STATES,
  ROLES,
  SEVERITIES,
  TRIAGE_STATUSES,
  type AuditEntry,
  type IncidentStats,
  type StoredIncident,
  type TriageResult,
} from '../incidents/index.js';
import { API_ERROR_CODES } from './ApiError.js';

const epochMs = (what: string) => z.number().int().describe(`${what}, Unix epoch ms.`);

/** Tier 2's answer for an incident. */
export const triageResultSchema = z
  .object({
    category: z.string().describe('Category from the taxonomy (`GET /api/categories`).'),
    severity: z.enum(SEVERITIES),
    confidence: z.number().min(0).max(1).describe('0..1.'),
    summary: z.string().describe('One line.'),
    explanation: z.string(),
    evidenceLines: z.array(z.number().int()).describe("Indices into the incident's `lines`."),
    suggestedActions: z.array(z.string()),
    backend: z.string().describe('What produced it, e.g. `llamacpp:qwen2.5-1.5b+lora-v3`, `openai:…` or `heuristic`.'),
  })
  .describe("Tier 2's classification and explanation.");

const evidenceSchema = z
  .object({
    position: z.number().int().describe("Index of the event in the session; the session's length means its end."),
    templateId: z.string().describe('Template id that occurred (`<end>` for the end of the session).'),
    surprise: z.number().describe('−log p of the event, in nats.'),
    expected: z
      .array(z.object({ templateId: z.string(), probability: z.number(), template: z.string().optional().describe('The template text, when known.') }))
      .describe('What the model expected there, most likely first.'),
  })
  .describe("One surprising position of the session (tier 1's evidence).");

/** The triage queue entry and its result. */
export const triageStateSchema = z.object({
  status: z.enum(TRIAGE_STATUSES).describe('pending: waiting for tier 2; triaged: `result` is set; failed: given up after `attempts`.'),
  attempts: z.number().int(),
  lastError: z.string().optional(),
  claimedBy: z.string().optional().describe('Worker holding the lease while it triages.'),
  leaseUntil: epochMs('End of the lease').optional(),
  notBefore: epochMs('No retry before').optional(),
  result: triageResultSchema.optional(),
  triagedAt: epochMs('Triaged at').optional(),
});

/** A reviewer's verdict and corrections. */
export const reviewStateSchema = z
  .object({
    state: z.enum(REVIEW_STATES),
    reviewer: z.string().optional().describe('Name of the token that reviewed it (`local` without tokens).'),
    reviewedAt: epochMs('Last reviewed').optional(),
    corrections: z
      .object({ category: z.string().optional(), explanation: z.string().optional(), note: z.string().optional() })
      .describe('What the reviewer changed (only what they changed is set).'),
  })
  .describe('The review.');

const detectionShape = {
  id: z.string(),
  sessionKey: z.string().describe('What grouped the events into a session (trace id, block id, …).'),
  service: z.string().optional(),
  traceId: z.string().optional(),
  firstTimestamp: epochMs('First event'),
  lastTimestamp: epochMs('Last event'),
  detectedAt: epochMs('First flagged'),
  lastDetectedAt: epochMs('Last flagged'),
  updatedAt: epochMs('Last changed'),
  occurrences: z.number().int().describe('Sessions with this signature flagged so far.'),
  truncatedLines: z.number().int().describe('Log lines left out of `lines` (capped).'),
  score: z.number().describe("Tier 1's sequence score (the most surprising event, nats)."),
  threshold: z.number().describe('The score above which a session is flagged.'),
  modelVersion: z.string().describe('Tier-1 model version that flagged it.'),
  signature: z.string().describe('Hash of the template-id sequence: the same sequence again is the same incident.'),
  triage: triageStateSchema,
  review: reviewStateSchema,
};

/** `GET /api/incidents/:id`: the incident as the store keeps it. Times are Unix epoch ms. */
export const incidentSchema = z
  .object({
    ...detectionShape,
    templateIds: z.array(z.string()).describe('Template id per event, in order.'),
    templates: z.array(z.string()).describe('Template text per event (parallel to templateIds).'),
    lines: z.array(z.string()).describe('The raw log lines (bodies), capped. Attacker-controllable text: escape it before display.'),
    evidence: z.array(evidenceSchema),
  })
  .describe('An incident: the detection, its triage and its review. Times are Unix epoch ms.');

/** One row of `GET /api/incidents`: the incident without its events, with the list view's fields on top. */
export const incidentSummarySchema = z
  .object({
    ...detectionShape,
    eventCount: z.number().int().describe('Events in the session (the length of templateIds).'),
    category: z.string().nullable().describe("Effective category: the reviewer's when relabelled, else tier 2's; null before triage."),
    severity: z.enum(SEVERITIES).nullable().describe("Tier 2's severity; null before triage."),
    summary: z.string().nullable().describe("Tier 2's one-line summary; null before triage."),
  })
  .describe('An incident without lines, templates, templateIds and evidence (see `GET /api/incidents/{id}`).');

/** `GET /api/incidents`. */
export const incidentPageSchema = z
  .object({
    items: z.array(incidentSummarySchema).describe('Newest first (by detectedAt, then id).'),
    nextCursor: z.string().optional().describe('Present when there are more: pass it as `cursor` for the next page.'),
  })
  .describe('One page of incidents.');

/** `GET /api/incidents/:id/explanation`. */
export const explanationSchema = z
  .object({
    id: z.string(),
    status: z.enum(TRIAGE_STATUSES).describe('While pending (or failed) the triage fields are null and the lists empty.'),
    category: z.string().nullable().describe("The reviewer's category when relabelled, else tier 2's."),
    severity: z.enum(SEVERITIES).nullable(),
    confidence: z.number().nullable().describe("Tier 2's confidence, 0..1."),
    summary: z.string().nullable(),
    explanation: z.string().nullable().describe("The reviewer's explanation when they edited it, else tier 2's."),
    evidenceLines: z
      .array(z.object({ index: z.number().int().describe("Index into the incident's lines."), line: z.string().describe('The log line (attacker-controllable text).') }))
      .describe('The lines tier 2 cited (indices past the kept lines are left out).'),
    suggestedActions: z.array(z.string()),
    backend: z.string().nullable().describe('What produced the triage, e.g. `llamacpp:…`, `openai:…`, `heuristic`.'),
    heuristic: z.boolean().describe('True when the heuristic fallback, not an LLM, produced it.'),
    corrected: z.boolean().describe('True when a reviewer replaced the category or the explanation.'),
    original: z
      .object({ category: z.string().nullable(), explanation: z.string().nullable() })
      .nullable()
      .describe("Tier 2's category and explanation when a reviewer corrected them, else null."),
    review: reviewStateSchema,
  })
  .describe("Why an incident was flagged and what it is: tier 2's explanation with the reviewer's corrections applied.");

/** `GET /api/categories`. */
export const categoriesSchema = z
  .object({
    categories: z.array(
      z.object({
        name: z.string(),
        description: z.string().nullable().describe('From the taxonomy; null for a category missing from it.'),
        count: z.number().int().describe('Incidents with this effective category.'),
        inTaxonomy: z.boolean().describe('False for a category incidents use but the taxonomy lacks (an older taxonomy, or a reviewer label since removed).'),
      }),
    ),
  })
  .describe("The taxonomy's categories in its order, then categories in use that it lacks, most used first.");

/** `GET /api/stats`. */
export const statsSchema = z
  .object({
    total: z.number().int(),
    byStatus: z.record(z.enum(TRIAGE_STATUSES), z.number().int()),
    byReview: z.record(z.enum(REVIEW_STATES), z.number().int()),
    bySeverity: z.record(z.enum([...SEVERITIES, 'unknown']), z.number().int()),
    last24h: z.number().int().describe('Incidents detected in the last 24 hours.'),
    occurrences: z.number().int().describe('Sum of occurrences.'),
    triageQueueDepth: z.number().int().nullable().describe('Incidents waiting for tier 2; null when its source failed.'),
    pipeline: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe('The pipeline status (mode, model version, queues), when the service runs one; null when its source failed.'),
  })
  .describe('Incident counts, the triage queue and the pipeline.');

/** One audit entry. */
export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: epochMs('When'),
  actor: z.string().describe('Token name, or `local` without tokens.'),
  action: z.string(),
  incidentId: z.string(),
  before: z.unknown().describe('The review before.'),
  after: z.unknown().describe('The review after.'),
});

/** `GET /api/audit`. */
export const auditSchema = z.object({ entries: z.array(auditEntrySchema).describe('Newest first.') }).describe('The review audit log.');

/** `GET /api/me`. */
export const meSchema = z
  .object({
    name: z.string().describe('Token name, or `local` when the API runs without tokens.'),
    role: z.enum(ROLES),
    auth: z.enum(['token', 'open']).describe('open: no tokens exist and the API answers loopback callers as admin.'),
  })
  .describe('Who the caller is and what they may do.');

/** Every error: 4xx and 5xx. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES as [string, ...string[]]).describe('Stable, machine-readable.'),
      message: z.string().describe('For people: what was expected, what was found, what to do.'),
      field: z.string().optional().describe('The query parameter, path parameter or body field at fault (validation errors).'),
      reason: z.string().optional().describe('Why that field was refused.'),
      allowed: z.array(z.string()).optional().describe('The accepted values, when the field is an enumeration.'),
      requestId: z.string().describe('Also in the `X-Request-Id` header and in the server log.'),
    }),
  })
  .describe('The one shape of every error answer.');

/** Answer of `GET /api/incidents/:id` and `POST …/review`. */
export type IncidentJson = z.output<typeof incidentSchema>;
/** A row of `GET /api/incidents`. */
export type IncidentSummary = z.output<typeof incidentSummarySchema>;
/** Answer of `GET /api/incidents/:id/explanation`. */
export type ExplanationJson = z.output<typeof explanationSchema>;
/** Answer of `GET /api/categories`. */
export type CategoriesJson = z.output<typeof categoriesSchema>;
/** Answer of `GET /api/stats`. */
export type StatsJson = z.output<typeof statsSchema>;
/** Answer of `GET /api/me`. */
export type MeJson = z.output<typeof meSchema>;

// The schemas document the store's types: these fail to compile when the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _drift: [Same<IncidentJson, StoredIncident>, Same<z.output<typeof triageResultSchema>, TriageResult>, Same<z.output<typeof auditEntrySchema>, AuditEntry>, IncidentStats extends Omit<StatsJson, 'triageQueueDepth' | 'pipeline'> ? true : false] = [true, true, true, true];
void _drift;
