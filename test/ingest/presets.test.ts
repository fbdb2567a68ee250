import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOG_FORMAT_PRESETS, readNumberedLogEvents, resolveFormat } from '../../src/ingest/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/ingest/loghub/', import.meta.url));

interface Expected {
  lineId: number;
  fields: Record<string, string>;
  content: string;
}

function fixture(system: string): { path: string; lines: string[]; expected: Expected[] } {
  const path = `${FIXTURES}${system}.log`;
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => line.replace(/\r$/, ''));
  const expected = JSON.parse(readFileSync(`${FIXTURES}${system}.expected.json`, 'utf8')) as Expected[];
  return { path, lines, expected };
}

const SYSTEMS = Object.keys(LOG_FORMAT_PRESETS);

describe('LOG_FORMAT_PRESETS', () => {
  it('has the 12 Loghub systems', () => {
    expect(SYSTEMS.sort()).toEqual(['Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux', 'OpenStack', 'Proxifier', 'Spark', 'Windows', 'Zookeeper']);
  });

  it.each(SYSTEMS)('splits real %s lines into the fields and Content of the Loghub ground truth', (system) => {
    const { lines, expected } = fixture(system);
    expect(lines.length).toBe(expected.length);
    const parser = resolveFormat(system);
    for (const [i, line] of lines.entries()) {
      const parsed = parser.parse(line);
      expect(parsed, `line ${i + 1}: ${line}`).toBeDefined();
      // Loghub writes an absent optional field (Linux's [PID]) as an empty column.
      const present = Object.fromEntries(Object.entries(expected[i]!.fields).filter(([, value]) => value !== ''));
      expect(parsed!.content).toBe(expected[i]!.content);
      expect(parsed!.fields).toEqual(present);
    }
  });

  it.each(SYSTEMS)('reads the %s excerpt file into one event per line, bodies equal to Content', async (system) => {
    const { path, expected } = fixture(system);
    const reader = readNumberedLogEvents(path, { format: system, now: () => Date.UTC(2026, 0, 1) });
    const got: { lineNumber: number; body: string; timestamp: number; observedTime: number }[] = [];
    for await (const { event, lineNumber } of reader) got.push({ lineNumber, body: event.body, timestamp: event.timestamp, observedTime: event.observedTime });
    expect(got.map((e) => e.body)).toEqual(expected.map((e) => e.content));
    expect(got.map((e) => e.lineNumber)).toEqual(expected.map((_, i) => i + 1));
    expect(reader.stats).toMatchObject({ lines: expected.length, events: expected.length, malformed: 0, truncated: 0 });
    // Every Loghub header carries a time that the reader understands.
    for (const event of got) expect(event.timestamp).not.toBe(event.observedTime);
  });

  it('matches preset names case-insensitively', () => {
    expect(resolveFormat('hdfs').format).toBe(LOG_FORMAT_PRESETS.HDFS);
    expect(resolveFormat(' ZooKeeper ').format).toBe(LOG_FORMAT_PRESETS.Zookeeper);
  });
});

describe('preset events', () => {
  async function firstEvent(system: string) {
    for await (const event of readNumberedLogEvents(fixture(system).path, { format: system, now: () => Date.UTC(2026, 0, 1) })) return event.event;
    throw new Error('no event');
  }

  it('reads HDFS Level as severity, Date+Time as timestamp, the rest as attributes', async () => {
    const event = await firstEvent('HDFS');
    expect(event).toMatchObject({
      body: 'PacketResponder 1 for block blk_38865049064139660 terminating',
      severityText: 'INFO',
      severityNumber: 9,
      timestamp: Date.UTC(2008, 10, 9, 20, 36, 15),
      attributes: { Pid: '148', Component: 'dfs.DataNode$PacketResponder' },
    });
    expect(event.attributes).not.toHaveProperty('Date');
  });

  it('takes the zone-free epoch Timestamp of BGL and keeps its local-time columns as attributes', async () => {
    const event = await firstEvent('BGL');
    expect(event.timestamp).toBe(1117838570000);
    expect(event.attributes).toMatchObject({ Label: '-', Time: '2005-06-03-15.42.50.675872', Type: 'RAS', Component: 'KERNEL' });
  });

  it('keeps Linux host names found in the "Level" column as an attribute, not as a severity', async () => {
    const event = await firstEvent('Linux');
    expect(event.severityNumber).toBe(0);
    expect(event.severityText).toBe('');
    expect(event.attributes).toMatchObject({ Level: 'combo', Component: 'sshd(pam_unix)', PID: '19939' });
    expect(event.timestamp).toBe(Date.UTC(2025, 5, 14, 15, 16, 1));
  });

  it('maps Apache "notice" to INFO2 and parses its ctime timestamp', async () => {
    const event = await firstEvent('Apache');
    expect(event).toMatchObject({ severityText: 'notice', severityNumber: 10, timestamp: Date.UTC(2005, 11, 4, 4, 47, 44) });
  });
});
