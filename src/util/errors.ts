/**
 * Base class of every error logtriage raises on purpose. `code` is stable and machine-readable;
 * the message says what was expected, what was found and what to do.
 */
export class LogtriageError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The configuration (file, environment or flags) does not fit the schema. */
export class ConfigError extends LogtriageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Input data (a log file, a snapshot, a format string) cannot be used as given. */
export class InputError extends LogtriageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INPUT_INVALID', message, options);
  }
}
