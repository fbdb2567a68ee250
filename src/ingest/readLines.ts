import { isUtf8 } from 'node:buffer';
import { ingestConfigSchema } from '../config/ingest.js';
import { InputError } from '../util/errors.js';
import { describeByteSource, openByteSource, type ByteSource } from './byteSource.js';
import { LineSplitter } from './lineSplitter.js';
import { createReadStats, recordIssue, type ReadStats } from './readStats.js';

/** One line of text as read, with its place in the source. */
export interface SourceLine {
  /** The line without its newline (and without a trailing `\r`), possibly truncated. */
  line: string;
  /** 1-based number of the physical line in the source, counting skipped lines. */
  lineNumber: number;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Longest line kept, in bytes; the rest of a longer line is dropped. Default: the config default (64 KiB). */
  maxLineBytes?: number;
  /** Counters to add to; a fresh one is made when absent. Also available as `.stats` of the result. */
  stats?: ReadStats;
  /** Standard input, for the `-` source. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** Bytes read from a file at a time. Default 256 KiB. */
  readChunkBytes?: number;
}

/** An async iteration that also exposes the counters it fills in. */
export type WithStats<T> = AsyncGenerator<T, void, undefined> & { readonly stats: ReadStats };

/** Default of `maxLineBytes`, from the config schema so the two never disagree. */
export const DEFAULT_MAX_LINE_BYTES: number = ingestConfigSchema.parse({}).maxLineBytes;

// C0 controls other than tab, LF, CR, plus DEL. Form feed and vertical tab count: text rarely has them.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const REPLACEMENT = /\uFFFD/g;
const NOT_SPACE = /\S/;
/** Share of control or undecodable characters above which a line is binary junk, not text. */
const BINARY_SHARE = 0.3;

function countMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let n = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** Decodes, classifies and counts the lines of the splitter; collects the kept ones in `batch`. */
class LineClassifier {
  batch: SourceLine[] = [];
  private lineNumber = 0;

  constructor(
    private readonly stats: ReadStats,
    private readonly sourceName: string,
  ) {}

  readonly accept = (bytes: Buffer, start: number, end: number, fullBytes: number): void => {
    const lineNumber = ++this.lineNumber;
    this.stats.lines++;
    if (lineNumber === 1) this.checkEncoding(bytes, start, end);
    let line = bytes.toString('utf8', start, end);
    if (lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    // Most lines start with a printable ASCII byte; only the others need the Unicode-aware test.
    const first = bytes[start] ?? 0;
    if ((first <= 0x20 || first >= 0x7f) && !NOT_SPACE.test(line)) {
      recordIssue(this.stats, 'emptySkipped', lineNumber, 'empty line');
      return;
    }
    // U+FFFD in the text is either a decoding error or an honest U+FFFD written by the source.
    const invalid = line.includes('\uFFFD') && !isUtf8(bytes.subarray(start, end));
    if (invalid || CONTROL.test(line)) {
      const junk = countMatches(line, CONTROLS) + (invalid ? countMatches(line, REPLACEMENT) : 0);
      if (line.includes('\0') || junk > line.length * BINARY_SHARE) {
        recordIssue(this.stats, 'binarySkipped', lineNumber, 'binary data');
        return;
      }
    }
    if (invalid) recordIssue(this.stats, 'invalidUtf8', lineNumber, 'invalid UTF-8 replaced by U+FFFD');
    if (fullBytes > end - start) {
      recordIssue(this.stats, 'truncated', lineNumber, `${plural(fullBytes, 'byte')} cut to ${plural(end - start, 'byte')}`);
    }
    this.batch.push({ line, lineNumber });
  };

  private checkEncoding(bytes: Buffer, start: number, end: number): void {
    if (end - start < 2) return;
    const b0 = bytes[start]!;
    const b1 = bytes[start + 1]!;
    if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
      throw new InputError(`cannot read ${this.sourceName}: it is UTF-16 text (byte order mark ${b0.toString(16)} ${b1.toString(16)}); convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8`);
    }
  }
}

/** Attaches `stats` to a generator so a caller holding only the result can read the counters. */
export function withStats<T>(generator: AsyncGenerator<T, void, undefined>, stats: ReadStats): WithStats<T> {
  return Object.assign(generator, { stats });
}

/**
 * The kept lines of `source` a chunk at a time (one array per chunk read, never empty), counting
 * into `stats` everything but `events`: the building block of the readers, which then pay for one
 * async step per chunk rather than per line.
 */
export async function* readLineBatches(source: ByteSource, options: ReadLinesOptions, stats: ReadStats): AsyncGenerator<SourceLine[], void, undefined> {
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const classifier = new LineClassifier(stats, describeByteSource(source));
  const byteOptions = { ...(options.stdin ? { stdin: options.stdin } : {}), ...(options.readChunkBytes ? { readChunkBytes: options.readChunkBytes } : {}) };
  for await (const chunk of openByteSource(source, byteOptions)) {
    splitter.push(chunk, classifier.accept);
    if (classifier.batch.length > 0) {
      const batch = classifier.batch;
      classifier.batch = [];
      yield batch;
    }
  }
  splitter.end(classifier.accept);
  if (classifier.batch.length > 0) yield classifier.batch;
}

/**
 * Reads text lines from a file (plain or gzip, detected by its magic bytes), `-` (standard input)
 * or a byte stream. Never holds more than `maxLineBytes + 1` bytes of one line: longer lines are
 * cut on a UTF-8 character boundary and counted as `truncated`. Invalid UTF-8 becomes U+FFFD
 * (`invalidUtf8`, kept); binary junk (`binarySkipped`) and blank lines (`emptySkipped`) are
 * skipped. Lines passed on are counted in `stats.events`.
 * A missing file, a corrupt gzip stream or UTF-16 input throws {@link InputError} from the
 * iteration.
 */
export function readLines(source: ByteSource, options: ReadLinesOptions = {}): WithStats<SourceLine> {
  const stats = options.stats ?? createReadStats();
  async function* lines(): AsyncGenerator<SourceLine, void, undefined> {
    for await (const batch of readLineBatches(source, options, stats)) {
      for (const line of batch) {
        stats.events++;
        yield line;
      }
    }
  }
  return withStats(lines(), stats);
}
