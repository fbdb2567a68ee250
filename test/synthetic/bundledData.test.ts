import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ANOMALY_CATEGORIES, generateSequences, splitStratified, type SyntheticSequence } from '../../src/synthetic/index.js';

const dir = fileURLToPath(new URL('../../data/synthetic/', import.meta.url));
const read = (name: string): string => readFileSync(`${dir}${name}`, 'utf8');
const jsonl = (name: string): SyntheticSequence[] => read(name).trimEnd().split('\n').map((line) => JSON.parse(line) as SyntheticSequence);

describe('data/synthetic', () => {
  it('is what scripts/generate-synthetic.ts writes with its defaults (regenerate it when the generator changes)', () => {
    const splits = splitStratified(generateSequences({ seed: 42, count: 800, language: 'en' }), undefined, 42);
    for (const split of ['train', 'val', 'test'] as const) {
      expect(read(`${split}.jsonl`)).toBe(splits[split].map((s) => `${JSON.stringify(s)}\n`).join(''));
    }
  });

  it('has every category in every split, and CSV rows for every JSONL line', () => {
    for (const split of ['train', 'val', 'test']) {
      const sequences = jsonl(`${split}.jsonl`);
      expect(new Set(sequences.map((s) => s.category))).toEqual(new Set(['normal', ...ANOMALY_CATEGORIES]));
      const rows = parse(read(`${split}.csv`), { columns: true }) as unknown[];
      expect(rows.length).toBe(sequences.reduce((n, s) => n + s.lines.length, 0));
    }
  });

  it('ships a mixed-language demo log with about 10% anomalies and its labels', () => {
    const labels = parse(read('demo.labels.csv'), { columns: true }) as Record<string, string>[];
    const anomalies = labels.filter((r) => r.label === '1').length;
    expect(anomalies / labels.length).toBeCloseTo(0.1, 2);
    const log = read('demo.log').trimEnd().split('\n');
    expect(log.length).toBe(labels.reduce((n, r) => n + Number(r.lines), 0));
    expect(log.some((line) => /[\u4e00-\u9fff]/.test(line))).toBe(true);
    expect(log.some((line) => /\] [A-Z][a-z]+ /.test(line))).toBe(true);
  });
});
