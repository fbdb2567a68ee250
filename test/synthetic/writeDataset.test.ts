import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { formatLogLine, generateSequences, LINE_CSV_COLUMNS, splitStratified, writeDataset, type SyntheticSequence } from '../../src/synthetic/index.js';
import { InputError } from '../../src/util/errors.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'logtriage-synthetic-'));
const sequences = generateSequences({ count: 300, seed: 21, language: 'mixed' });
const splits = splitStratified(sequences, undefined, 21);

describe('writeDataset', () => {
  it('writes JSONL that parses back to the same sequences', async () => {
    const dir = tempDir();
    const files = await writeDataset(dir, splits, { formats: ['jsonl'] });
    expect(files.map((f) => f.path)).toEqual(['train', 'val', 'test'].map((s) => join(dir, `${s}.jsonl`)));
    for (const file of files) {
      const parsed = readFileSync(file.path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as SyntheticSequence);
      expect(parsed).toEqual(splits[file.split as keyof typeof splits]);
      expect(file.records).toBe(parsed.length);
    }
  });

  it('writes one CSV row per log line with the sequence labels', async () => {
    const dir = tempDir();
    const [file] = await writeDataset(dir, { all: sequences }, { formats: ['csv'] });
    const rows = parse(readFileSync(file?.path ?? '', 'utf8'), { columns: true }) as Record<string, string>[];
    const totalLines = sequences.reduce((n, s) => n + s.lines.length, 0);
    expect(rows.length).toBe(totalLines);
    expect(file?.records).toBe(totalLines);
    expect(Object.keys(rows[0] ?? {})).toEqual([...LINE_CSV_COLUMNS]);
    const first = sequences[0];
    expect(rows[0]).toMatchObject({ sequence_id: first?.id, line: '0', label: String(first?.label), category: first?.category, body: first?.lines[0]?.body });
    // Bodies with commas, quotes and CJK survive the round trip.
    expect(rows.map((r) => r.body)).toEqual(sequences.flatMap((s) => s.lines.map((l) => l.body)));
  });

  it('writes a flat log ordered by time and a labels file that goes with it', async () => {
    const dir = tempDir();
    const [log, labels] = await writeDataset(dir, { demo: sequences }, { formats: ['log', 'labels'] });
    const lines = readFileSync(log?.path ?? '', 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(sequences.reduce((n, s) => n + s.lines.length, 0));
    const shape = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR|FATAL) ([a-z-]+) \[trace=([0-9a-f]{32})\] (.+)$/;
    const times = lines.map((line) => {
      const match = shape.exec(line);
      expect(match, line).not.toBeNull();
      return Date.parse(match?.[1] ?? '');
    });
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(lines).toContain(formatLogLine(sequences[0]?.lines[0] ?? { timestamp: 0, observedTime: 0, body: '', severityNumber: 0, severityText: '', attributes: {}, resource: {} }));
    const rows = parse(readFileSync(labels?.path ?? '', 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(sequences.length);
    expect(rows.filter((r) => r.label === '1').length).toBe(sequences.filter((s) => s.label === 1).length);
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set(sequences.map((s) => s.lines[0]?.traceId)));
  });

  it('writes byte-identical files for the same seed', async () => {
    const [a, b] = [tempDir(), tempDir()];
    await writeDataset(a, { x: generateSequences({ count: 50, seed: 4 }) }, { formats: ['jsonl', 'csv', 'log'] });
    await writeDataset(b, { x: generateSequences({ count: 50, seed: 4 }) }, { formats: ['jsonl', 'csv', 'log'] });
    for (const name of ['x.jsonl', 'x.csv', 'x.log']) expect(readFileSync(join(a, name))).toEqual(readFileSync(join(b, name)));
  });

  it('rejects unknown formats and unusable split names', async () => {
    await expect(writeDataset(tempDir(), { a: [] }, { formats: ['xml' as 'csv'] })).rejects.toThrow(InputError);
    await expect(writeDataset(tempDir(), { '../a': [] })).rejects.toThrow(InputError);
  });
});
