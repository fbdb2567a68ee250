import type { StoredIncident, TriageResult } from '../incidents/IncidentStore.js';
import type { Taxonomy } from './taxonomy.js';

/** Languages the explanation may be written in (`triage.language`). */
export const TRIAGE_LANGUAGES = ['en', 'zh', 'ru'] as const;
export type TriageLanguage = (typeof TRIAGE_LANGUAGES)[number];

/** A rendered triage prompt: what a chat model receives. The same text becomes finetuning data. */
export interface TriagePrompt {
  /** The system turn: instructions, taxonomy, output rules. */
  system: string;
  /** Few-shot examples as earlier chat turns (user → assistant JSON). */
  examples: { user: string; assistant: string }[];
  /** The user turn: the incident (delimited, truncated log lines, evidence, similar confirmed incidents). */
  user: string;
  /** Version of the prompt templates (changes whenever their text does), recorded with results and datasets. */
  version: string;
  /** Indices of `incident.lines` shown in the prompt (the model may cite only these). */
  shownLines: number[];
}

/** What a backend needs for one incident. */
export interface TriageInput {
  incident: StoredIncident;
  /** Confirmed incidents like this one (by signature or template overlap), for context. */
  similar: StoredIncident[];
  prompt: TriagePrompt;
  taxonomy: Taxonomy;
  /** Aborts the call (timeouts, shutdown). */
  signal: AbortSignal;
}

/** What a backend answers: the validated result, and what it cost. */
export interface TriageOutcome {
  result: TriageResult;
  tokensIn: number;
  tokensOut: number;
  /** Tries the backend needed (an invalid answer is retried once). */
  attempts: number;
}

/**
 * A tier-2 backend: `llamacpp` (node-llama-cpp, GGUF + LoRA), `openai` (any OpenAI-compatible chat
 * endpoint) or `heuristic` (keywords and templates; the fallback, labelled as such).
 */
export interface Triager {
  /** E.g. `llamacpp:tiny-llama.gguf+tiny-lora.gguf`, `openai:http://gpu-pool:8000/v1#qwen2.5-7b`, `heuristic`. Stored as `TriageResult.backend`. */
  readonly name: string;
  /** Concurrent calls it serves well (the context's sequences for llamacpp). */
  readonly parallelism: number;
  /**
   * Classifies and explains one incident. Rejects with {@link TriageOutputError} when the model's
   * answer is invalid twice, with an `AbortError` when the signal fired, and with
   * {@link TriageUnavailableError} when the model or server cannot be used (the worker then falls
   * back to the heuristic when configured).
   */
  triage(input: TriageInput): Promise<TriageOutcome>;
  /** Releases models, contexts and sockets. Safe to call twice. */
  dispose(): Promise<void>;
}
