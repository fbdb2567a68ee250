import { Command, Option } from 'commander';
import { categoriesCommand } from './commands/categories.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import { finetuneDataCommand } from './commands/finetuneData.js';
import { parseCommand } from './commands/parse.js';
import { replayCommand } from './commands/replay.js';
import { serveCommand } from './commands/serve.js';
import { synthCommand } from './commands/synth.js';
import { tokensCommand } from './commands/tokens.js';
import { modelCommand, trainCommand } from './commands/train.js';
import { collect } from './context.js';

/** The `logtriage` command line. */
export function buildProgram(): Command {
  const program = new Command('logtriage')
    .description('find anomalies in log streams and explain them')
    .version('0.1.0')
    .option('-c, --config <file>', 'YAML or JSON config file (default: $LOGTRIAGE_CONFIG)')
    .option('--set <section.field=value>', 'override one config field, e.g. --set templates.depth=5 (repeatable)', collect, [])
    .addOption(new Option('--log-level <level>', 'structured log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError();
  program.addCommand(demoCommand());
  program.addCommand(serveCommand());
  program.addCommand(replayCommand());
  program.addCommand(parseCommand());
  program.addCommand(synthCommand());
  program.addCommand(trainCommand());
  program.addCommand(evalCommand());
  program.addCommand(modelCommand());
  program.addCommand(configCommand());
  program.addCommand(doctorCommand());
  program.addCommand(tokensCommand());
  program.addCommand(finetuneDataCommand());
  program.addCommand(categoriesCommand());
  return program;
}

