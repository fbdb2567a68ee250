import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { InputError } from '../util/errors.js';
import { formatLogLine, LABEL_CSV_COLUMNS, labelRow, LINE_CSV_COLUMNS, lineRows } from './format.js';
import type { SyntheticSequence } from './types.js';

/** File formats {@link writeDataset} can write for a split. */
export const DATASET_FORMATS = ['jsonl', 'csv', 'log', 'labels'] as const;

/**
 * `jsonl`: one sequence per line (`<split>.jsonl`); `csv`: one row per log line (`<split>.csv`);
 * `log`: the lines of all sequences ordered by time, as services write them (`<split>.log`);
 * `labels`: one row per sequence to go with the `.log` (`<split>.labels.csv`).
 */
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Options of {@link writeDataset}. */
export interface WriteDatasetOptions {
  /** Formats to write for every split. Default `['jsonl', 'csv']`. */
  formats?: readonly DatasetFormat[];
}

/** One file written. */
export interface WrittenFile {
  split: string;
  format: DatasetFormat;
  path: string;
  /** Sequences in the file. */
  sequences: number;
  /** Records in the file: sequences for jsonl and labels, log lines for csv and log (header excluded). */
  records: number;
  bytes: number;
}

const EXTENSIONS: Record<DatasetFormat, string> = { jsonl: '.jsonl', csv: '.csv', log: '.log', labels: '.labels.csv' };

/**
 * Writes each split (`{ train, val, test }`, or any names) in each format under `dir` (created when
 * missing) and returns what it wrote.
 */
export async function writeDataset(
  dir: string,
  splits: Readonly<Record<string, readonly SyntheticSequence[]>>,
  options: WriteDatasetOptions = {},
): Promise<WrittenFile[]> {
  const formats = options.formats ?? ['jsonl', 'csv'];
  for (const format of formats) {
    if (!DATASET_FORMATS.includes(format)) throw new InputError(`unknown dataset format "${format}"; expected one of ${DATASET_FORMATS.join(', ')}`);
  }
  for (const split of Object.keys(splits)) {
    if (!/^[\w.-]+$/.test(split)) throw new InputError(`split name "${split}" is not usable as a file name; use letters, digits, '.', '-' or '_'`);
  }
  await mkdir(dir, { recursive: true });
  const written: WrittenFile[] = [];
  for (const [split, sequences] of Object.entries(splits)) {
    for (const format of formats) {
      const path = join(dir, `${split}${EXTENSIONS[format]}`);
      const records = await writeOne(path, format, sequences);
      written.push({ split, format, path, sequences: sequences.length, records, bytes: (await stat(path)).size });
    }
  }
  return written;
}

async function writeOne(path: string, format: DatasetFormat, sequences: readonly SyntheticSequence[]): Promise<number> {
  const out = createWriteStream(path);
  switch (format) {
    case 'jsonl':
      await pipeline(Readable.from(sequences.map((s) => `${JSON.stringify(s)}\n`)), out);
      return sequences.length;
    case 'csv': {
      const rows = sequences.flatMap(lineRows);
      await pipeline(Readable.from(rows), stringify({ header: true, columns: [...LINE_CSV_COLUMNS] }), out);
      return rows.length;
    }
    case 'labels':
      await pipeline(Readable.from(sequences.map(labelRow)), stringify({ header: true, columns: [...LABEL_CSV_COLUMNS] }), out);
      return sequences.length;
    case 'log': {
      // Requests overlap in time, so their lines interleave in the file as they would in a real log.
      const lines = sequences.flatMap((s) => s.lines).sort((a, b) => a.timestamp - b.timestamp);
      await pipeline(Readable.from(lines.map((line) => `${formatLogLine(line)}\n`)), out);
      return lines.length;
    }
  }
}
