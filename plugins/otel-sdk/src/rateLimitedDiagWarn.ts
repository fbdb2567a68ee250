import { diag } from '@opentelemetry/api';

/** Default interval of {@link rateLimitedDiagWarn}: at most one warning per 10 s. */
export const DEFAULT_WARN_INTERVAL_MS = 10_000;

/**
 * A function that writes a warning to OpenTelemetry's `diag` logger at most once per `intervalMs`
 * and says how many warnings it held back since the last one, so a failing pipeline cannot flood
 * the application's diagnostics with one line per record.
 */
export function rateLimitedDiagWarn(intervalMs: number = DEFAULT_WARN_INTERVAL_MS, now: () => number = Date.now): (message: string) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (message) => {
    const time = now();
    if (time - last < intervalMs) {
      suppressed++;
      return;
    }
    const held = suppressed > 0 ? ` (${suppressed} similar warnings suppressed in the last ${Math.round((time - last) / 1000)} s)` : '';
    last = time;
    suppressed = 0;
    diag.warn(`${message}${held}`);
  };
}
