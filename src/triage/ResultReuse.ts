import { createHash } from 'node:crypto';
import { signatureOf, type StoredIncident, type TriageResult } from '../incidents/index.js';

/**
 * What counts as "the same incident again": `signature` (the same signature or the same template-id
 * sequence), `templates` (the same set of distinct templates, whatever their order and counts), or
 * `off`.
 */
export type ReuseMode = 'signature' | 'templates' | 'off';

/** A result that may be copied, and the incident it was made for. */
interface Known {
  result: TriageResult;
  templateIds: string[];
  lineCount: number;
  incidentId: string;
}

/** A result copied for another incident, and the id of the incident it was made for. */
export interface Reused {
  result: TriageResult;
  from: string;
}

/** Most results kept for reuse; the least recently used go first. */
const DEFAULT_CAPACITY = 10_000;

/**
 * Results of triaged incidents, found again by signature, template sequence or template set, so
 * that an incident seen before in another shape is not sent to the LLM again. Also joins incidents
 * that arrive while one with the same key is being triaged (they wait for its result).
 */
export class ResultReuse {
  private readonly known = new Map<string, Known>();
  private readonly inFlight = new Map<string, Promise<Known | undefined>>();

  constructor(
    readonly mode: ReuseMode,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The keys `incident` is known by in this mode (none when off). */
  keysOf(incident: Pick<StoredIncident, 'signature' | 'templateIds'>): string[] {
    if (this.mode === 'off') return [];
    const keys = [`s:${incident.signature}`, `q:${signatureOf(incident.templateIds)}`];
    if (this.mode === 'templates') keys.push(`t:${templateSetKey(incident.templateIds)}`);
    return keys;
  }

  /**
   * Synchronously: a copy of a known result for `incident` (`copy`), or the result of an incident
   * with the same key that is being triaged now (`pending`: resolves with a copy, or undefined when
   * that triage failed), or neither.
   */
  lookup(incident: StoredIncident): { copy?: Reused; pending?: Promise<Reused | undefined> } {
    const keys = this.keysOf(incident);
    for (const key of keys) {
      const known = this.known.get(key);
      if (known && known.incidentId !== incident.id) {
        this.touch(key, known);
        return { copy: { result: copyFor(known, incident), from: known.incidentId } };
      }
    }
    for (const key of keys) {
      const pending = this.inFlight.get(key);
      if (pending) return { pending: pending.then((known) => (known && known.incidentId !== incident.id ? { result: copyFor(known, incident), from: known.incidentId } : undefined)) };
    }
    return {};
  }

  /**
   * Marks `incident` as being triaged now; incidents with the same keys that come meanwhile wait for
   * it ({@link lookup}'s `pending`). Call the returned function with its result, or undefined when
   * it failed. Synchronous, so that two incidents claimed together cannot both miss each other.
   */
  begin(incident: StoredIncident): (result: TriageResult | undefined) => void {
    const keys = this.keysOf(incident).filter((key) => !this.inFlight.has(key));
    let settle!: (known: Known | undefined) => void;
    const known = new Promise<Known | undefined>((resolve) => (settle = resolve));
    for (const key of keys) this.inFlight.set(key, known);
    return (result) => {
      for (const key of keys) if (this.inFlight.get(key) === known) this.inFlight.delete(key);
      settle(result ? this.remember(incident, result) : undefined);
    };
  }

  /** Keeps `result` of `incident` for later incidents with the same keys. */
  remember(incident: Pick<StoredIncident, 'id' | 'signature' | 'templateIds' | 'lines'>, result: TriageResult): Known {
    const known: Known = { result, templateIds: incident.templateIds, lineCount: incident.lines.length, incidentId: incident.id };
    for (const key of this.keysOf(incident)) this.touch(key, known);
    return known;
  }

  /** Results kept. */
  get size(): number {
    return this.known.size;
  }

  private touch(key: string, known: Known): void {
    this.known.delete(key);
    this.known.set(key, known);
    while (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }
}

/** Hash of the sorted distinct template ids. */
export function templateSetKey(templateIds: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(templateIds)].sort().join(' '))
    .digest('hex')
    .slice(0, 32);
}

/**
 * `known.result` for `target`. Evidence lines are carried over by template: the k-th cited line of a
 * template becomes the k-th line of that template in `target` (the same index when the sequences are
 * equal); citations with no counterpart are dropped.
 */
function copyFor(known: Known, target: Pick<StoredIncident, 'templateIds' | 'lines'>): TriageResult {
  const targetLines = Math.min(target.lines.length, target.templateIds.length);
  const positions = new Map<string, number[]>();
  for (let i = 0; i < targetLines; i++) {
    const id = target.templateIds[i]!;
    let list = positions.get(id);
    if (!list) positions.set(id, (list = []));
    list.push(i);
  }
  const evidenceLines: number[] = [];
  for (const line of known.result.evidenceLines) {
    const id = known.templateIds[line];
    if (id === undefined) continue;
    // Which occurrence of its template the cited line is in the source.
    let ordinal = 0;
    for (let i = 0; i < line; i++) if (known.templateIds[i] === id) ordinal++;
    const list = positions.get(id);
    const mapped = list?.[Math.min(ordinal, list.length - 1)];
    if (mapped !== undefined && !evidenceLines.includes(mapped)) evidenceLines.push(mapped);
  }
  return { ...known.result, evidenceLines, suggestedActions: [...known.result.suggestedActions] };
}
