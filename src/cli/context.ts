import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../util/logger.js';

/** Options every command accepts (defined on the root program). */
export interface GlobalOptions {
  config?: string;
  set: string[];
  logLevel?: string;
}

/** The effective config for a command: file, environment, `--set`, then the command's own flags. */
export function configFor(command: Command, overrides: Record<string, unknown> = {}): Config {
  const global = command.optsWithGlobals<GlobalOptions>();
  const service = global.logLevel ? { service: { logLevel: global.logLevel } } : {};
  return loadConfig({
    ...(global.config ? { file: global.config } : {}),
    assignments: global.set,
    overrides: { ...service, ...overrides },
  });
}

/** The structured logger of a command, at the configured level, on standard error. */
export function loggerFor(config: Config): Logger {
  return createLogger({ level: config.service.logLevel });
}

/** Repeatable option collector for commander. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
