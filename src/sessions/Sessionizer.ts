import { parseSessionsConfig, type SessionsConfig, type SessionsConfigInput } from '../config/sessions.js';
import type { LogEvent } from '../ingest/LogEvent.js';
import { createKeyExtractor } from './createKeyExtractor.js';
import { CLOSE_REASONS, type CloseReason, type Session } from './Session.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';

/** Receives each closed session. Called synchronously; must not block. Errors are caught and reported to `onError`. */
export type SessionListener = (session: Session) => void;

/** What a {@link Sessionizer} needs besides its config slice. */
export interface SessionizerHooks {
  /** Receives closed sessions (more can be added with {@link Sessionizer.onClose}). */
  onClose?: SessionListener;
  /** Told when a listener throws; the error goes no further. Default: only counted in `stats.listenerErrors`. */
  onError?: (error: unknown, session: Session) => void;
  /** Processing-time clock, Unix epoch ms. Default `Date.now`. */
  clock?: () => number;
  /** Key extractor to use instead of the one `config.key` names. */
  extractor?: SessionKeyExtractor;
}

/** Counters of a {@link Sessionizer}; a snapshot. */
export interface SessionizerStats {
  /** Events given to `add()` (before dispose). */
  events: number;
  /** Events with no session key (e.g. no trace id); not sessionised. */
  unkeyed: number;
  /** Event time: events behind the watermark, or without a finite timestamp. */
  late: number;
  /** Late events that joined no session because none of theirs was still open; dropped. */
  lateDropped: number;
  /** Events that named more than `maxKeysPerEvent` sessions; they joined only the first ones. */
  tooManyKeys: number;
  /** Sessions opened. */
  opened: number;
  /** Sessions closed, by reason. */
  closed: Record<CloseReason, number>;
  /** Sessions closed early because more than `maxOpenSessions` were open (= `closed.evicted`). */
  evicted: number;
  /** Sessions open now. */
  open: number;
  /** Times a listener threw. */
  listenerErrors: number;
  /** Events given to `add()` after `dispose()`; ignored. */
  afterDispose: number;
}

interface OpenSession {
  readonly id: number;
  readonly key: SessionKey;
  readonly events: LogEvent[];
  readonly templateIds: string[];
  /** Time-source time of the first event. */
  readonly startTime: number;
  /** Largest time-source time of its events. */
  lastTime: number;
  /** Processing: arrival of the latest event; event time: the largest timestamp seen when the latest on-time event joined. */
  touchClock: number;
  firstTimestamp: number;
  lastTimestamp: number;
  /** Events arrived in timestamp order. */
  ordered: boolean;
  closed: boolean;
  /** Neighbours in the list ordered by latest update. */
  prev: OpenSession | undefined;
  next: OpenSession | undefined;
}

/**
 * Groups events into sessions by key and hands each session to the listeners when it closes: after
 * `idleTimeoutMs` without an event (not for `window` keys), at `maxEvents`, when an event falls more
 * than `maxDurationMs` after the session's first (that event starts the next session), at window end,
 * when evicted, and at `flush()` / `dispose()`.
 *
 * Time: `processing` uses the clock at arrival, and a timer (`setInterval`, unref'd) sweeps every
 * `sweepIntervalMs`. `event` uses event timestamps; the clock is a watermark, the largest timestamp
 * seen minus `allowedLatenessMs`, and sweeps run as it advances, so sessions close only as newer
 * events arrive (call `flush()` at the end of a replay). An event behind the watermark joins those of
 * its sessions that are still open and is otherwise dropped (counted as late); sessions then list
 * their events in timestamp order.
 *
 * Cost per event: one extractor call and a Map lookup per key; no per-session timers. Open sessions
 * are also linked in order of their latest update, so an idle sweep stops at the first session that
 * is not idle, and eviction past `maxOpenSessions` takes the least recently updated session (the one
 * nearest to going idle, so a long, busy session is not cut) in constant time.
 */
export class Sessionizer {
  private readonly config: SessionsConfig;
  private readonly extractor: SessionKeyExtractor;
  private readonly clock: () => number;
  private readonly onError: ((error: unknown, session: Session) => void) | undefined;
  private readonly listeners: SessionListener[] = [];
  private readonly eventTime: boolean;
  private readonly open = new Map<string, OpenSession>();
  /** Least and most recently updated open sessions. */
  private head: OpenSession | undefined;
  private tail: OpenSession | undefined;
  /** Window ends with open window sessions, ascending, and the sessions of each. */
  private readonly windowEnds: number[] = [];
  private readonly windowSessions = new Map<number, OpenSession[]>();
  private readonly timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private maxEventTime = -Infinity;
  private nextSweepAt: number;
  private disposed = false;
  private readonly counts = {
    events: 0,
    unkeyed: 0,
    late: 0,
    lateDropped: 0,
    tooManyKeys: 0,
    opened: 0,
    listenerErrors: 0,
    afterDispose: 0,
  };
  private readonly closedCounts = Object.fromEntries(CLOSE_REASONS.map((reason) => [reason, 0])) as Record<CloseReason, number>;

