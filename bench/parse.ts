import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { TemplateMiner } from '../src/templates/index.js';
import { groupingAccuracy, parsingAccuracy } from './parseAccuracy.js';

/** One labelled system of a Loghub-style folder. */
export interface LabelledSystem {
  name: string;
  contents: string[];
  eventIds: string[];
  templates: string[];
}

/** Figures for one system. */
export interface ParseFigures {
  name: string;
  lines: number;
  groupingAccuracy: number;
  parsingAccuracy: number;
  linesPerSecond: number;
}

/** Reads every `<System>/<System>_2k.log_structured.csv` under `dir`. */
export function readLabelledSystems(dir: string): LabelledSystem[] {
  if (!existsSync(dir)) throw new Error(`dataset folder ${dir} does not exist`);
  const systems: LabelledSystem[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, `${name}_2k.log_structured.csv`);
    if (!existsSync(file)) continue;
    const rows = parseCsv(readFileSync(file), { columns: true, skip_empty_lines: true, relax_quotes: true }) as Record<string, string>[];
    systems.push({
      name,
      contents: rows.map((r) => r.Content ?? ''),
      eventIds: rows.map((r) => r.EventId ?? ''),
      templates: rows.map((r) => r.EventTemplate ?? ''),
    });
  }
  if (systems.length === 0) throw new Error(`no <System>/<System>_2k.log_structured.csv found under ${dir}`);
  return systems;
}

/** Mines a system's lines with the default config and returns each line's final template. */
export function mineSystem(contents: readonly string[]): string[] {
  const miner = new TemplateMiner();
  const ids = contents.map((line) => miner.add(line)?.templateId ?? '');
  const byId = miner.templatesByAnyId();
  return ids.map((id) => byId.get(id)?.text ?? '');
}

/**
 * Lines per second of mining `contents` repeated to at least `minLines`, after a warm-up. With
 * `freshValues`, each round rewrites every run of digits with a round-specific offset (outside
 * the timed part), so no number repeats across rounds, as in a real stream; without it the same
 * lines recur, which flatters anything that remembers recent values.
 */
export function measureThroughput(contents: readonly string[], minLines: number, freshValues = false): number {
  const miner = new TemplateMiner();
  for (let r = 0; r < 5; r++) for (const line of contents) miner.add(line);
  const rounds = Math.ceil(minLines / contents.length);
  let nanoseconds = 0n;
  for (let r = 0; r < rounds; r++) {
    const lines = freshValues ? contents.map((line) => line.replace(/\d+/g, (d) => String(Number(d.slice(0, 12)) + (r + 6) * 7919))) : contents;
    const start = process.hrtime.bigint();
    for (const line of lines) miner.add(line);
    nanoseconds += process.hrtime.bigint() - start;
  }
  return (rounds * contents.length) / (Number(nanoseconds) / 1e9);
}

/** Runs the parsing benchmark over every system under `dir`. */
export function runParseBenchmark(dir: string, options: { minLines?: number; freshValues?: boolean; onSystem?: (f: ParseFigures) => void } = {}) {
  const datasets: ParseFigures[] = [];
  for (const system of readLabelledSystems(dir)) {
    const parsed = mineSystem(system.contents);
    const figures: ParseFigures = {
      name: system.name,
      lines: system.contents.length,
      groupingAccuracy: groupingAccuracy(parsed, system.eventIds),
      parsingAccuracy: parsingAccuracy(parsed, system.templates),
      linesPerSecond: options.minLines === 0 ? 0 : measureThroughput(system.contents, options.minLines ?? 1_000_000, options.freshValues),
    };
    datasets.push(figures);
    options.onSystem?.(figures);
  }
  const mean = (key: 'groupingAccuracy' | 'parsingAccuracy' | 'linesPerSecond') =>
    datasets.reduce((sum, d) => sum + d[key], 0) / datasets.length;
  return {
    datasets,
    mean: { groupingAccuracy: mean('groupingAccuracy'), parsingAccuracy: mean('parsingAccuracy'), linesPerSecond: mean('linesPerSecond') },
  };
}
