import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import { createIncidentStore } from '../../incidents/index.js';
import { Command, Option } from 'commander';
import { initBackend, ModelRegistry, SequenceScorer } from '../../scoring/index.js';
import { saveSnapshot } from '../../templates/index.js';
import { InputError } from '../../util/errors.js';
import { createProgress } from '../../util/progress.js';
import { configFor } from '../context.js';
import { readSessions, type SessionInputKind } from '../sessionsFromInput.js';
import { modelPullCommand } from './modelPull.js';
import { tinyModelCommand } from './modelTiny.js';
import { nonNegativeInt } from './parse.js';

interface TrainCliOptions {
  input: SessionInputKind;
  architecture: 'lstm' | 'transformer';
  format?: string;
  epochs: number;
  hidden: number;
  seed: number;
  percentile: number;
  reviewed: boolean;
  quiet?: boolean;
}

/**
 * Template sequences of the incidents reviewers marked false positive: normal sessions the model
 * got wrong, which join the next training set. Empty when there is no incident store yet.
 */
async function reviewedNormalSessions(config: Config): Promise<string[][]> {
  const sqlitePath = config.store.sqlitePath ?? join(config.service.dataDir, 'logtriage.db');
  if (config.store.kind === 'sqlite' && !existsSync(sqlitePath)) return [];
  const store = await createIncidentStore({ ...config.store, dataDir: config.service.dataDir });
  try {
    return await store.falsePositiveSessions();
  } finally {
    await store.dispose();
  }
}

/** `logtriage train <file>`: trains tier 1 on normal sessions and stores it as the active model version. */
export function trainCommand(): Command {
  return new Command('train')
    .description('train the tier-1 sequence model on normal sessions and make it the active model version')
    .argument('<file>', 'normal logs (or sessions, see --input); labelled anomalous sessions are left out')
    .addOption(new Option('--input <kind>', 'log: a log file, mined and grouped by sessions.key; sessions: JSON lines with templates or events; idlines: event ids per line').choices(['log', 'sessions', 'idlines']).default('log'))
    .option('-f, --format <format>', 'log format, for --input log (see `logtriage parse --help`)')
    .addOption(new Option('--architecture <name>', 'lstm (DeepLog-style) or transformer (small causal Transformer)').choices(['lstm', 'transformer']).default('lstm'))
    .option('--epochs <n>', 'most training epochs (early stopping usually ends sooner)', nonNegativeInt, 60)
    .option('--hidden <n>', 'LSTM units per layer, or Transformer width', nonNegativeInt, 32)
    .option('--seed <n>', 'seed of splits, shuffles and initial weights', nonNegativeInt, 42)
    .option('--percentile <p>', 'percentile of held-out normal scores used as threshold', (v) => Number(v), 0.998)
    .option('--no-reviewed', 'leave out the sessions reviewers marked false positive in the incident store (by default they join the training set as normal)')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, options: TrainCliOptions, cmd: Command) => {
      const config = configFor(cmd, options.format ? { ingest: { format: options.format } } : {});
      const backend = await initBackend(config.scoring.backend);
      process.stderr.write(`backend: ${backend.name}${backend.skipped.length ? ` (skipped ${backend.skipped.map((s) => s.name).join(', ')})` : ''}\n`);
      const input = await readSessions(file, options.input, config);
      const normal = input.sessions.filter((_, i) => input.labels[i] === 0);
      if (options.reviewed) {
        const reviewed = await reviewedNormalSessions(config);
        if (reviewed.length > 0) process.stderr.write(`adding ${reviewed.length} sessions reviewers marked false positive\n`);
        normal.push(...reviewed);
      }
      if (normal.length < 10) throw new InputError(`${file}: ${normal.length} normal sessions found; training needs at least 10 (check --input and sessions.key)`);
      process.stderr.write(`training on ${normal.length} normal sessions (${input.sessions.length - normal.length} labelled anomalous left out)\n`);
      const progress = createProgress({ label: 'training', unit: 'epochs', total: options.epochs, quiet: options.quiet ?? false });
      const { scorer, report } = await SequenceScorer.train(normal, {
        architecture: options.architecture,
        epochs: options.epochs,
        seed: options.seed,
        percentile: options.percentile,
        lstm: { hidden: options.hidden },
        transformer: { width: options.hidden },
        progress,
      });
      const registry = new ModelRegistry(config.service.dataDir);
      const version = await registry.add(scorer);
      if (input.miner) saveSnapshot(input.miner, join(registry.root, version, 'templates.json'));
      process.stdout.write(
        `model ${version} (active): ${report.epochs.length} epochs in ${report.seconds.toFixed(1)} s, best validation loss ${report.bestValidationLoss.toFixed(4)} at epoch ${report.bestEpoch}, threshold ${scorer.threshold.toFixed(3)}\n`,
      );
      await scorer.dispose();
    });
}

/** `logtriage model list|activate|rollback`. */
export function modelCommand(): Command {
  const command = new Command('model').description('tier-1 model versions (list, activate, rollback) and tier-2 LLM files (tiny: write the project\'s own tiny GGUF model and LoRA adapter; pull: download a GGUF)');
  command
    .command('list')
    .description('list model versions, the active one marked *')
    .action((_: unknown, cmd: Command) => {
      const registry = new ModelRegistry(configFor(cmd).service.dataDir);
      const versions = registry.list();
      if (versions.length === 0) process.stdout.write(`no models in ${registry.root}; train one with \`logtriage train\`\n`);
      for (const v of versions) process.stdout.write(`${v.active ? '*' : ' '} ${v.version}  ${v.architecture}  threshold ${v.threshold.toFixed(3)}\n`);
    });
  command
    .command('activate')
    .description('make a version the active model')
    .argument('<version>', 'a name from `logtriage model list`')
    .action((version: string, _: unknown, cmd: Command) => {
      new ModelRegistry(configFor(cmd).service.dataDir).activate(version);
      process.stdout.write(`active: ${version}\n`);
    });
  command
    .command('rollback')
    .description('go back to the version active before the current one')
    .action((_: unknown, cmd: Command) => {
      process.stdout.write(`active: ${new ModelRegistry(configFor(cmd).service.dataDir).rollback()}\n`);
    });
  command.addCommand(tinyModelCommand());
  command.addCommand(modelPullCommand());
  return command;
}