  /**
   * @param config the `sessions` config slice; missing fields take their defaults.
   * @throws ConfigError when the slice is invalid (e.g. an unusable key spec).
   */
  constructor(config: SessionsConfigInput = {}, hooks: SessionizerHooks = {}) {
    this.config = parseSessionsConfig(config);
    this.extractor = hooks.extractor ?? createKeyExtractor(this.config);
    this.clock = hooks.clock ?? Date.now;
    this.onError = hooks.onError;
    if (hooks.onClose) this.listeners.push(hooks.onClose);
    this.eventTime = this.config.timeSource === 'event';
    if (this.eventTime) {
      this.nextSweepAt = -Infinity;
    } else {
      this.nextSweepAt = this.clock() + this.config.sweepIntervalMs;
      this.timer = setInterval(() => this.sweep(this.clock()), this.config.sweepIntervalMs);
      this.timer.unref();
    }
  }

  /** Adds a listener for closed sessions; returns a function that removes it. */
  onClose(listener: SessionListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Adds one event, with the template id the miner gave it, to the sessions its key names. Never throws for bad input. */
  add(event: LogEvent, templateId: string): void {
    if (this.disposed) {
      this.counts.afterDispose++;
      return;
    }
    this.counts.events++;
    let time: number;
    let late = false;
    if (this.eventTime) {
      time = event.timestamp;
      if (!Number.isFinite(time)) {
        this.counts.late++;
        this.counts.lateDropped++;
        return;
      }
      if (time > this.maxEventTime) this.maxEventTime = time;
      const watermark = this.maxEventTime - this.config.allowedLatenessMs;
      late = time < watermark;
      // Sweep before adding, so that sessions idle by now close before this event could revive them.
      if (watermark >= this.nextSweepAt) this.sweep(watermark);
    } else {
      time = this.clock();
      if (time >= this.nextSweepAt) this.sweep(time);
    }

    const keys = this.extractor.keys(event, time);
    if (keys.length === 0) {
      this.counts.unkeyed++;
      return;
    }
    let count = keys.length;
    if (count > this.config.maxKeysPerEvent) {
      this.counts.tooManyKeys++;
      count = this.config.maxKeysPerEvent;
    }
    if (late) this.counts.late++;
    let joined = false;
    for (let i = 0; i < count; i++) {
      if (this.addToSession(keys[i]!, event, templateId, time, late)) joined = true;
    }
    if (late && !joined) this.counts.lateDropped++;
  }

  /** Closes every open session (reason `shutdown`, or the reason already due) and delivers it. The sessionizer stays usable. */
  flush(): void {
    this.sweep(this.now());
    // A snapshot, so a listener that adds events cannot keep the loop going.
    for (const session of [...this.open.values()]) if (!session.closed) this.close(session, 'shutdown');
    if (this.open.size === 0) {
      this.windowEnds.length = 0;
      this.windowSessions.clear();
    }
  }

  /** Stops the timer and flushes; later events are ignored (counted in `afterDispose`). Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }

  /** Counters, as a snapshot. */
  get stats(): SessionizerStats {
    return {
      ...this.counts,
      closed: { ...this.closedCounts },
      evicted: this.closedCounts.evicted,
      open: this.open.size,
    };
  }

  /** The time-source clock: processing time, or the event-time watermark (-Infinity before the first event). */
  private now(): number {
    return this.eventTime ? this.maxEventTime - this.config.allowedLatenessMs : this.clock();
  }

  /** Returns whether the event joined (or opened) a session. */
  private addToSession(key: SessionKey, event: LogEvent, templateId: string, time: number, late: boolean): boolean {
    const config = this.config;
    let session = this.open.get(key.id);
    if (session !== undefined && key.windowEnd === undefined && time - session.lastTime >= config.idleTimeoutMs) {
      this.close(session, 'idle');
      session = undefined;
    }
    if (session !== undefined && time - session.startTime > config.maxDurationMs) {
      this.close(session, 'maxDuration');
      session = undefined;
    }
    if (session === undefined) {
      if (late) return false;
      session = this.openSession(key, time);
    } else if (!late) {
      if (session !== this.tail) {
        this.unlink(session);
        this.link(session);
      }
      session.touchClock = this.eventTime ? this.maxEventTime : time;
    }

    session.events.push(event);
    session.templateIds.push(templateId);
    if (time > session.lastTime) session.lastTime = time;
    const timestamp = event.timestamp;
    if (timestamp < session.lastTimestamp) session.ordered = false;
    if (timestamp < session.firstTimestamp) session.firstTimestamp = timestamp;
    if (timestamp > session.lastTimestamp) session.lastTimestamp = timestamp;

    const size = session.events.length;
    if (key.windowCount !== undefined && size >= key.windowCount) this.close(session, 'window');
    else if (size >= config.maxEvents) this.close(session, 'maxEvents');
    return true;
  }

  private openSession(key: SessionKey, time: number): OpenSession {
    if (this.open.size >= this.config.maxOpenSessions) {
      if (this.head !== undefined) this.close(this.head, 'evicted');
    }
    const session: OpenSession = {
      id: this.nextId++,
      key,
      events: [],
      templateIds: [],
      startTime: time,
      lastTime: time,
      touchClock: this.eventTime ? this.maxEventTime : time,
      firstTimestamp: Infinity,
      lastTimestamp: -Infinity,
      ordered: true,
      closed: false,
      prev: undefined,
      next: undefined,
    };
    this.open.set(key.id, session);
    this.link(session);
    this.counts.opened++;
    if (key.windowEnd !== undefined) this.trackWindow(key.windowEnd, session);
    return session;
  }

  private trackWindow(end: number, session: OpenSession): void {
    const sessions = this.windowSessions.get(end);
    if (sessions !== undefined) {
      sessions.push(session);
      return;
    }
    this.windowSessions.set(end, [session]);
    // New ends are nearly always the latest, so the search from the back is short.
    let index = this.windowEnds.length;
    while (index > 0 && this.windowEnds[index - 1]! > end) index--;
    this.windowEnds.splice(index, 0, end);
  }

  /** Closes what is due at `now`: ended windows, then idle sessions. */
  private sweep(now: number): void {
    this.nextSweepAt = now + this.config.sweepIntervalMs;
    while (this.windowEnds.length > 0 && this.windowEnds[0]! <= now) {
      const end = this.windowEnds.shift()!;
      const sessions = this.windowSessions.get(end) ?? [];
      this.windowSessions.delete(end);
      for (const session of sessions) if (!session.closed) this.close(session, 'window');
    }

    const idle = this.config.idleTimeoutMs;
    // In event time an on-time event is at most allowedLatenessMs behind the clock at its arrival,
    // so a session updated at touchClock cannot have gone idle before touchClock - lateness + idle;
    // sessions further on in the list were updated later still.
    const slack = this.eventTime ? this.config.allowedLatenessMs : 0;
    let next: OpenSession | undefined;
    for (let session = this.head; session !== undefined; session = next) {
      next = session.next;
      if (session.key.windowEnd !== undefined) continue;
      if (now - session.lastTime >= idle) this.close(session, 'idle');
      else if (session.touchClock - slack + idle > now) break;
    }
  }

  /** Appends `session` as the most recently updated. */
  private link(session: OpenSession): void {
    session.prev = this.tail;
    session.next = undefined;
    if (this.tail === undefined) this.head = session;
    else this.tail.next = session;
    this.tail = session;
  }

  private unlink(session: OpenSession): void {
    if (session.prev === undefined) this.head = session.next;
    else session.prev.next = session.next;
    if (session.next === undefined) this.tail = session.prev;
    else session.next.prev = session.prev;
    session.prev = undefined;
    session.next = undefined;
  }

  private close(open: OpenSession, reason: CloseReason): void {
    open.closed = true;
    this.open.delete(open.key.id);
    this.unlink(open);
    this.closedCounts[reason]++;
    if (!open.ordered) sortByTimestamp(open);
    const { key } = open;
    const session: Session = {
      id: open.id,
      key: key.id,
      ...(key.service !== undefined ? { service: key.service } : {}),
      ...(key.windowStart !== undefined ? { windowStart: key.windowStart } : {}),
      ...(key.windowEnd !== undefined ? { windowEnd: key.windowEnd } : {}),
      templateIds: open.templateIds,
      events: open.events,
      firstTimestamp: open.firstTimestamp,
      lastTimestamp: open.lastTimestamp,
      openedAt: open.startTime,
      closedAt: this.now(),
      closeReason: reason,
    };
    for (const listener of this.listeners) {
      try {
        listener(session);
      } catch (error) {
        this.counts.listenerErrors++;
        try {
          this.onError?.(error, session);
        } catch {
          // The error hook is the last stop: nothing may escape into the caller's log pipeline.
        }
      }
    }
  }
}

/** Orders a session's events (and their template ids) by timestamp, keeping arrival order for ties. */
function sortByTimestamp(session: OpenSession): void {
  const { events, templateIds } = session;
  const order = events.map((_, index) => index).sort((a, b) => events[a]!.timestamp - events[b]!.timestamp);
  const sortedEvents = order.map((index) => events[index]!);
  const sortedIds = order.map((index) => templateIds[index]!);
  for (let i = 0; i < order.length; i++) {
    events[i] = sortedEvents[i]!;
    templateIds[i] = sortedIds[i]!;
  }
}
