import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { float16Bits, GgufError, GgufWriter, readGgufHeader } from '../../../src/triage/gguf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'logtriage-gguf-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('GgufWriter', () => {
  it('encodes a one-key file byte for byte as the GGUF spec lays it out', () => {
    const bytes = new GgufWriter().set('a.b', 'uint32', 0x01020304).toBuffer();
    const expected = Buffer.concat([
      Buffer.from('GGUF', 'latin1'),
      Buffer.from([3, 0, 0, 0]), // version
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), // tensor count
      Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), // key/value count
      Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('a.b'), // key: u64 length + bytes, no NUL
      Buffer.from([4, 0, 0, 0]), // GGUF_TYPE_UINT32
      Buffer.from([4, 3, 2, 1]), // little-endian value
    ]);
    // Like ggml's own writer, zero padding up to the alignment ends the header even without tensors.
    expect(expected.length).toBe(43);
    expect(bytes.toString('hex')).toBe(Buffer.concat([expected, Buffer.alloc(64 - 43)]).toString('hex'));
  });

  it('writes every value type and tensors that two independent readers read back', async () => {
    const embedding = Float32Array.from({ length: 6 * 3 }, (_, i) => i / 7 - 1);
    const norm = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const half = Float32Array.from([1, -2, 0.5, 65504, 1e-8, 0.1, 3.25, -0.0]);
    const writer = new GgufWriter()
      .set('general.architecture', 'string', 'llama')
      .set('t.u8', 'uint8', 255)
      .set('t.i8', 'int8', -128)
      .set('t.u16', 'uint16', 65535)
      .set('t.i16', 'int16', -32768)
      .set('t.u32', 'uint32', 4294967295)
      .set('t.i32', 'int32', -2147483648)
      .set('t.f32', 'float32', 1e-5)
      .set('t.f64', 'float64', Math.PI)
      .set('t.bool', 'bool', true)
      .set('t.u64', 'uint64', 2n ** 63n + 5n)
      .set('t.i64', 'int64', -42)
      .set('t.string', 'string', '数据库连接失败 🚀')
      .setArray('t.strings', 'string', ['<unk>', '', '▁the'])
      .setArray('t.ints', 'int32', [1, -2, 3])
      .setArray('t.floats', 'float32', [0.5, -1.5])
      .setArray('t.empty', 'uint32', [])
      .addTensor('token_embd.weight', [6, 3], embedding)
      .addTensor('norm.weight', [6], norm)
      .addTensor('half.weight', [8], half, 'F16');
    const path = join(dir, 'all-types.gguf');
    const size = await writer.write(path);

    const header = readGgufHeader(path);
    expect(header.fileSize).toBe(size);
    expect(header.version).toBe(3);
    expect(header.alignment).toBe(32);
    expect(header.metadata).toMatchObject({
      'general.architecture': 'llama',
      't.u8': 255, 't.i8': -128, 't.u16': 65535, 't.i16': -32768, 't.u32': 4294967295, 't.i32': -2147483648,
      't.f64': Math.PI, 't.bool': true, 't.u64': 2n ** 63n + 5n, 't.i64': -42, 't.string': '数据库连接失败 🚀',
      't.strings': ['<unk>', '', '▁the'], 't.ints': [1, -2, 3], 't.floats': [0.5, -1.5], 't.empty': [],
    });
    expect(header.metadata['t.f32']).toBeCloseTo(1e-5, 10);
    expect(header.tensors.map((t) => [t.name, t.shape, t.typeName, t.offset, t.bytes])).toEqual([
      ['token_embd.weight', [6, 3], 'F32', 0, 72],
      ['norm.weight', [6], 'F32', 96, 24], // 72 bytes padded to 96
      ['half.weight', [8], 'F16', 128, 16],
    ]);
    expect(header.dataOffset % 32).toBe(0);

    const file = writer.toBuffer();
    const at = (t: number) => header.dataOffset + header.tensors[t]!.offset;
    expect(Array.from({ length: 18 }, (_, i) => file.readFloatLE(at(0) + 4 * i))).toEqual(Array.from(embedding));
    expect(Array.from({ length: 6 }, (_, i) => file.readFloatLE(at(1) + 4 * i))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file.subarray(at(0) + 72, at(1)).every((b) => b === 0)).toBe(true);
    const halves = Array.from({ length: 8 }, (_, i) => halfToNumber(file.readUInt16LE(at(2) + 2 * i)));
    halves.forEach((h, i) => expect(h).toBeCloseTo(half[i]!, 2));

    // node-llama-cpp's own parser, written independently of this one.
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    expect(info.version).toBe(3);
    expect(info.tensorCount).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    const t = (info.metadata as unknown as { t: Record<string, unknown> }).t;
    expect(t).toMatchObject({ u32: 4294967295, i32: -2147483648, bool: true, string: '数据库连接失败 🚀', strings: ['<unk>', '', '▁the'], ints: [1, -2, 3] });
    expect(info.tensorInfo?.map((x) => [x.name, x.dimensions.map(Number), x.ggmlType, Number(x.offset)])).toEqual([
      ['token_embd.weight', [6, 3], 0, 0],
      ['norm.weight', [6], 0, 96],
      ['half.weight', [8], 1, 128],
    ]);
  });

  it('stores a non-default alignment as general.alignment and aligns the data section and every tensor to it', () => {
    const writer = new GgufWriter({ alignment: 64 }).addTensor('a', [3], new Float32Array(3)).addTensor('b', [20], new Float32Array(20).fill(1));
    const path = join(dir, 'aligned.gguf');
    writeFileSync(path, writer.toBuffer());
    const header = readGgufHeader(path);
    expect(header.metadata['general.alignment']).toBe(64);
    expect(header.alignment).toBe(64);
    expect(header.dataOffset % 64).toBe(0);
    expect(header.tensors.map((t) => t.offset)).toEqual([0, 64]);
    expect(header.fileSize).toBe(header.dataOffset + 64 + 128);
  });

  it('refuses what llama.cpp would refuse, saying what was expected', () => {
    const w = new GgufWriter().set('k', 'string', 'v');
    expect(() => w.set('k', 'string', 'again')).toThrow(/"k" was set twice/);
    expect(() => w.set('general.alignment', 'uint32', 64)).toThrow(/pass \{ alignment \}/);
    expect(() => w.set('u', 'uint32', -1)).toThrow(/integer in \[0, 4294967295\]; found -1/);
    expect(() => w.set('u', 'uint32', 2 ** 32)).toThrow(GgufError);
    expect(() => w.set('i', 'int32', 1.5)).toThrow(/found 1.5/);
    expect(() => w.setArray('s', 'string', ['a', 1 as unknown as string])).toThrow(/"s\[1\]" of type string must be a string/);
    expect(() => w.set('b', 'uint64', -1n)).toThrow(/in \[0, 18446744073709551615\]/);
    expect(() => w.addTensor('t', [2, 3], new Float32Array(5))).toThrow(/needs 6 elements; found 5/);
    expect(() => w.addTensor('x'.repeat(64), [1], new Float32Array(1))).toThrow(/1 to 63 UTF-8 bytes/);
    expect(() => w.addTensor('t5', [1, 1, 1, 1, 1], new Float32Array(1))).toThrow(/1 to 4 dimensions; found 5/);
    expect(() => w.addTensor('t0', [0, 2], new Float32Array(0))).toThrow(/positive integers/);
    w.addTensor('t', [1], new Float32Array(1));
    expect(() => w.addTensor('t', [1], new Float32Array(1))).toThrow(/added twice/);
    expect(() => new GgufWriter({ alignment: 48 })).toThrow(/power of two/);
  });
});

