import { LogtriageError } from '../../util/errors.js';

/**
 * A GGUF file cannot be written or read as given: a bad key, value, tensor shape or a file that is
 * not GGUF (wrong magic, unsupported version, truncated). `code` is `GGUF_INVALID`.
 */
export class GgufError extends LogtriageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GGUF_INVALID', message, options);
  }
}
