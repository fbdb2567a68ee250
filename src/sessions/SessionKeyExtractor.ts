import type { LogEvent } from '../ingest/LogEvent.js';

/** One session an event belongs to, as named by a {@link SessionKeyExtractor}. */
export interface SessionKey {
  /** The key itself; events with equal ids share a session while it is open. */
  id: string;
  /** `service.name` of the event, for service-scoped keys. */
  service?: string;
  /** Time windows: window start, Unix epoch ms (inclusive). */
  windowStart?: number;
  /** Time windows: window end, Unix epoch ms (exclusive); the session closes (reason `window`) when the clock reaches it. */
  windowEnd?: number;
  /** Count windows: the session closes (reason `window`) when it holds this many events. */
  windowCount?: number;
}

/** Finds the sessions an event belongs to: zero (the event is counted as unkeyed), one or several. */
export interface SessionKeyExtractor {
  /** The key spec it implements, e.g. `traceId` or `regex:blk_-?\d+` (for logs and errors). */
  readonly spec: string;
  /**
   * Keys of `event`, without duplicates. `time` is the event's time on the sessionizer's clock
   * (Unix epoch ms: the timestamp in event time, the arrival time in processing time); window keys use it.
   */
  keys(event: LogEvent, time: number): readonly SessionKey[];
}
