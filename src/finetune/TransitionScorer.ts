import type { AnomalyEvidence } from '../incidents/evidence.js';

const START = '<start>';
const END = '<end>';
const SEP = '\u0001';

/** Options of {@link TransitionScorer}. */
export interface TransitionScorerOptions {
  /** Add-α smoothing of the one-event context. Default 0.01. */
  alpha?: number;
  /** How many sightings of a two-event context give it half the weight. Default 5. */
  backoff?: number;
  /** Quantile of the normal sessions' scores taken as the threshold. Default 0.99. */
  quantile?: number;
  /** Most surprising positions kept as evidence (`pipeline.evidence`). Default 3. */
  evidence?: number;
  /** Expected events listed per position. Default 3. */
  expected?: number;
}

/** What {@link TransitionScorer.score} finds in a session. */
export interface TransitionScore {
  /** The largest surprise (nats), as tier 1's max-token strategy scores a session. */
  score: number;
  /** The most surprising positions, most surprising first, in the incident store's shape. */
  evidence: AnomalyEvidence[];
}

type Counts = Map<string, Map<string, number>>;

function bump(counts: Counts, totals: Map<string, number>, context: string, next: string): void {
  let row = counts.get(context);
  if (!row) counts.set(context, (row = new Map()));
  row.set(next, (row.get(next) ?? 0) + 1);
  totals.set(context, (totals.get(context) ?? 0) + 1);
}

/**
 * A stand-in for tier 1 when examples are made from labelled data that no trained sequence model
 * has scored (synthetic requests, BGL sessions). Next-event probabilities come from transition
 * counts of normal sessions, the start and end of a session counting as events: the last two events
 * as context, interpolated with the last one alone (weight c / (c + `backoff`) for a pair seen c
 * times), add-α smoothed so unseen events keep a small probability. The surprise of an event is
 * −ln p, a session's score its largest surprise (tier 1's max-token strategy), and the threshold a
 * high quantile of the normal sessions' scores. The evidence has the pipeline's shape (the
 * `pipeline.evidence` most surprising positions, each with the likeliest events instead), so the
 * rendered prompt reads as it would at run time.
 */
export class TransitionScorer {
  private readonly unigram: Counts = new Map();
  private readonly unigramTotals = new Map<string, number>();
  private readonly bigram: Counts = new Map();
  private readonly bigramTotals = new Map<string, number>();
  private readonly vocabulary = new Set<string>([END]);
  private readonly alpha: number;
  private readonly backoff: number;
  private readonly evidenceCount: number;
  private readonly expectedCount: number;
  /** The score above which a session counts as flagged. */
  readonly threshold: number;

  constructor(normalSessions: readonly (readonly string[])[], options: TransitionScorerOptions = {}) {
    this.alpha = options.alpha ?? 0.01;
    this.backoff = options.backoff ?? 5;
    this.evidenceCount = options.evidence ?? 3;
    this.expectedCount = options.expected ?? 3;
    for (const session of normalSessions) {
      let before = START;
      let previous = START;
      for (const id of [...session, END]) {
        this.vocabulary.add(id);
        bump(this.unigram, this.unigramTotals, previous, id);
        bump(this.bigram, this.bigramTotals, `${before}${SEP}${previous}`, id);
        before = previous;
        previous = id;
      }
    }
    const scores = normalSessions.map((s) => this.score(s).score).sort((a, b) => a - b);
    const q = options.quantile ?? 0.99;
    this.threshold = scores.length === 0 ? 0 : scores[Math.min(scores.length - 1, Math.floor(q * scores.length))]!;
  }

  /** P(next | before, previous); an event never seen in training shares the unknown bucket. */
  probability(before: string, previous: string, next: string): number {
    const v = this.vocabulary.size + 1;
    const p1 = ((this.unigram.get(previous)?.get(next) ?? 0) + this.alpha) / ((this.unigramTotals.get(previous) ?? 0) + this.alpha * v);
    const context = `${before}${SEP}${previous}`;
    const seen = this.bigramTotals.get(context) ?? 0;
    if (seen === 0) return p1;
    const weight = seen / (seen + this.backoff);
    return weight * ((this.bigram.get(context)?.get(next) ?? 0) / seen) + (1 - weight) * p1;
  }

  /** Per-event surprise, the session's score and its evidence. `templateOf` gives the texts of expected events. */
  score(session: readonly string[], templateOf?: (id: string) => string | undefined): TransitionScore {
    const events: { position: number; id: string; before: string; previous: string; surprise: number }[] = [];
    let before = START;
    let previous = START;
    [...session, END].forEach((id, position) => {
      events.push({ position, id, before, previous, surprise: -Math.log(this.probability(before, previous, id)) });
      before = previous;
      previous = id;
    });
    const score = events.reduce((max, e) => Math.max(max, e.surprise), 0);
    const evidence = [...events]
      .sort((a, b) => b.surprise - a.surprise || a.position - b.position)
      .slice(0, this.evidenceCount)
      .map((e) => ({
        position: e.position,
        templateId: e.id,
        surprise: e.surprise,
        expected: this.expectedAfter(e.before, e.previous).map((x) => {
          const text = x.templateId === END ? undefined : templateOf?.(x.templateId);
          return text === undefined ? x : { ...x, template: text };
        }),
      }));
    return { score, evidence };
  }

  /** The likeliest next events after a context, most likely first. */
  private expectedAfter(before: string, previous: string): { templateId: string; probability: number }[] {
    const candidates = new Set([...(this.bigram.get(`${before}${SEP}${previous}`)?.keys() ?? []), ...(this.unigram.get(previous)?.keys() ?? [])]);
    return [...candidates]
      .map((templateId) => ({ templateId, probability: this.probability(before, previous, templateId) }))
      .sort((a, b) => b.probability - a.probability || (a.templateId < b.templateId ? -1 : a.templateId > b.templateId ? 1 : 0))
      .slice(0, this.expectedCount);
  }
}
