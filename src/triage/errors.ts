import { LogtriageError } from '../util/errors.js';

/** The model's answer did not fit the output schema (after the retry). The message says why. */
export class TriageOutputError extends LogtriageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRIAGE_OUTPUT_INVALID', message, options);
  }
}

/** The backend cannot be used now: the model does not load, the server is down or refuses. */
export class TriageUnavailableError extends LogtriageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRIAGE_UNAVAILABLE', message, options);
  }
}
