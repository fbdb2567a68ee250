import { z } from 'zod';
import { REVIEW_STATES, SEVERITIES, TRIAGE_STATUSES, type ReviewInput } from '../incidents/index.js';

/** The review actions of `POST /api/incidents/:id/review`. */
export const REVIEW_ACTIONS = ['confirm', 'false_positive', 'relabel', 'edit_explanation', 'note'] as const satisfies readonly ReviewInput['action'][];

// Fails to compile when ReviewInput gains an action this list lacks.
const _everyAction: Exclude<ReviewInput['action'], (typeof REVIEW_ACTIONS)[number]> extends never ? true : never = true;
void _everyAction;

/** Longest free text a reviewer may send (explanation), in characters. */
export const MAX_EXPLANATION_CHARS = 20_000;
/** Longest review note, in characters. */
export const MAX_NOTE_CHARS = 5_000;

/** A text query parameter of at most `max` characters. */
function text(max: number) {
  return z
    .string({ error: 'must be text' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
}

/** A query parameter that must be one of `values`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/** A whole number query parameter in [min, max]. */
function wholeNumber(min: number, max: number) {
  const reason = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: reason }).int(reason).min(min, reason).max(max, reason);
}

const EPOCH_MS = /^\d{1,15}$/;
// A date, or a date and time with a zone: a time without one would be read in the server's zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;
const TIME_REASON = 'must be an ISO 8601 date or time with a zone (2026-11-23, 2026-11-23T16:00:00Z, 2026-11-23T17:00:00+01:00) or Unix epoch milliseconds';

/** A point in time given as ISO 8601 or epoch ms; parsed to epoch ms. */
function time() {
  return z
    .string({ error: TIME_REASON })
    .transform((value, ctx) => {
      const ms = EPOCH_MS.test(value) ? Number(value) : ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: TIME_REASON, input: value });
        return z.NEVER;
      }
      return ms;
    });
}

/** Query of `GET /api/incidents`: filters and paging. Unknown parameters are refused. */
export const incidentListQuerySchema = z
  .strictObject({
    status: oneOf(TRIAGE_STATUSES).optional().describe('Triage state: pending (waiting for tier 2), triaged or failed.'),
    category: text(64).optional().describe("Effective category: the reviewer's when relabelled, else tier 2's."),
    severity: oneOf(SEVERITIES).optional().describe("Tier 2's severity."),
    service: text(256).optional().describe('Service name (exact).'),
    review: oneOf(REVIEW_STATES).optional().describe('Review state.'),
    from: time()
      .optional()
      .meta({ description: 'Detected at or after this time: an ISO 8601 date, or date and time with a zone, or Unix epoch ms.', examples: ['2026-11-23T16:00:00Z', '1795449600000'] }),
    to: time()
      .optional()
      .meta({ description: 'Detected before this time: an ISO 8601 date, or date and time with a zone, or Unix epoch ms.', examples: ['2026-11-24', '1795536000000'] }),
    q: text(200).optional().describe('Case-insensitive text search over session key, service, templates, lines, summary and explanation.'),
    limit: wholeNumber(1, 500).optional().describe('Page size, 1–500. Default 50.'),
    cursor: text(1024).optional().describe("The previous page's `nextCursor`."),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
    }
  });

/** `GET /api/incidents` query as parsed. */
export type IncidentListQuery = z.output<typeof incidentListQuerySchema>;

/** Path parameters of `/api/incidents/:id…`. */
export const incidentParamsSchema = z.strictObject({
  id: z.string().min(1).max(200).describe('Incident id, e.g. `inc_0mhc2f3k0a1b2c3d4e5`.'),
});

/** Query of `GET /api/audit`. */
export const auditQuerySchema = z.strictObject({
  incident: text(200).optional().describe('Only entries about this incident id.'),
  limit: wholeNumber(1, 1000).optional().describe('Most entries, newest first, 1–1000. Default 100.'),
});

/** Query of the routes that take none: any parameter is refused, so a typo does not go unnoticed. */
export const noQuerySchema = z.strictObject({});

/**
 * Body of `POST /api/incidents/:id/review`. `category` goes with (and only with) `relabel` and must
 * be a category of the taxonomy; `explanation` with `edit_explanation`; `note` with `note`, and
 * may accompany any action.
 */
export function reviewBodySchema(categories: readonly [string, ...string[]]) {
  const reason = `must be one of the taxonomy's categories: ${categories.join(', ')}`;
  return z
    .strictObject({
      action: z
        .enum(REVIEW_ACTIONS, { error: (issue) => `${issue.input === undefined ? 'is required and ' : ''}must be one of ${REVIEW_ACTIONS.join(', ')}` })
        .describe('confirm: the detection and its classification are right. false_positive: not an anomaly (its signature is not flagged again). relabel: the category is wrong (give `category`). edit_explanation: the explanation is wrong (give `explanation`). note: add a note only.'),
      category: z.enum(categories, { error: reason }).optional().describe('With `relabel` (required there): the right category.'),
      explanation: z
        .string({ error: 'must be text' })
        .trim()
        .min(1, 'must not be empty')
        .max(MAX_EXPLANATION_CHARS, `must be at most ${MAX_EXPLANATION_CHARS} characters`)
        .optional()
        .describe('With `edit_explanation` (required there): the corrected explanation.'),
      note: z
        .string({ error: 'must be text' })
        .trim()
        .min(1, 'must not be empty')
        .max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`)
        .optional()
        .describe('A note for the audit log and the finetuning data; required with `note`.'),
    })
    .superRefine((body, ctx) => {
      const require = (field: 'category' | 'explanation' | 'note', action: ReviewInput['action']) => {
        if (body.action === action && body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required with action ${action}` });
      };
      const only = (field: 'category' | 'explanation', action: ReviewInput['action']) => {
        if (body.action !== action && body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is only accepted with action ${action}` });
      };
      require('category', 'relabel');
      only('category', 'relabel');
      require('explanation', 'edit_explanation');
      only('explanation', 'edit_explanation');
      require('note', 'note');
    })
    .describe('A review. `category` is required with, and only accepted with, `relabel`; `explanation` likewise with `edit_explanation`; `note` is required with `note` and may accompany any action.');
}

/** The review body as parsed. */
export type ReviewBody = z.output<ReturnType<typeof reviewBodySchema>>;
