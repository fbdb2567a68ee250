/**
 * Benchmarks: `npm run bench -- <name> [options]`. Each prints a table, or one JSON object with
 * `--json`. Every figure quoted in bench/RESULTS.md comes from one of these commands.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { runParseBenchmark, type ParseFigures } from './parse.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function row(f: Pick<ParseFigures, 'groupingAccuracy' | 'parsingAccuracy' | 'linesPerSecond'> & { name: string; lines?: number }): string {
  return `${f.name.padEnd(10)} ${String(f.lines ?? '').padStart(6)}  ${f.groupingAccuracy.toFixed(3).padStart(8)}  ${f.parsingAccuracy.toFixed(3).padStart(8)}  ${Math.round(f.linesPerSecond).toLocaleString('en-US').padStart(10)}`;
}

const program = new Command('bench').description('logtriage benchmarks').showHelpAfterError();

program
  .command('parse')
  .description('template-mining accuracy (grouping, parsing) and throughput on Loghub-style labelled logs, default config')
  .requiredOption('--data <dir>', 'folder of <System>/<System>_2k.log_structured.csv files (e.g. ../shared/datasets/loghub2k)')
  .option('--json', 'print one JSON object instead of a table (npm prints a banner first unless run as `npm run --silent bench`)')
  .option('--out <file>', 'also write the JSON object to this file')
  .option('--fresh-values', 'for throughput, rewrite the numbers of each repetition so values never recur')
  .option('--min-lines <n>', 'lines mined per system for throughput (the system repeated); 0 skips it', positiveInt, 1_000_000)
  .action((options: { data: string; json?: boolean; out?: string; minLines: number; freshValues?: boolean }) => {
    if (!options.json) {
      process.stdout.write(`${'system'.padEnd(10)} ${'lines'.padStart(6)}  ${'grouping'.padStart(8)}  ${'parsing'.padStart(8)}  ${'lines/s'.padStart(10)}\n`);
    }
    const result = runParseBenchmark(options.data, {
      minLines: options.minLines,
      freshValues: options.freshValues ?? false,
      onSystem: (f) => {
        if (!options.json) process.stdout.write(`${row(f)}\n`);
      },
    });
    if (options.out) writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${row({ name: 'mean', ...result.mean })}\n`);
    }
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
});
