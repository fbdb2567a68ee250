import { TriageUnavailableError } from './errors.js';

/** The signal of one backend call and how to name why it fired. */
export interface CallSignal {
  /** Fires when the caller aborts, the call's time is up, or the backend is disposed. */
  signal: AbortSignal;
  /**
   * The error to reject with once `signal` fired: the caller's own reason when the caller aborted
   * (so the caller recognises its abort), else a {@link TriageUnavailableError} that says the time
   * ran out or the backend was closed.
   */
  reason(): unknown;
}

/**
 * Combines the caller's signal with a `timeoutMs` deadline and the backend's own shutdown signal.
 * `what` names the backend in messages, e.g. `llamacpp:model.gguf`.
 */
export function callSignal(caller: AbortSignal, timeoutMs: number, closing: AbortSignal, what: string): CallSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([caller, deadline, closing]);
  return {
    signal,
    reason(): unknown {
      if (caller.aborted) return caller.reason;
      if (closing.aborted) return new TriageUnavailableError(`${what}: the backend was closed while this incident was being triaged`);
      return new TriageUnavailableError(`${what}: no answer within ${timeoutMs} ms (triage.timeoutMs); raise triage.timeoutMs, lower triage.maxTokens, or give the backend more compute`, {
        cause: deadline.reason,
      });
    },
  };
}
