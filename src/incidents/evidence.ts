/** One surprising position of a flagged session (tier 1's evidence). */
export interface AnomalyEvidence {
  /** Index of the event in the session; the session's length means its end. */
  position: number;
  /** Template id that occurred (`<end>` for the end of the session). */
  templateId: string;
  /** −log p of the event, in nats. */
  surprise: number;
  /** Template ids the model expected there, most likely first, with their probabilities and template texts (when known). */
  expected: { templateId: string; probability: number; template?: string }[];
}
