import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerSettings {
  /** pino level: trace, debug, info, warn, error, fatal or silent. Default `info`. */
  level?: string;
  /** Where JSON lines go. Default: standard error, so standard output stays for command results. */
  destination?: NodeJS.WritableStream;
}

/** The service's structured JSON logger (pino). One per process; stages take child loggers. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'logtriage' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, (settings.destination ?? process.stderr) as DestinationStream);
}

/** A logger that discards everything, for library use and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
