/**
 * Receives one line: the bytes `bytes[start, end)` (no `\n`, no trailing `\r`, at most
 * `maxLineBytes`, cut on a UTF-8 character boundary) and `fullBytes`, the length the line had
 * before it was cut. `fullBytes > end - start` means the line was truncated.
 */
export type LineSink = (bytes: Buffer, start: number, end: number, fullBytes: number) => void;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Where to cut `bytes` so that at most `limit - start` bytes remain without splitting a UTF-8
 * character: back from `limit` over at most three continuation bytes (`10xxxxxx`).
 */
function utf8CutPoint(bytes: Buffer, start: number, limit: number): number {
  let cut = limit;
  for (let step = 0; step < 3 && cut > start && (bytes[cut]! & 0xc0) === 0x80; step++) cut--;
  // Still inside a run of continuation bytes: not UTF-8 anyway, so any cut is as good as another.
  return (bytes[cut]! & 0xc0) === 0x80 ? limit : cut;
}

/**
 * Splits a stream of byte chunks into lines on `\n`, dropping a trailing `\r`. Memory per line is
 * bounded: of a line longer than `maxLineBytes` only the first `maxLineBytes + 1` bytes are ever
 * held (the extra byte tells a CRLF line of exactly `maxLineBytes` from a longer one), the rest is
 * counted and dropped up to the next newline.
 */
export class LineSplitter {
  private readonly keepBytes: number;
  private parts: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes of the unfinished line seen so far, held or dropped. */
  private seenBytes = 0;

  /** @param maxLineBytes longest line passed on, in bytes (at least 4, one UTF-8 character). */
  constructor(readonly maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) throw new RangeError(`maxLineBytes must be an integer >= 4, found ${maxLineBytes}`);
    this.keepBytes = maxLineBytes + 1;
  }

  /** Splits `chunk`, calling `sink` for each line it completes. */
  push(chunk: Buffer, sink: LineSink): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      const newline = chunk.indexOf(LF, pos);
      if (newline === -1) {
        this.hold(chunk, pos, length);
        return;
      }
      if (this.seenBytes === 0) {
        this.emit(chunk, pos, newline, newline - pos, sink);
      } else {
        this.hold(chunk, pos, newline);
        this.flush(sink);
      }
      pos = newline + 1;
    }
  }

  /** Passes on the last line when the input did not end with a newline. */
  end(sink: LineSink): void {
    if (this.seenBytes > 0) this.flush(sink);
  }

  private hold(chunk: Buffer, start: number, end: number): void {
    this.seenBytes += end - start;
    const room = this.keepBytes - this.heldBytes;
    if (room <= 0 || end === start) return;
    const take = Math.min(room, end - start);
    // Copied, not sliced: the caller may reuse its chunk, and a slice would pin the whole chunk.
    this.parts.push(Buffer.from(chunk.subarray(start, start + take)));
    this.heldBytes += take;
  }

  private flush(sink: LineSink): void {
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.heldBytes);
    const seen = this.seenBytes;
    this.parts = [];
    this.heldBytes = 0;
    this.seenBytes = 0;
    this.emit(bytes, 0, bytes.length, seen, sink);
  }

  private emit(bytes: Buffer, start: number, end: number, fullBytes: number, sink: LineSink): void {
    let stop = end;
    let full = fullBytes;
    // A dropped tail holds the `\r`, if any; the line is truncated either way.
    if (full === stop - start && stop > start && bytes[stop - 1] === CR) {
      stop--;
      full--;
    }
    if (stop - start > this.maxLineBytes) stop = utf8CutPoint(bytes, start, start + this.maxLineBytes);
    sink(bytes, start, stop, full);
  }
}
