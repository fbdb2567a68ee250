import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionsConfigInput } from '../../src/config/sessions.js';
import { makeLogEvent, type LogEvent } from '../../src/ingest/LogEvent.js';
import { Sessionizer, type Session, type SessionizerHooks } from '../../src/sessions/index.js';
import { ConfigError } from '../../src/util/errors.js';

// Aligned to a minute, so window starts are easy to read.
const T = 1_700_000_040_000;
const TRACE_A = '5b8efff798038103d269b633813fc60c';
const TRACE_B = 'eee19b7ec3c1b174f7a9d1f2b0a6e7c1';

function traced(traceId: string, body = 'GET /cart', timestamp = Date.now()): LogEvent {
  return makeLogEvent({ body, traceId, timestamp });
}

function fromService(service: string, timestamp: number, body = 'tick'): LogEvent {
  return makeLogEvent({ body, timestamp, resource: { 'service.name': service } });
}

/** A sessionizer whose closed sessions land in `closed`. */
function collect(config: SessionsConfigInput, hooks: SessionizerHooks = {}): { sessionizer: Sessionizer; closed: Session[] } {
  const closed: Session[] = [];
  const sessionizer = new Sessionizer(config, { onClose: (session) => closed.push(session), ...hooks });
  return { sessionizer, closed };
}

