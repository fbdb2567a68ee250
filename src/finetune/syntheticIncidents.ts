import { signatureOf } from '../incidents/ids.js';
import { generateSequences, type LanguageOption, type SyntheticSequence } from '../synthetic/index.js';
import { TemplateMiner } from '../templates/index.js';
import type { PromptIncident } from '../triage/prompts/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import { TransitionScorer } from './TransitionScorer.js';
import { syntheticAnswer } from './syntheticAnswer.js';
import type { LabelledIncident } from './types.js';

/** Options of {@link syntheticLabelledIncidents}. */
export interface SyntheticSourceOptions {
  /** Requests with an injected failure to generate (each may become an example). Default 2,000. */
  anomalies?: number;
  /** Seed of the generator. Default 42. */
  seed?: number;
  /** Language of the log lines (the answers are English). Default `en`. */
  language?: LanguageOption;
  /** Most surprising positions kept as evidence (`pipeline.evidence`). Default 3. */
  evidence?: number;
}

/** What {@link syntheticLabelledIncidents} made, and what it left out. */
export interface SyntheticSourceResult {
  items: LabelledIncident[];
  /** Anomalous requests the stand-in sequence model did not flag (they would never reach triage). */
  notFlagged: number;
  /** Sequences generated in all (normal ones train the stand-in model). */
  generated: number;
  threshold: number;
}

// Half the requests carry a failure: the other half (normal and clean controls) trains the stand-in
// sequence model, which needs a few thousand normal requests to know the usual paths.
const ANOMALY_RATIO = 0.5;

/**
 * Labelled incidents from the seeded synthetic generator: requests with an injected failure, their
 * lines as the incident's lines, templates mined over all requests, and tier 1's score and evidence
 * from a {@link TransitionScorer} trained on the normal requests of the same run. Requests the scorer
 * does not flag are left out (counted), as they would never reach triage. Deterministic for a seed.
 */
export function syntheticLabelledIncidents(taxonomy: Taxonomy, options: SyntheticSourceOptions = {}): SyntheticSourceResult {
  const anomalies = options.anomalies ?? 2_000;
  const count = Math.max(2, Math.ceil(anomalies / ANOMALY_RATIO));
  const sequences = generateSequences({ seed: options.seed ?? 42, count, anomalyRatio: ANOMALY_RATIO, language: options.language ?? 'en' });
  const miner = new TemplateMiner();
  for (const s of sequences) for (const line of s.lines) miner.add(line.body);
  // Every body was mined just before, so each matches; the fallback only guards against eviction.
  const matched = sequences.map((s) => s.lines.map((line) => miner.match(line.body) ?? { templateId: '<unmatched>', template: line.body }));
  const textOf = new Map<string, string>();
  for (const list of matched) for (const m of list) textOf.set(m.templateId, m.template);
  const ids = matched.map((list) => list.map((m) => m.templateId));
  const scorer = new TransitionScorer(
    ids.filter((_, i) => sequences[i]!.label === 0),
    { evidence: options.evidence ?? 3 },
  );

  const items: LabelledIncident[] = [];
  let notFlagged = 0;
  sequences.forEach((sequence, i) => {
    if (sequence.label !== 1) return;
    const templateIds = ids[i]!;
    const scored = scorer.score(templateIds, (id) => textOf.get(id));
    if (!(scored.score > scorer.threshold)) {
      notFlagged++;
      return;
    }
    const incident = toIncident(sequence, templateIds, matched[i]!.map((m) => m.template), scored.score, scorer.threshold, scored.evidence);
    items.push({ source: 'synthetic', id: sequence.id, signature: signatureOf(templateIds), incident, answer: syntheticAnswer(sequence, incident, taxonomy) });
  });
  return { items, notFlagged, generated: sequences.length, threshold: scorer.threshold };
}

function toIncident(sequence: SyntheticSequence, templateIds: string[], templates: string[], score: number, threshold: number, evidence: PromptIncident['evidence']): PromptIncident {
  const first = sequence.lines[0]!;
  return {
    id: sequence.id,
    sessionKey: first.traceId ?? sequence.id,
    service: String(first.resource['service.name'] ?? 'unknown_service'),
    lines: sequence.lines.map((line) => line.body),
    truncatedLines: 0,
    templateIds,
    templates,
    score,
    threshold,
    evidence,
  };
}
