#!/usr/bin/env node
import { LogtriageError } from '../util/errors.js';
import { buildProgram } from './program.js';

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof LogtriageError) {
      process.stderr.write(`logtriage: ${error.message}\n`);
      process.exit(error.code === 'CONFIG_INVALID' ? 2 : 1);
    }
    throw error;
  }
}

await main();