describe('Sessionizer', () => {
  describe('in processing time', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: T });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('closes a session after the idle timeout', async () => {
      const { sessionizer, closed } = collect({ idleTimeoutMs: 30_000, sweepIntervalMs: 1_000 });
      sessionizer.add(traced(TRACE_A, 'GET /cart'), 'T1');
      vi.advanceTimersByTime(10_000);
      sessionizer.add(traced(TRACE_A, 'cart loaded'), 'T2');
      vi.advanceTimersByTime(5_000);
      sessionizer.add(traced(TRACE_B), 'T1');

      vi.advanceTimersByTime(24_999);
      expect(closed).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(closed).toHaveLength(1);
      const [session] = closed;
      expect(session).toMatchObject({ key: TRACE_A, templateIds: ['T1', 'T2'], closeReason: 'idle', firstTimestamp: T, lastTimestamp: T + 10_000, openedAt: T, closedAt: T + 40_000 });
      expect(session?.events.map((event) => event.body)).toEqual(['GET /cart', 'cart loaded']);

      vi.advanceTimersByTime(5_000);
      expect(closed.map((s) => s.key)).toEqual([TRACE_A, TRACE_B]);
      expect(sessionizer.stats).toMatchObject({ opened: 2, open: 0, closed: { idle: 2 } });
      await sessionizer.dispose();
    });

    it('closes an idle session when its next event arrives before the sweep has run', async () => {
      const { sessionizer, closed } = collect({ idleTimeoutMs: 1_000, sweepIntervalMs: 60_000 });
      sessionizer.add(traced(TRACE_A), 'T1');
      // Moves the clock without firing timers, as when the event loop is busy.
      vi.setSystemTime(T + 2_000);
      sessionizer.add(traced(TRACE_A), 'T2');
      expect(closed.map((s) => [s.closeReason, s.templateIds])).toEqual([['idle', ['T1']]]);
      expect(sessionizer.stats.open).toBe(1);
      await sessionizer.dispose();
    });

    it('counts events without a key as unkeyed and opens no session for them', async () => {
      const { sessionizer } = collect({});
      sessionizer.add(makeLogEvent({ body: 'no trace here' }), 'T1');
      sessionizer.add(traced('00000000000000000000000000000000'), 'T1');
      expect(sessionizer.stats).toMatchObject({ events: 2, unkeyed: 2, opened: 0, open: 0 });
      await sessionizer.dispose();
    });

    it('closes a session when it reaches maxEvents', async () => {
      const { sessionizer, closed } = collect({ maxEvents: 3 });
      for (const id of ['T1', 'T2', 'T3', 'T4']) sessionizer.add(traced(TRACE_A), id);
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({ closeReason: 'maxEvents', templateIds: ['T1', 'T2', 'T3'] });
      await sessionizer.dispose();
      expect(closed[1]).toMatchObject({ closeReason: 'shutdown', templateIds: ['T4'] });
      expect(closed[0]!.id).not.toBe(closed[1]!.id);
    });

    it('starts a new session when an event falls past maxDurationMs from the first', async () => {
      const { sessionizer, closed } = collect({ idleTimeoutMs: 30_000, maxDurationMs: 60_000 });
      for (const id of ['T1', 'T2', 'T3', 'T4', 'T5']) {
        sessionizer.add(traced(TRACE_A), id);
        vi.advanceTimersByTime(20_000);
      }
      // The fourth event, at exactly 60 s, still fits; the fifth, at 80 s, does not.
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({ closeReason: 'maxDuration', templateIds: ['T1', 'T2', 'T3', 'T4'], firstTimestamp: T, lastTimestamp: T + 60_000 });
      await sessionizer.dispose();
      expect(closed[1]).toMatchObject({ templateIds: ['T5'], closeReason: 'shutdown' });
    });

    it('evicts the least recently updated session past maxOpenSessions and counts it', async () => {
      const { sessionizer, closed } = collect({ maxOpenSessions: 2 });
      sessionizer.add(traced('a'.repeat(32)), 'T1');
      vi.advanceTimersByTime(10);
      sessionizer.add(traced('b'.repeat(32)), 'T1');
      vi.advanceTimersByTime(10);
      sessionizer.add(traced('a'.repeat(32)), 'T2');
      vi.advanceTimersByTime(10);
      sessionizer.add(traced('c'.repeat(32)), 'T1');

      expect(closed.map((s) => [s.key, s.closeReason])).toEqual([['b'.repeat(32), 'evicted']]);
      expect(sessionizer.stats).toMatchObject({ evicted: 1, open: 2, opened: 3, closed: { evicted: 1 } });
      await sessionizer.dispose();
      expect(closed.slice(1).map((s) => s.key).sort()).toEqual(['a'.repeat(32), 'c'.repeat(32)]);
    });

    it('closes every open session with reason shutdown at flush and keeps working', async () => {
      const { sessionizer, closed } = collect({});
      sessionizer.add(traced(TRACE_A), 'T1');
      sessionizer.add(traced(TRACE_B), 'T1');
      sessionizer.flush();
      expect(closed.map((s) => s.closeReason)).toEqual(['shutdown', 'shutdown']);
      expect(sessionizer.stats.open).toBe(0);
      sessionizer.add(traced(TRACE_A), 'T9');
      expect(sessionizer.stats.open).toBe(1);
      await sessionizer.dispose();
      expect(closed.at(-1)?.templateIds).toEqual(['T9']);
    });

    it('stops its timer and flushes on dispose, and is safe to dispose twice', async () => {
      const timersBefore = vi.getTimerCount();
      const { sessionizer, closed } = collect({});
      expect(vi.getTimerCount()).toBe(timersBefore + 1);
      sessionizer.add(traced(TRACE_A), 'T1');
      await sessionizer.dispose();
      await sessionizer.dispose();
      expect(vi.getTimerCount()).toBe(timersBefore);
      expect(closed.map((s) => s.closeReason)).toEqual(['shutdown']);
      sessionizer.add(traced(TRACE_B), 'T1');
      expect(sessionizer.stats).toMatchObject({ afterDispose: 1, open: 0, opened: 1 });
    });

    it('ignores events that a listener adds while dispose delivers the last sessions', async () => {
      const sessionizer = new Sessionizer({});
      let delivered = 0;
      sessionizer.onClose(() => {
        delivered++;
        sessionizer.add(traced('f'.repeat(32)), 'T2');
      });
      sessionizer.add(traced(TRACE_A), 'T1');
      await sessionizer.dispose();
      expect(delivered).toBe(1);
      expect(sessionizer.stats).toMatchObject({ afterDispose: 1, open: 0 });
    });

    it('joins an event to at most maxKeysPerEvent sessions and counts the events that named more', async () => {
      const { sessionizer } = collect({ key: String.raw`regex:blk_-?\d+`, maxKeysPerEvent: 2 });
      sessionizer.add(makeLogEvent({ body: 'BLOCK* ask 10.250.11.85:50010 to delete  blk_1 blk_2 blk_3 blk_4' }), 'E7');
      expect(sessionizer.stats).toMatchObject({ opened: 2, tooManyKeys: 1 });
      await sessionizer.dispose();
    });

    it('reports a throwing listener to onError and still delivers to the other listeners', async () => {
      const errors: unknown[] = [];
      const { sessionizer, closed } = collect({}, { onError: (error) => errors.push(error) });
      sessionizer.onClose(() => {
        throw new Error('listener broke');
      });
      const removed: Session[] = [];
      const remove = sessionizer.onClose((session) => removed.push(session));
      remove();
      sessionizer.add(traced(TRACE_A), 'T1');
      expect(() => sessionizer.flush()).not.toThrow();
      expect(closed).toHaveLength(1);
      expect(removed).toEqual([]);
      expect(errors).toEqual([new Error('listener broke')]);
      expect(sessionizer.stats.listenerErrors).toBe(1);
      await sessionizer.dispose();
    });

    it('closes tumbling windows at window end, one session per service, without idle splits', async () => {
      const { sessionizer, closed } = collect({ key: 'window', windowMs: 60_000, idleTimeoutMs: 5_000 });
      sessionizer.add(fromService('checkout', 0, 'cart'), 'T1');
      vi.advanceTimersByTime(20_000);
      sessionizer.add(fromService('checkout', 0, 'pay'), 'T2');
      sessionizer.add(fromService('search', 0), 'T3');
      vi.advanceTimersByTime(39_999);
      expect(closed).toEqual([]);
      sessionizer.add(makeLogEvent({ body: 'anonymous' }), 'T4');
      vi.advanceTimersByTime(1);
      expect(closed.map((s) => [s.key, s.service, s.templateIds, s.closeReason])).toEqual([
        [`checkout@${T}`, 'checkout', ['T1', 'T2'], 'window'],
        [`search@${T}`, 'search', ['T3'], 'window'],
        [`unknown_service@${T}`, 'unknown_service', ['T4'], 'window'],
      ]);
      expect(closed[0]).toMatchObject({ windowStart: T, windowEnd: T + 60_000 });

      sessionizer.add(fromService('checkout', 0, 'cart'), 'T1');
      await sessionizer.dispose();
      expect(closed.at(-1)).toMatchObject({ key: `checkout@${T + 60_000}`, closeReason: 'shutdown' });
    });

    it('closes every count window of a service after N events', async () => {
      const { sessionizer, closed } = collect({ key: 'count', countWindow: 3 });
      for (let i = 1; i <= 7; i++) {
        sessionizer.add(fromService('db', 0, `query ${i}`), `Q${i}`);
        if (i % 3 === 0) sessionizer.add(fromService('cache', 0), 'C');
      }
      expect(closed.map((s) => [s.key, s.templateIds, s.closeReason])).toEqual([
        ['db', ['Q1', 'Q2', 'Q3'], 'window'],
        ['db', ['Q4', 'Q5', 'Q6'], 'window'],
      ]);
      await sessionizer.dispose();
      expect(closed.slice(2).map((s) => [s.key, s.templateIds, s.closeReason])).toEqual([
        ['cache', ['C', 'C'], 'shutdown'],
        ['db', ['Q7'], 'shutdown'],
      ]);
    });

    it('rejects an unusable key spec with a ConfigError', () => {
      expect(() => new Sessionizer({ key: 'span' })).toThrowError(ConfigError);
      expect(() => new Sessionizer({ key: 'span' })).toThrowError(/sessions\.key: unknown session key "span"/);
      expect(() => new Sessionizer({ key: 'regex:blk_(-?\\d+' })).toThrowError(/not a valid regular expression/);
    });
  });

  describe('in event time', () => {
    const noClock = (): number => {
      throw new Error('event time must not read the processing clock');
    };

    it('closes sessions as the watermark passes their idle deadline, and needs no timer', async () => {
      const { sessionizer, closed } = collect(
        { timeSource: 'event', idleTimeoutMs: 30_000, allowedLatenessMs: 5_000, sweepIntervalMs: 1_000 },
        { clock: noClock },
      );
      sessionizer.add(traced(TRACE_A, 'start', T), 'T1');
      sessionizer.add(traced(TRACE_B, 'start', T + 10_000), 'T1');
      // Watermark T + 29 s: TRACE_A has 1 s to go.
      sessionizer.add(traced('c'.repeat(32), 'other', T + 34_000), 'T1');
      expect(closed).toEqual([]);
      sessionizer.add(traced('c'.repeat(32), 'other', T + 35_000), 'T2');
      expect(closed.map((s) => [s.key, s.closeReason, s.closedAt])).toEqual([[TRACE_A, 'idle', T + 30_000]]);
      await sessionizer.dispose();
      expect(sessionizer.stats).toMatchObject({ opened: 3, closed: { idle: 1, shutdown: 2 } });
    });

    it('closes an idle session even when a session updated before it is still active', async () => {
      const { sessionizer, closed } = collect({ timeSource: 'event', idleTimeoutMs: 30_000, allowedLatenessMs: 5_000 }, { clock: noClock });
      sessionizer.add(traced(TRACE_A, 'on time', T + 10_000), 'T1');
      // Arrives after TRACE_A's event but is older: within the lateness, so on time.
      sessionizer.add(traced(TRACE_B, 'a little behind', T + 5_000), 'T1');
      sessionizer.add(traced('c'.repeat(32), 'clock', T + 40_000), 'T1');
      expect(closed.map((s) => [s.key, s.closeReason])).toEqual([[TRACE_B, 'idle']]);
      sessionizer.add(traced('c'.repeat(32), 'clock', T + 45_000), 'T1');
      expect(closed.map((s) => s.key)).toEqual([TRACE_B, TRACE_A]);
      await sessionizer.dispose();
    });

    it('orders out-of-order events by timestamp and drops late events whose session has closed', async () => {
      const { sessionizer, closed } = collect({ timeSource: 'event', idleTimeoutMs: 30_000, allowedLatenessMs: 5_000 }, { clock: noClock });
      sessionizer.add(traced(TRACE_A, 'second', T + 10_000), 'T2');
      sessionizer.add(traced(TRACE_A, 'third', T + 12_000), 'T3');
      sessionizer.add(traced(TRACE_A, 'first', T + 8_000), 'T1');
      sessionizer.add(traced(TRACE_B, 'elsewhere', T + 20_000), 'T9');
      // Behind the watermark (T + 15 s) but TRACE_A is still open: joins it, counted late.
      sessionizer.add(traced(TRACE_A, 'fourth', T + 14_000), 'T4');
      // Behind the watermark with no open session: dropped.
      sessionizer.add(traced('d'.repeat(32), 'lost', T + 3_000), 'T5');
      expect(sessionizer.stats).toMatchObject({ late: 2, lateDropped: 1, opened: 2 });

      sessionizer.flush();
      const a = closed.find((s) => s.key === TRACE_A);
      expect(a?.templateIds).toEqual(['T1', 'T2', 'T3', 'T4']);
      expect(a?.events.map((event) => event.body)).toEqual(['first', 'second', 'third', 'fourth']);
      expect(a).toMatchObject({ firstTimestamp: T + 8_000, lastTimestamp: T + 14_000, closeReason: 'shutdown' });
      await sessionizer.dispose();
    });

    it('puts each event in every sliding window that covers it and closes windows as the watermark passes', async () => {
      const { sessionizer, closed } = collect({ key: 'window', timeSource: 'event', windowMs: 10_000, slideMs: 5_000, allowedLatenessMs: 0 }, { clock: noClock });
      sessionizer.add(fromService('api', T + 1_000), 'A');
      sessionizer.add(fromService('api', T + 7_000), 'B');
      sessionizer.add(fromService('api', T + 12_000), 'C');
      // Watermark T + 12 s: the windows ending at T + 5 s and T + 10 s are over.
      expect(closed.map((s) => s.windowStart)).toEqual([T - 5_000, T]);
      sessionizer.add(fromService('api', T + 16_000), 'D');
      const windows = closed.map((s) => [s.windowStart, s.templateIds, s.closeReason]);
      expect(windows).toEqual([
        [T - 5_000, ['A'], 'window'],
        [T, ['A', 'B'], 'window'],
        [T + 5_000, ['B', 'C'], 'window'],
      ]);
      await sessionizer.dispose();
      expect(closed.slice(3).map((s) => [s.windowStart, s.templateIds])).toEqual([
        [T + 10_000, ['C', 'D']],
        [T + 15_000, ['D']],
      ]);
    });
  });

  describe('with HDFS block ids as keys', () => {
    // Message parts of HDFS_v1 (Loghub) lines for one block; the delete line follows the format
    // of the NameNode's "ask … to delete" lines and names a second block.
    const lines: [string, string][] = [
      ['BLOCK* NameSystem.allocateBlock: /mnt/hadoop/mapred/system/job_200811092030_0001/job.jar. blk_-1608999687919862906', 'E22'],
      ['Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010', 'E5'],
      ['Receiving block blk_7503483334202473044 src: /10.251.71.16:51590 dest: /10.251.71.16:50010', 'E5'],
      ['BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.250.10.6:50010 is added to blk_-1608999687919862906 size 91178', 'E26'],
      ['BLOCK* ask 10.250.11.85:50010 to delete  blk_-1608999687919862906 blk_7503483334202473044', 'E7'],
    ];

    it('joins a line that names two blocks to both block sessions', async () => {
      const { sessionizer, closed } = collect({ key: String.raw`regex:blk_-?\d+`, timeSource: 'event' });
      lines.forEach(([body, templateId], i) => sessionizer.add(makeLogEvent({ body, timestamp: T + i * 1_000 }), templateId));
      await sessionizer.dispose();
      const byKey = Object.fromEntries(closed.map((s) => [s.key, s.templateIds]));
      expect(byKey).toEqual({
        'blk_-1608999687919862906': ['E22', 'E5', 'E26', 'E7'],
        blk_7503483334202473044: ['E5', 'E7'],
      });
      expect(sessionizer.stats).toMatchObject({ events: 5, opened: 2, unkeyed: 0 });
    });
  });
});
