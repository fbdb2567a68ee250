import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { signatureOf } from '../incidents/ids.js';
import { REVIEW_STATES, SEVERITIES, TRIAGE_STATUSES, type StoredIncident } from '../incidents/IncidentStore.js';
import { InputError } from '../util/errors.js';

const evidenceSchema = z.object({
  position: z.number().int(),
  templateId: z.string().default(''),
  surprise: z.number().default(0),
  expected: z.array(z.object({ templateId: z.string(), probability: z.number(), template: z.string().optional() })).default([]),
});

const resultSchema = z.object({
  category: z.string().min(1),
  severity: z.enum(SEVERITIES),
  confidence: z.number(),
  summary: z.string(),
  explanation: z.string(),
  evidenceLines: z.array(z.number().int()).default([]),
  suggestedActions: z.array(z.string()).default([]),
  backend: z.string().default('unknown'),
});

// What an incident export must hold: the fields the prompt, the features and the answer read.
// Everything else is optional, so the store's rows, the API's incident JSON and the JSONL sink's
// `{"type":"incident",…}` lines all read.
const incidentSchema = z.object({
  id: z.string().min(1),
  sessionKey: z.string(),
  service: z.string().optional(),
  lines: z.array(z.string()),
  truncatedLines: z.number().int().min(0).default(0),
  templateIds: z.array(z.string()),
  templates: z.array(z.string()).optional(),
  score: z.number(),
  threshold: z.number(),
  evidence: z.array(evidenceSchema).default([]),
  signature: z.string().optional(),
  firstTimestamp: z.number().default(0),
  lastTimestamp: z.number().default(0),
  detectedAt: z.number().default(0),
  lastDetectedAt: z.number().optional(),
  occurrences: z.number().int().default(1),
  modelVersion: z.string().default('unknown'),
  traceId: z.string().optional(),
  triage: z
    .object({
      status: z.enum(TRIAGE_STATUSES).default('pending'),
      attempts: z.number().int().default(0),
      result: resultSchema.optional(),
      triagedAt: z.number().optional(),
    })
    .default({ status: 'pending', attempts: 0 }),
  review: z
    .object({
      state: z.enum(REVIEW_STATES).default('unreviewed'),
      reviewer: z.string().optional(),
      reviewedAt: z.number().optional(),
      corrections: z.object({ category: z.string().optional(), explanation: z.string().optional(), note: z.string().optional() }).default({}),
    })
    .default({ state: 'unreviewed', corrections: {} }),
  updatedAt: z.number().optional(),
});

/**
 * Reads incidents from a JSON-lines export: one incident object per line, as the store keeps it, as
 * `GET /api/incidents/:id` returns it, or as the JSONL incident sink writes it (its `occurrence`
 * lines are skipped). Missing optional fields get defaults (no triage, unreviewed). Throws
 * {@link InputError} naming the line and the field that is wrong.
 */
export async function readIncidentFile(path: string): Promise<StoredIncident[]> {
  const incidents: StoredIncident[] = [];
  let lineNumber = 0;
  try {
    for await (const raw of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
      lineNumber++;
      if (raw.trim() !== '') {
        const incident = parseLine(raw, path, lineNumber);
        if (incident) incidents.push(incident);
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the incident file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return incidents;
}

function parseLine(raw: string, path: string, lineNumber: number): StoredIncident | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new InputError(`${path}:${lineNumber}: not JSON (${(error as Error).message}); expected one incident object per line`, { cause: error });
  }
  if (data !== null && typeof data === 'object' && (data as { type?: unknown }).type === 'occurrence') return undefined;
  const parsed = incidentSchema.safeParse(data);
  if (!parsed.success) {
    throw new InputError(`${path}:${lineNumber}: not an incident: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
  }
  const d = parsed.data;
  return {
    id: d.id,
    sessionKey: d.sessionKey,
    ...(d.service !== undefined ? { service: d.service } : {}),
    ...(d.traceId !== undefined ? { traceId: d.traceId } : {}),
    firstTimestamp: d.firstTimestamp,
    lastTimestamp: d.lastTimestamp,
    detectedAt: d.detectedAt,
    lastDetectedAt: d.lastDetectedAt ?? d.detectedAt,
    occurrences: d.occurrences,
    templateIds: d.templateIds,
    templates: d.templates ?? d.templateIds,
    lines: d.lines,
    truncatedLines: d.truncatedLines,
    score: d.score,
    threshold: d.threshold,
    evidence: d.evidence,
    modelVersion: d.modelVersion,
    signature: d.signature ?? signatureOf(d.templateIds),
    triage: d.triage,
    review: d.review,
    updatedAt: d.updatedAt ?? d.detectedAt,
  };
}
