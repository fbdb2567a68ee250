import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReadStats, describeReadStats, readLogEvents, readNumberedLogEvents, recordIssue, type LogEvent } from '../../src/ingest/index.js';
import { InputError } from '../../src/util/errors.js';

const NOW = Date.UTC(2026, 0, 1);

function stream(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readLogEvents', () => {
  it('reads raw lines as bodies by default', async () => {
    const reader = readLogEvents(stream('first line\nsecond line\n'), { now: () => NOW });
    const events = await collect(reader);
    expect(events).toEqual([
      { timestamp: NOW, observedTime: NOW, body: 'first line', severityNumber: 0, severityText: '', attributes: {}, resource: {} },
      { timestamp: NOW, observedTime: NOW, body: 'second line', severityNumber: 0, severityText: '', attributes: {}, resource: {} },
    ]);
    expect(reader.stats).toMatchObject({ lines: 2, events: 2, malformed: 0 });
  });

  it('skips lines that do not match the header format, counting them with line numbers and the reason', async () => {
    const text = [
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating',
      'java.io.IOException: Connection reset by peer',
      '081109 203807 222 WARN dfs.DataNode: Slow BlockReceiver',
      '\tat java.net.SocketInputStream.read(SocketInputStream.java:168)',
      '',
    ].join('\n');
    const reader = readNumberedLogEvents(stream(text), { format: 'HDFS', now: () => NOW });
    const events = await collect(reader);
    expect(events.map(({ lineNumber, event }) => [lineNumber, event.severityText, event.body])).toEqual([
      [1, 'INFO', 'PacketResponder 1 terminating'],
      [3, 'WARN', 'Slow BlockReceiver'],
    ]);
    expect(reader.stats).toMatchObject({ lines: 4, events: 2, malformed: 2 });
    expect(reader.stats.samples.malformed.map((s) => s.lineNumber)).toEqual([2, 4]);
    expect(describeReadStats(reader.stats)).toBe(
      'read 4 lines: 2 events, 2 malformed (lines 2, 4: does not match the HDFS format "<Date> <Time> <Pid> <Level> <Component>: <Content>"), 0 truncated',
    );
  });

  it('reads JSON lines of several shapes and skips the malformed one', async () => {
    const text = [
      '{"level":30,"time":1700000000000,"msg":"pino says hi"}',
      '{"timestamp":"2024-03-01T12:00:00Z","severity":"ERROR","message":"db down","attributes":{"db":"orders"}}',
      '{"log":"docker line\\n","stream":"stderr","time":"2024-03-01T12:00:01Z"}',
      '{"msg": broken',
      '{"@timestamp":"2024-03-01T12:00:02Z","level":"warn","msg":"slow","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    ].join('\n');
    const reader = readLogEvents(stream(text), { format: 'json', now: () => NOW });
    const events = await collect(reader);
    expect(events.map((e) => [e.body, e.severityNumber])).toEqual([
      ['pino says hi', 9],
      ['db down', 17],
      ['docker line', 0],
      ['slow', 13],
    ]);
    expect(events[1]!.attributes).toEqual({ db: 'orders' });
    expect(events[3]!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(reader.stats).toMatchObject({ lines: 5, events: 4, malformed: 1 });
    expect(describeReadStats(reader.stats)).toMatch(/^read 5 lines: 4 events, 1 malformed \(line 4: not valid JSON: .+\), 0 truncated$/);
  });

  it('reads with a user regex and gives every event the configured resource', async () => {
    const events = await collect(
      readLogEvents(stream('12:00:01 [db] ERROR lost connection\n'), {
        format: 'regex:^(?<time>\\S+) \\[(?<component>\\w+)\\] (?<level>\\w+) (?<content>.*)$',
        resource: { 'service.name': 'orders' },
        now: () => NOW,
      }),
    );
    expect(events).toEqual<LogEvent[]>([
      {
        timestamp: NOW,
        observedTime: NOW,
        body: 'lost connection',
        severityNumber: 17,
        severityText: 'ERROR',
        // A time of day alone is not a timestamp: it stays an attribute.
        attributes: { time: '12:00:01', component: 'db' },
        resource: { 'service.name': 'orders' },
      },
    ]);
  });

  it('throws InputError at the call for a bad format, before reading anything', () => {
    expect(() => readLogEvents(stream('x\n'), { format: '<Date> <Time>' })).toThrow(InputError);
    expect(() => readLogEvents(stream('x\n'), { format: 'no-such-format' })).toThrow(/unknown log format "no-such-format"/);
  });

  it('caps long lines before decoding them, so a huge JSON line is malformed, not a crash', async () => {
    const huge = `{"msg":"${'a'.repeat(200_000)}"}`;
    const reader = readLogEvents(stream(`${huge}\n{"msg":"next"}\n`), { format: 'json', maxLineBytes: 1024 });
    expect((await collect(reader)).map((e) => e.body)).toEqual(['next']);
    expect(reader.stats).toMatchObject({ truncated: 1, malformed: 1, events: 1 });
  });
});

describe('describeReadStats', () => {
  it('names every kind that occurred, with sample lines, and groups samples by reason', () => {
    const stats = createReadStats(3);
    stats.lines = 2000;
    stats.events = 1990;
    recordIssue(stats, 'malformed', 17, 'does not match format "<Date> <Time> <Content>"');
    recordIssue(stats, 'malformed', 902, 'does not match format "<Date> <Time> <Content>"');
    recordIssue(stats, 'malformed', 950, 'not valid JSON');
    recordIssue(stats, 'malformed', 1200, 'not valid JSON');
    recordIssue(stats, 'truncated', 5, '70,000 bytes cut to 65,536 bytes');
    recordIssue(stats, 'invalidUtf8', 8, 'invalid UTF-8 replaced by U+FFFD');
    recordIssue(stats, 'binarySkipped', 9, 'binary data');
    recordIssue(stats, 'emptySkipped', 10, 'empty line');
    recordIssue(stats, 'emptySkipped', 11, 'empty line');
    expect(describeReadStats(stats)).toBe(
      'read 2,000 lines: 1,990 events, 4 malformed (lines 17, 902: does not match format "<Date> <Time> <Content>"; line 950, …: not valid JSON), 1 truncated (line 5), 1 with invalid UTF-8 (line 8), 1 binary skipped (line 9), 2 empty skipped',
    );
    expect(stats.samples.malformed).toHaveLength(3);
  });

  it('says it plainly when nothing went wrong', () => {
    const stats = createReadStats();
    stats.lines = 1;
    stats.events = 1;
    expect(describeReadStats(stats)).toBe('read 1 line: 1 event, 0 malformed, 0 truncated');
  });
});
