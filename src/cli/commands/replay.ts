import { Command, InvalidArgumentError } from 'commander';
import { describeReadStats, readLogEvents } from '../../ingest/index.js';
import { createProgress } from '../../util/progress.js';
import { configFor } from '../context.js';
import { replayLogs } from '../replay/replayLogs.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

/** `logtriage replay <file>`: sends a log file to an OTLP/HTTP receiver, as an app's exporter would. */
export function replayCommand(): Command {
  return new Command('replay')
    .description('send a log file to an OTLP/HTTP receiver (logtriage serve, or a Collector) as protobuf requests')
    .argument('<file>', 'log file, gzip file, or - for standard input')
    .option('-f, --format <format>', 'how lines are read (see `logtriage parse --help`)')
    .option('--endpoint <url>', 'OTLP/HTTP base URL', 'http://127.0.0.1:4318')
    .option('--batch <n>', 'records per request', positive, 512)
    .option('--rate <n>', 'most records per second (0: as fast as the receiver answers)', positive, 0)
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, options: { format?: string; endpoint: string; batch: number; rate: number; quiet?: boolean }, cmd: Command) => {
      const config = configFor(cmd, options.format ? { ingest: { format: options.format } } : {});
      const events = readLogEvents(file, { format: config.ingest.format, maxLineBytes: config.ingest.maxLineBytes });
      const progress = createProgress({ label: 'replay', unit: 'records', quiet: options.quiet ?? false });
      const result = await replayLogs(events, { endpoint: options.endpoint, batch: options.batch, rate: options.rate, onSent: (n) => progress.tick(n) });
      progress.stop();
      process.stderr.write(`${describeReadStats(events.stats)}\n`);
      process.stdout.write(
        `sent ${result.records.toLocaleString('en-US')} records in ${result.requests} requests to ${options.endpoint}${result.rejected ? `, ${result.rejected} rejected as invalid` : ''}${result.retries ? `, ${result.retries} retried after 429/503` : ''}\n`,
      );
    });
}
