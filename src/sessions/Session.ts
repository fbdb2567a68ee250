import type { LogEvent } from '../ingest/LogEvent.js';

/**
 * Why a session closed: `idle` (no event for `idleTimeoutMs`), `maxEvents`, `maxDuration` (the next
 * event fell past `maxDurationMs` from the first), `window` (its time or count window ended),
 * `evicted` (closed early because more than `maxOpenSessions` were open) or `shutdown`
 * (`flush()` / `dispose()`).
 */
export type CloseReason = 'idle' | 'maxEvents' | 'maxDuration' | 'window' | 'evicted' | 'shutdown';

/** Every {@link CloseReason}, in a fixed order (for counters and metrics). */
export const CLOSE_REASONS: readonly CloseReason[] = ['idle', 'maxEvents', 'maxDuration', 'window', 'evicted', 'shutdown'];

/** A closed session: the events that share a key, in arrival order (event time: timestamp order). */
export interface Session {
  /** Number of the session within its sessionizer, from 1; tells apart sessions with the same key. */
  id: number;
  /** The session key: a trace id, an attribute value, a regex match, `service@windowStart`, or the service for count windows. */
  key: string;
  /** `service.name` of the events, for `window` and `count` keys. */
  service?: string;
  /** Window keys: start of the window, Unix epoch ms (inclusive). */
  windowStart?: number;
  /** Window keys: end of the window, Unix epoch ms (exclusive). */
  windowEnd?: number;
  /** Template id of each event, parallel to `events`. */
  templateIds: string[];
  /** The events, at most `maxEvents`. */
  events: LogEvent[];
  /** Smallest `timestamp` of the events, Unix epoch ms. */
  firstTimestamp: number;
  /** Largest `timestamp` of the events, Unix epoch ms. */
  lastTimestamp: number;
  /** Time-source clock when the session opened, ms (processing: `Date.now()`; event: the first event's timestamp). */
  openedAt: number;
  /** Time-source clock when the session closed, ms (processing: `Date.now()`; event: the watermark). */
  closedAt: number;
  /** Why it closed. */
  closeReason: CloseReason;
}
