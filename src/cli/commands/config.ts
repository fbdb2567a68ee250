import { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { configSchema } from '../../config/index.js';
import { configReference } from '../../config/reference.js';
import { configFor } from '../context.js';

/** `logtriage config print|schema`. */
export function configCommand(): Command {
  const command = new Command('config').description('show the effective configuration or its schema');
  command
    .command('print')
    .description('print the effective config: defaults, then the file, LOGTRIAGE_* variables and flags merged in')
    .option('--json', 'print JSON instead of YAML')
    .action((options: { json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      process.stdout.write(options.json ? `${JSON.stringify(config, null, 2)}\n` : stringify(config));
    });
  command
    .command('schema')
    .description('print the config JSON schema (every field with its default and description)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(configSchema, { io: 'input' }), null, 2)}\n`);
    });
  command
    .command('reference')
    .description('print the configuration reference as Markdown (docs/configuration.md is this output)')
    .action(() => {
      process.stdout.write(configReference());
    });
  return command;
}
