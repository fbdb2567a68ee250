import { Command } from 'commander';

/** Placeholder replaced below once the synthetic generator lands. */
export function synthCommand(): Command {
  return new Command('synth');
}
