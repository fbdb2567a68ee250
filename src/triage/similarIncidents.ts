import type { StoredIncident } from '../incidents/IncidentStore.js';

/** Most similar incidents a prompt shows, and the template overlap (Jaccard) they need. */
export const MAX_SIMILAR = 3;
export const MIN_OVERLAP = 0.5;

type Comparable = Pick<StoredIncident, 'id' | 'signature' | 'templateIds'>;

/**
 * The reviewed incidents the triage worker would hand to the prompt of `incident`: those with the
 * same signature first, then those sharing at least half of their distinct templates (Jaccard),
 * most alike first, never the incident itself, at most {@link MAX_SIMILAR}. The triage worker and
 * the finetuning-data builder both use it, so a training prompt shows what the runtime prompt shows.
 */
export function similarIncidents<T extends Comparable>(incident: Comparable, reviewed: readonly T[]): T[] {
  const mine = new Set(incident.templateIds);
  return reviewed
    .filter((other) => other.id !== incident.id)
    .map((other) => ({ other, score: other.signature === incident.signature ? 2 : overlap(mine, new Set(other.templateIds)) }))
    .filter((s) => s.score >= MIN_OVERLAP)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_SIMILAR)
    .map((s) => s.other);
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const id of a) if (b.has(id)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}