describe('float16Bits', () => {
  it('rounds to nearest even, keeps signed zero, subnormals, infinities and NaN (vectors from Python struct "e")', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [0.1, 0x2e66],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
      [-0, 0x8000], [6.1e-5, 0x03ff], [2 ** -14, 0x0400], [1e-8, 0x0000], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect([value, float16Bits(value)]).toEqual([value, bits]);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });
});

describe('readGgufHeader', () => {
  const good = new GgufWriter()
    .set('general.architecture', 'string', 'llama')
    .setArray('tokenizer.ggml.tokens', 'string', Array.from({ length: 200 }, (_, i) => `token${i}`))
    .addTensor('a.weight', [64, 16], new Float32Array(1024).fill(0.5))
    .toBuffer();
  const file = (name: string, bytes: Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('names a file that is not GGUF by what it starts with', () => {
    expect(() => readGgufHeader(file('magic.gguf', Buffer.concat([Buffer.from('GGUX'), good.subarray(4)])))).toThrow(
      /is not a GGUF file: it starts with "GGUX" \(47 47 55 58\), not "GGUF"/,
    );
    expect(() => readGgufHeader(file('empty.gguf', Buffer.alloc(0)))).toThrow(/is not a GGUF file: .*empty/);
    expect(() => readGgufHeader(file('json.gguf', Buffer.from('{"not": "a model"}')))).toThrow(/starts with "\{\\"no"/);
  });

  it('says where a file cut off inside the metadata, the tensor infos or the data ends', () => {
    expect(() => readGgufHeader(file('cut-meta.gguf', good.subarray(0, 600)))).toThrow(
      /is truncated.*tokenizer\.ggml\.tokens.*the file has 600 bytes/,
    );
    const header = readGgufHeader(file('good.gguf', good));
    expect(() => readGgufHeader(file('cut-data.gguf', good.subarray(0, good.length - 100)))).toThrow(
      new RegExp(`is truncated: the data of tensor "a.weight" ends at byte ${header.dataOffset + 4096} but the file has ${good.length - 100} bytes \\(100 missing\\)`),
    );
    expect(() => readGgufHeader(file('cut-header.gguf', good.subarray(0, 10)))).toThrow(/is truncated: the tensor count needs bytes 8–16/);
  });

  it('rejects versions llama.cpp does not read and files that are not there', () => {
    const v9 = Buffer.from(good);
    v9.writeUInt32LE(9, 4);
    expect(() => readGgufHeader(file('v9.gguf', v9))).toThrow(/GGUF version 9; llama.cpp reads versions 2 and 3/);
    const swapped = Buffer.from(good);
    swapped.writeUInt32BE(3, 4);
    expect(() => readGgufHeader(file('be.gguf', swapped))).toThrow(/big-endian/);
    expect(() => readGgufHeader(join(dir, 'missing.gguf'))).toThrow(/cannot open it \(ENOENT\)/);
  });
});
