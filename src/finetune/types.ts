import type { PromptIncident, SimilarIncident, TriageOutput } from '../triage/prompts/index.js';

/** Where training examples come from; `bgl` is `--source file` with BGL-style labelled lines. */
export const EXAMPLE_SOURCES = ['incidents', 'file', 'bgl', 'synthetic'] as const;
export type ExampleSource = (typeof EXAMPLE_SOURCES)[number];

/**
 * An incident with the answer the model should give, before its prompt is rendered: a reviewed
 * incident with the reviewer's category and explanation, a synthetic request with its injected
 * failure, or a BGL session with its alert tag mapped to the taxonomy.
 */
export interface LabelledIncident {
  source: ExampleSource;
  /** Stable id within the source (incident id, synthetic sequence id, BGL session key). */
  id: string;
  /** Hash of the template-id sequence: examples with the same signature are duplicates. */
  signature: string;
  incident: PromptIncident;
  /** Confirmed incidents like this one, as the triage worker would find them. Default none. */
  similar?: readonly SimilarIncident[];
  /** The target: exactly the JSON object (snake_case keys) the model must emit at run time. */
  answer: TriageOutput;
}

/** Why a candidate did not become an example (counted in the dataset card). */
export type DropReason =
  | 'duplicate_signature'
  | 'invalid_answer'
  | 'answer_too_long'
  | 'example_too_long'
  | 'unrenderable'
  | 'category_not_in_taxonomy'
  | 'balanced_out'
  | 'over_limit'
  | 'no_triage_result'
  | 'heuristic_answer'
  | 'not_flagged';
