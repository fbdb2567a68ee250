import type { StoredIncident } from '../../incidents/IncidentStore.js';

/** What the features read of an incident. */
export type FeatureIncident = Pick<StoredIncident, 'lines' | 'truncatedLines' | 'templateIds' | 'templates' | 'score' | 'threshold' | 'evidence'>;

/** Options of {@link deviationFeatures}. */
export interface DeviationFeatureOptions {
  /** Most surprising-template dimensions (the most frequent ones). Default 128. */
  maxSurprised?: number;
  /** Most expected-template dimensions. Default 64. */
  maxExpected?: number;
  /** Most session-template dimensions. Default 128. */
  maxSession?: number;
}

/** The feature vectors and what their dimensions mean. */
export interface DeviationFeatures {
  vectors: Float64Array[];
  /** Template ids of the surprising-template block, in dimension order. */
  surprised: string[];
  expected: string[];
  session: string[];
  /** Names of the numeric dimensions. */
  numeric: readonly string[];
}

/** The id the end of a session has in evidence. */
export const END_ID = '<end>';

// Weights of the blocks (each block is scaled to unit length first): which templates surprised
// decides most; what was expected there (where it happened) and the session's templates (its
// counts) next; the numeric shape (how much, where, how long) least.
const WEIGHTS = { surprised: 1, expected: 0.5, session: 0.5, numeric: 0.5 } as const;

/** Numeric dimensions: how much, where and how many. */
export const NUMERIC_FEATURES = ['log score/threshold', 'largest surprise', 'position of the top surprise (0 start, 1 end)', 'top surprise at the end', 'log events', 'log distinct templates', 'surprising positions'] as const;

/**
 * Feature vectors of incidents' deviations from normal: which templates surprised tier 1 (weighted by
 * surprise), which were expected there instead (weighted by probability: where in the flow it
 * happened), the session's template counts (log-scaled, weighted by inverse document frequency), and
 * how much and where (score over threshold, largest surprise, relative position, at the end, length,
 * distinct templates, surprising positions; standardised). Each block is scaled to unit length and
 * weighted, so no block dominates by its size. Template vocabularies keep the most frequent ids.
 */
export function deviationFeatures(incidents: readonly FeatureIncident[], options: DeviationFeatureOptions = {}): DeviationFeatures {
  const surprisedBags = incidents.map((incident) => {
    const bag = new Map<string, number>();
    for (const e of incident.evidence) {
      const id = surprisedId(incident, e.position, e.templateId);
      bag.set(id, (bag.get(id) ?? 0) + Math.max(0, e.surprise));
    }
    return bag;
  });
  const expectedBags = incidents.map((incident) => {
    const bag = new Map<string, number>();
    for (const e of incident.evidence) for (const x of e.expected) bag.set(x.templateId, (bag.get(x.templateId) ?? 0) + x.probability);
    return bag;
  });
  const sessionBags = incidents.map((incident) => {
    const bag = new Map<string, number>();
    for (const id of incident.templateIds) bag.set(id, (bag.get(id) ?? 0) + 1);
    for (const [id, n] of bag) bag.set(id, Math.log1p(n));
    return bag;
  });
  const surprised = vocabulary(surprisedBags, options.maxSurprised ?? 128);
  const expected = vocabulary(expectedBags, options.maxExpected ?? 64);
  const session = vocabulary(sessionBags, options.maxSession ?? 128);
  const idf = inverseDocumentFrequency(sessionBags, session);

  const numeric = incidents.map((incident) => {
    const n = incident.templateIds.length;
    const total = Math.max(n, incident.lines.length + Math.max(0, incident.truncatedLines));
    const top = [...incident.evidence].sort((a, b) => b.surprise - a.surprise)[0];
    const ratio = incident.threshold > 0 && incident.score > 0 ? Math.log(incident.score / incident.threshold) : 0;
    return [
      Number.isFinite(ratio) ? ratio : 0,
      top && Number.isFinite(top.surprise) ? top.surprise : 0,
      top ? Math.min(1, top.position / Math.max(1, total)) : 0,
      top && top.position >= total ? 1 : 0,
      Math.log1p(total),
      Math.log1p(new Set(incident.templateIds).size),
      incident.evidence.length,
    ];
  });
  const standardised = standardise(numeric);

  const dim = surprised.length + expected.length + session.length + NUMERIC_FEATURES.length;
  const vectors = incidents.map((_, i) => {
    const v = new Float64Array(dim);
    let offset = 0;
    offset = place(v, offset, surprised, surprisedBags[i]!, WEIGHTS.surprised);
    offset = place(v, offset, expected, expectedBags[i]!, WEIGHTS.expected);
    offset = place(v, offset, session, sessionBags[i]!, WEIGHTS.session, idf);
    const row = standardised[i]!;
    const scale = WEIGHTS.numeric / Math.sqrt(row.length);
    row.forEach((x, d) => (v[offset + d] = x * scale));
    return v;
  });
  return { vectors, surprised, expected, session, numeric: NUMERIC_FEATURES };
}

/** The id a surprising position counts under: its template, or {@link END_ID} past the last event. */
export function surprisedId(incident: Pick<FeatureIncident, 'templateIds'>, position: number, templateId: string): string {
  if (position >= incident.templateIds.length) return END_ID;
  return incident.templateIds[position] ?? (templateId || END_ID);
}

function vocabulary(bags: readonly Map<string, number>[], max: number): string[] {
  const df = new Map<string, number>();
  for (const bag of bags) for (const id of bag.keys()) df.set(id, (df.get(id) ?? 0) + 1);
  return [...df.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([id]) => id);
}

function inverseDocumentFrequency(bags: readonly Map<string, number>[], ids: readonly string[]): Map<string, number> {
  const n = bags.length;
  return new Map(ids.map((id) => [id, Math.log((1 + n) / (1 + bags.filter((b) => b.has(id)).length)) + 1]));
}

function place(v: Float64Array, offset: number, ids: readonly string[], bag: Map<string, number>, weight: number, idf?: Map<string, number>): number {
  let norm = 0;
  ids.forEach((id, d) => {
    const x = (bag.get(id) ?? 0) * (idf?.get(id) ?? 1);
    v[offset + d] = x;
    norm += x * x;
  });
  if (norm > 0) {
    const scale = weight / Math.sqrt(norm);
    for (let d = 0; d < ids.length; d++) v[offset + d]! *= scale;
  }
  return offset + ids.length;
}

function standardise(rows: readonly number[][]): number[][] {
  if (rows.length === 0) return [];
  const dims = rows[0]!.length;
  const mean = new Array<number>(dims).fill(0);
  const sd = new Array<number>(dims).fill(0);
  for (const row of rows) row.forEach((x, d) => (mean[d]! += x / rows.length));
  for (const row of rows) row.forEach((x, d) => (sd[d]! += (x - mean[d]!) ** 2 / rows.length));
  return rows.map((row) => row.map((x, d) => (sd[d]! > 1e-12 ? (x - mean[d]!) / Math.sqrt(sd[d]!) : 0)));
}
