import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createReadStats, readLines, type SourceLine } from '../../src/ingest/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'logtriage-ingest-'));

function tempFile(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

async function collect(iterable: AsyncIterable<SourceLine>): Promise<SourceLine[]> {
  const out: SourceLine[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A stream that hands out `data` in chunks of `size` bytes, like a pipe would. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

describe('readLines', () => {
  it('reads a plain file line by line with 1-based line numbers', async () => {
    const path = tempFile('plain.log', 'first\nsecond\nthird\n');
    const reader = readLines(path);
    expect(await collect(reader)).toEqual([
      { line: 'first', lineNumber: 1 },
      { line: 'second', lineNumber: 2 },
      { line: 'third', lineNumber: 3 },
    ]);
    expect(reader.stats).toMatchObject({ lines: 3, events: 3, emptySkipped: 0 });
  });

  it('keeps a last line that has no newline', async () => {
    const lines = await collect(readLines(tempFile('nolf.log', 'a\nb')));
    expect(lines.map((l) => l.line)).toEqual(['a', 'b']);
  });

  it('strips the \\r of CRLF line ends, also when \\r and \\n fall in different chunks', async () => {
    const data = Buffer.from('one\r\ntwo\r\nthree\r\n');
    for (const size of [1, 2, 4, 5, 64]) {
      const lines = await collect(readLines(chunked(data, size)));
      expect(lines.map((l) => l.line)).toEqual(['one', 'two', 'three']);
    }
  });

  it('keeps a \\r that is not at the end of the line', async () => {
    const lines = await collect(readLines(Readable.from([Buffer.from('progress 10%\rprogress 20%\n')])));
    expect(lines[0]!.line).toBe('progress 10%\rprogress 20%');
  });

  it('gunzips a .gz file', async () => {
    const path = tempFile('app.log.gz', gzipSync('alpha\nbeta\n'));
    expect((await collect(readLines(path))).map((l) => l.line)).toEqual(['alpha', 'beta']);
  });

  it('detects gzip by its magic bytes, whatever the file name', async () => {
    const path = tempFile('rotated.log.1', gzipSync('compressed but not named so\n'));
    expect((await collect(readLines(path))).map((l) => l.line)).toEqual(['compressed but not named so']);
  });

  it('gunzips a stream whose magic bytes arrive in separate chunks', async () => {
    const gz = gzipSync('x=1\ny=2\n');
    expect((await collect(readLines(chunked(gz, 1)))).map((l) => l.line)).toEqual(['x=1', 'y=2']);
  });

  it('reads concatenated gzip members (cat a.gz b.gz)', async () => {
    const path = tempFile('two.gz', Buffer.concat([gzipSync('from a\n'), gzipSync('from b\n')]));
    expect((await collect(readLines(path))).map((l) => l.line)).toEqual(['from a', 'from b']);
  });

  it('reads "-" from standard input', async () => {
    const stdin = new PassThrough();
    const reading = collect(readLines('-', { stdin }));
    stdin.write('piped 1\npiped ');
    stdin.end('2\n');
    expect((await reading).map((l) => l.line)).toEqual(['piped 1', 'piped 2']);
  });

  it('reads a stream of strings as well as of bytes', async () => {
    const lines = await collect(readLines(Readable.from(['a\nb', 'c\n'], { objectMode: true })));
    expect(lines.map((l) => l.line)).toEqual(['a', 'bc']);
  });

  it('skips empty and whitespace-only lines, counting them and keeping line numbers right', async () => {
    const reader = readLines(Readable.from([Buffer.from('a\n\n   \n\t\r\nb\n')]));
    expect(await collect(reader)).toEqual([
      { line: 'a', lineNumber: 1 },
      { line: 'b', lineNumber: 5 },
    ]);
    expect(reader.stats).toMatchObject({ lines: 5, events: 2, emptySkipped: 3 });
  });

  it('keeps a line with invalid UTF-8, with U+FFFD in place of the bad bytes, and counts it', async () => {
    const data = Buffer.concat([Buffer.from('caf'), Buffer.from([0xc3]), Buffer.from(' au lait\n'), Buffer.from('ok\n')]);
    const reader = readLines(Readable.from([data]));
    expect((await collect(reader)).map((l) => l.line)).toEqual(['caf\uFFFD au lait', 'ok']);
    expect(reader.stats.invalidUtf8).toBe(1);
    expect(reader.stats.samples.invalidUtf8).toEqual([{ lineNumber: 1, reason: 'invalid UTF-8 replaced by U+FFFD' }]);
  });

  it('does not count a U+FFFD that the source really wrote as invalid', async () => {
    const reader = readLines(Readable.from([Buffer.from('replacement \uFFFD char\n')]));
    expect((await collect(reader))[0]!.line).toBe('replacement \uFFFD char');
    expect(reader.stats.invalidUtf8).toBe(0);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const lines = await collect(readLines(chunked(Buffer.from('naïve 日本語 ✓\n'), 1)));
    expect(lines[0]!.line).toBe('naïve 日本語 ✓');
  });

  it('skips binary junk: lines with NUL bytes or mostly control characters', async () => {
    const junk = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x0a]);
    const controls = Buffer.from([0x01, 0x02, 0x03, 0x04, 0x41, 0x05, 0x06, 0x0a]);
    const random = Buffer.from([0xff, 0xfe, 0x81, 0x92, 0xa0, 0x0b, 0xc0, 0x0a]);
    const data = Buffer.concat([Buffer.from('before\n'), junk, controls, random, Buffer.from('\x1b[32mINFO\x1b[0m coloured\n')]);
    const reader = readLines(Readable.from([data]));
    expect((await collect(reader)).map((l) => l.line)).toEqual(['before', '\x1b[32mINFO\x1b[0m coloured']);
    expect(reader.stats).toMatchObject({ lines: 5, binarySkipped: 3, invalidUtf8: 0 });
    expect(reader.stats.samples.binarySkipped.map((s) => s.lineNumber)).toEqual([2, 3, 4]);
  });

  it('caps a 10 MB line at maxLineBytes, counts it as truncated and reads the next line', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 'x');
    const path = tempFile('huge.log', Buffer.concat([Buffer.from('short\n'), huge, Buffer.from('\r\nafter\n')]));
    const reader = readLines(path, { maxLineBytes: 65536 });
    const lines = await collect(reader);
    expect(lines.map((l) => [l.lineNumber, l.line.length])).toEqual([
      [1, 5],
      [2, 65536],
      [3, 5],
    ]);
    expect(lines[2]!.line).toBe('after');
    expect(reader.stats.truncated).toBe(1);
    expect(reader.stats.samples.truncated[0]).toEqual({ lineNumber: 2, reason: '10,485,761 bytes cut to 65,536 bytes' });
  });

  it('caps a long line that arrives in small chunks the same way', async () => {
    const data = Buffer.concat([Buffer.alloc(5000, 'y'), Buffer.from('\nnext\n')]);
    const reader = readLines(chunked(data, 333), { maxLineBytes: 1000 });
    const lines = await collect(reader);
    expect(lines.map((l) => l.line.length)).toEqual([1000, 4]);
    expect(reader.stats.truncated).toBe(1);
  });

  it('cuts a long line on a UTF-8 character boundary', async () => {
    // 'é' is 2 bytes: 300 of them are 600 bytes; a 257-byte cap falls inside the 129th.
    const reader = readLines(Readable.from([Buffer.from(`${'é'.repeat(300)}\n`)]), { maxLineBytes: 257 });
    const [line] = await collect(reader);
    expect(line!.line).toBe('é'.repeat(128));
    expect(reader.stats).toMatchObject({ truncated: 1, invalidUtf8: 0 });
  });

  it('does not count a CRLF line of exactly maxLineBytes as truncated', async () => {
    const reader = readLines(chunked(Buffer.from(`${'z'.repeat(300)}\r\n`), 7), { maxLineBytes: 300 });
    const [line] = await collect(reader);
    expect(line!.line.length).toBe(300);
    expect(reader.stats.truncated).toBe(0);
  });

  it('drops a UTF-8 byte order mark at the start', async () => {
    const lines = await collect(readLines(Readable.from([Buffer.from('\uFEFFfirst\nsecond\n')])));
    expect(lines.map((l) => l.line)).toEqual(['first', 'second']);
  });

  it('refuses UTF-16 input with advice instead of skipping every line as binary', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello\n', 'utf16le')]);
    await expect(collect(readLines(Readable.from([utf16])))).rejects.toThrow(/UTF-16.*iconv/);
  });

  it('throws InputError naming a missing file', async () => {
    const missing = join(dir, 'nope.log');
    const error = await collect(readLines(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`cannot read ${missing}: no such file; check the path`);
  });

  it('throws InputError for a gzip file cut short, after the lines before the damage', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'pad'.repeat(20)}`).join('\n');
    const gz = gzipSync(lines);
    const path = tempFile('cut.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const { line } of readLines(path)) seen.push(line);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/gzip data is corrupt or cut short/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toBe(`line 0 ${'pad'.repeat(20)}`);
  });

  it('gives the same lines and counts for any chunking of the input', async () => {
    const data = Buffer.from(`a\r\n\n${'é'.repeat(80)}\r\nplain\n${'q'.repeat(150)}\n  \nend`);
    const expected = await collect(readLines(Readable.from([data]), { maxLineBytes: 100 }));
    expect(expected.map((l) => l.lineNumber)).toEqual([1, 3, 4, 5, 7]);
    for (const size of [1, 2, 3, 7, 50, 99, 100, 101, 1000]) {
      const reader = readLines(chunked(data, size), { maxLineBytes: 100 });
      expect(await collect(reader), `chunks of ${size}`).toEqual(expected);
      expect(reader.stats).toMatchObject({ lines: 7, emptySkipped: 2, truncated: 2 });
    }
  });

  it('adds to the stats object it is given', async () => {
    const stats = createReadStats();
    await collect(readLines(Readable.from([Buffer.from('a\n\n')]), { stats }));
    await collect(readLines(Readable.from([Buffer.from('b\n')]), { stats }));
    expect(stats).toMatchObject({ lines: 3, events: 2, emptySkipped: 1 });
  });

  it('stops reading a gzip file when the consumer stops', async () => {
    const path = tempFile('many.gz', gzipSync('y\n'.repeat(200_000)));
    const reader = readLines(path);
    for await (const { lineNumber } of reader) if (lineNumber === 3) break;
    expect(reader.stats.events).toBe(3);
    expect(reader.stats.lines).toBeLessThan(200_000);
  });

  it('stops reading when the consumer stops', async () => {
    const path = tempFile('many.log', 'x\n'.repeat(100_000));
    const reader = readLines(path, { readChunkBytes: 4096 });
    for await (const { lineNumber } of reader) if (lineNumber === 10) break;
    expect(reader.stats.events).toBe(10);
    expect(reader.stats.lines).toBeLessThan(100_000);
  });
});
