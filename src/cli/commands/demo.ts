import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { bundledDataPath } from '../../util/packageRoot.js';
import { configFor, loggerFor } from '../context.js';
import { DEMO_LOG_FORMAT, runDemo } from '../demo/runDemo.js';

export { DEMO_LOG_FORMAT };

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/**
 * `logtriage demo` (what `npm start` runs): the whole product on embedded defaults. Trains tier 1
 * at the first start, runs the service (SQLite, review page, tier 2), replays the bundled log with
 * injected failures through the OTLP receiver and prints where to review the incidents.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('the whole product on bundled data: train tier 1 (first start), serve, replay a log with injected failures through OTLP, review the incidents in the browser')
    .option('--file <path>', 'log file in the demo layout', bundledDataPath('synthetic', 'demo.log'))
    .option('--labels <path>', 'labels CSV of the log (trace_id, label), to compare incidents with the injected failures', bundledDataPath('synthetic', 'demo.labels.csv'))
    .option('--train-sessions <n>', 'normal synthetic sessions tier 1 is trained on at the first start', count, 2500)
    .option('--rate <n>', 'records per second replayed', count, 1000)
    .option('--http-port <port>', 'OTLP/HTTP port (default 4318; 0 picks a free one)', count)
    .option('--grpc-port <port>', 'OTLP/gRPC port (default 4317; 0 picks a free one)', count)
    .option('--api-port <port>', 'review page and API port (default 8318; 0 picks a free one)', count)
    .option('--once', 'stop after the summary instead of serving until Ctrl-C')
    .option('-q, --quiet', 'no progress bars')
    .action(async (options: { file: string; labels: string; trainSessions: number; rate: number; httpPort?: number; grpcPort?: number; apiPort?: number; once?: boolean; quiet?: boolean }, cmd: Command) => {
      if (!existsSync(options.file)) throw new Error(`demo log ${options.file} not found; regenerate it with: npx tsx scripts/generate-synthetic.ts`);
      const config = configFor(cmd, {
        receivers: { http: options.httpPort !== undefined ? { port: options.httpPort } : {}, grpc: options.grpcPort !== undefined ? { port: options.grpcPort } : {} },
        api: options.apiPort !== undefined ? { port: options.apiPort } : {},
        // Requests of the demo log last well under a second: close a session 3 s after its last line.
        sessions: { idleTimeoutMs: 3_000, sweepIntervalMs: 500 },
        pipeline: { learning: { enabled: false } },
      });
      const logger = loggerFor({ ...config, service: { ...config.service, logLevel: cmd.optsWithGlobals<{ logLevel?: string }>().logLevel ? config.service.logLevel : 'warn' } });
      const { stop } = await runDemo(config, {
        logFile: options.file,
        labelsFile: options.labels,
        trainSessions: options.trainSessions,
        rate: options.rate,
        once: options.once ?? false,
        quiet: options.quiet ?? false,
        out: process.stdout,
        logger,
      });
      if (options.once) {
        await stop();
        return;
      }
      process.stdout.write('Serving until Ctrl-C (send logs to it too: `npx logtriage replay <file> --format <format>`).\n');
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (): void => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stdout.write('\nstopping…\n');
          stop().then(resolve, (error: unknown) => {
            process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
            process.exit(1);
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
