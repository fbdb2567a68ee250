import type { LogEvent } from '../ingest/LogEvent.js';
import { ConfigError } from '../util/errors.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';
import { serviceOf } from './serviceOf.js';

/**
 * Key `window`: the service (`service.name`, or `unknown_service`) and a time window, as
 * `<service>@<window start in epoch ms>`. Windows are aligned to the Unix epoch. Tumbling when
 * `slideMs` equals `windowMs`; sliding (overlapping) when smaller, and then an event belongs to every
 * window that covers it, oldest first.
 */
export class TimeWindowKeyExtractor implements SessionKeyExtractor {
  readonly spec = 'window';

  /**
   * @param windowMs window size in ms.
   * @param slideMs distance between window starts in ms, at most `windowMs`. Default `windowMs`.
   * @throws ConfigError when a size is not a positive number or `slideMs` exceeds `windowMs`.
   */
  constructor(
    private readonly windowMs: number,
    private readonly slideMs: number = windowMs,
  ) {
    if (!(windowMs > 0 && slideMs > 0 && slideMs <= windowMs) || !Number.isFinite(windowMs)) {
      throw new ConfigError(`window keys need 0 < slideMs <= windowMs, found windowMs ${windowMs} and slideMs ${slideMs}; set sessions.windowMs and sessions.slideMs accordingly`);
    }
  }

  keys(event: LogEvent, time: number): readonly SessionKey[] {
    if (!Number.isFinite(time)) return [];
    const service = serviceOf(event);
    const { windowMs, slideMs } = this;
    const keys: SessionKey[] = [];
    // Window starts are the multiples of slideMs in (time - windowMs, time].
    for (let start = (Math.floor((time - windowMs) / slideMs) + 1) * slideMs; start <= time; start += slideMs) {
      keys.push({ id: `${service}@${start}`, service, windowStart: start, windowEnd: start + windowMs });
    }
    return keys;
  }
}
