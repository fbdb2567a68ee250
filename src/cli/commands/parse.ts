import { Command, InvalidArgumentError } from 'commander';
import { describeReadStats, readLogEvents } from '../../ingest/index.js';
import { loadSnapshot, saveSnapshot, TemplateMiner } from '../../templates/index.js';
import { createProgress } from '../../util/progress.js';
import { configFor } from '../context.js';
import { formatTemplateTable } from '../templateTable.js';

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

interface ParseOptions {
  format?: string;
  out?: string;
  snapshot?: string;
  top: number;
  json?: boolean;
  matchOnly?: boolean;
  quiet?: boolean;
}

/** `logtriage parse <file>`: mines templates from a log file and prints them with counts. */
export function parseCommand(): Command {
  return new Command('parse')
    .description('mine log templates from a file (plain, gzip, or - for stdin) and print them with counts')
    .argument('<file>', 'log file, gzip file, or - for standard input')
    .option('-f, --format <format>', 'raw | json | a preset (HDFS, BGL, Linux, …) | a format string "<Date> <Time> <Level>: <Content>" | regex:<pattern>')
    .option('-o, --out <snapshot.json>', 'write the template snapshot (versioned JSON) here')
    .option('--snapshot <snapshot.json>', 'start from this snapshot instead of an empty miner')
    .option('--match-only', 'only match templates of --snapshot; learn nothing new')
    .option('--top <n>', 'print the n most frequent templates; 0 for all', nonNegativeInt, 50)
    .option('--json', 'print templates as JSON instead of a table')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', '\nExamples:\n  logtriage parse app.log\n  logtriage parse HDFS_2k.log --format HDFS --out hdfs-templates.json\n  zcat app.log.gz | logtriage parse - --format json')
    .action(async (file: string, options: ParseOptions, cmd: Command) => {
      const config = configFor(cmd, options.format ? { ingest: { format: options.format } } : {});
      const learn = !options.matchOnly && config.templates.learn;
      const miner = options.snapshot
        ? loadSnapshot(options.snapshot, { learn })
        : new TemplateMiner({ ...config.templates, learn });
      const events = readLogEvents(file, { format: config.ingest.format, maxLineBytes: config.ingest.maxLineBytes });
      const progress = createProgress({ label: 'mining', unit: 'lines', quiet: options.quiet ?? false });
      let unmatched = 0;
      let pending = 0;
      for await (const event of events) {
        if (!miner.add(event.body)) unmatched++;
        if (++pending === 1000) {
          progress.tick(pending, `${miner.size} templates`);
          pending = 0;
        }
      }
      progress.tick(pending, `${miner.size} templates`);
      progress.stop();
      process.stderr.write(`${describeReadStats(events.stats)}\n`);
      if (unmatched > 0) process.stderr.write(`${unmatched} lines matched no template (match-only mode)\n`);
      const templates = miner.templates();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ templates: options.top ? templates.slice(0, options.top) : templates, total: templates.length })}\n`);
      } else {
        process.stdout.write(formatTemplateTable(templates, { top: options.top }));
      }
      if (options.out) {
        saveSnapshot(miner, options.out);
        process.stderr.write(`wrote ${templates.length} templates to ${options.out}\n`);
      }
    });
}
