/**
 * logtriage as a library: configuration, readers, the template miner, sessions and the synthetic
 * data generator. The CLI (`logtriage`) is built on the same exports.
 */
export * from './config/index.js';
export * from './ingest/index.js';
export * from './templates/index.js';
export * from './sessions/index.js';
export * from './synthetic/index.js';
export { LogtriageError, ConfigError, InputError } from './util/errors.js';
export { createLogger, silentLogger, type Logger, type LoggerSettings } from './util/logger.js';
export { createProgress, type Progress, type ProgressOptions } from './util/progress.js';
