import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../util/errors.js';

/** Where lines come from: a file path, `-` for standard input, or an already open byte stream. */
export type ByteSource = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

/** Options of {@link openByteSource}. */
export interface OpenByteSourceOptions {
  /** Bytes read from a file at a time. Default 256 KiB (measured fastest: larger batches of lines outlive the young GC generation). */
  readChunkBytes?: number;
  /** Standard input, for the `-` source. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** How a source is named in messages: the path, `stdin`, or `stream`. */
export function describeByteSource(source: ByteSource): string {
  if (source === '-') return 'stdin';
  return typeof source === 'string' ? source : 'stream';
}

async function* asBuffers(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (Buffer.isBuffer(chunk)) yield chunk;
    else yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** `head`, then the rest of `rest`; closes `rest` when stopped early. */
async function* prepend(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.(undefined);
  }
}

function readError(name: string, error: unknown): InputError {
  if (error instanceof InputError) return error;
  if (!(error instanceof Error)) return new InputError(`cannot read ${name}: ${String(error)}`, { cause: error });
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new InputError(`cannot read ${name}: no such file; check the path`, { cause: error });
  if (err.code === 'EISDIR') return new InputError(`cannot read ${name}: it is a directory; give a log file`, { cause: error });
  if (err.code === 'EACCES') return new InputError(`cannot read ${name}: permission denied`, { cause: error });
  if (err.code?.startsWith('Z_')) {
    return new InputError(`cannot read ${name}: the gzip data is corrupt or cut short (${err.message}); lines before the damage were read`, { cause: error });
  }
  return new InputError(`cannot read ${name}: ${err.message}`, { cause: error });
}

/**
 * The bytes of `source` as Buffers, gunzipped when they start with the gzip magic bytes (whatever
 * the file is called). Errors (missing file, corrupt gzip) surface as {@link InputError} from the
 * iteration. Breaking out of the iteration closes the file.
 */
export async function* openByteSource(source: ByteSource, options: OpenByteSourceOptions = {}): AsyncGenerator<Buffer> {
  const name = describeByteSource(source);
  let stream: AsyncIterable<Uint8Array | string>;
  if (source === '-') stream = options.stdin ?? process.stdin;
  else if (typeof source === 'string') stream = createReadStream(source, { highWaterMark: options.readChunkBytes ?? 256 * 1024 });
  else stream = source as AsyncIterable<Uint8Array | string>;

  const chunks = asBuffers(stream)[Symbol.asyncIterator]();
  let handedOff = false;
  try {
    // The magic number may be split across chunks on a pipe; gather at least two bytes first.
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = head.length === 1 ? head[0]! : Buffer.concat(head);
    const gzip = first.length >= 2 && first[0] === GZIP_MAGIC_0 && first[1] === GZIP_MAGIC_1;
    if (!gzip) {
      yield* prepend(head, chunks);
      return;
    }
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    // pipeline forwards a failure of either side to the gunzip stream, where the loop below sees
    // it, and closes the source when the loop stops early.
    handedOff = true;
    pipeline(Readable.from(prepend(head, chunks)), gunzip, () => {});
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw readError(name, error);
  } finally {
    if (!handedOff) await chunks.return?.(undefined);
  }
}
