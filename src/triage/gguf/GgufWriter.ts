import { rename, rm, writeFile } from 'node:fs/promises';
import { GgufError } from './GgufError.js';
import { float16Bits } from './float16.js';

/** The four bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';
/** The GGUF version this writer produces (llama.cpp reads 2 and 3). */
export const GGUF_VERSION = 3;
/** Alignment of the tensor data section and of each tensor in it, in bytes, when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml keeps tensor names in a 64-byte buffer with the terminating NUL (`GGML_MAX_NAME`). */
const MAX_TENSOR_NAME_BYTES = 63;
/** ggml tensors have at most four dimensions (`GGML_MAX_DIMS`). */
const MAX_DIMS = 4;

/** Metadata value types; the numbers are `gguf_type` from ggml's `gguf.h`. */
export const GGUF_VALUE_TYPES = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** A metadata type that is not an array. */
export type GgufScalarType = Exclude<keyof typeof GGUF_VALUE_TYPES, 'array'>;

/** The JavaScript value written for a metadata type: 64-bit integers take a `bigint` or a safe integer. */
export type GgufScalarValue<T extends GgufScalarType> = T extends 'string'
  ? string
  : T extends 'bool'
    ? boolean
    : T extends 'uint64' | 'int64'
      ? bigint | number
      : number;

/** Tensor element types this writer stores; the numbers are `ggml_type` from `ggml.h`. */
export const GGML_TYPES = { F32: 0, F16: 1 } as const;

/** `F32` (4 bytes an element) or `F16` (IEEE binary16, 2 bytes an element). */
export type GgufTensorType = keyof typeof GGML_TYPES;

/** Options of {@link GgufWriter}. */
export interface GgufWriterOptions {
  /**
   * Alignment of the data section and of every tensor in it, in bytes; a power of two. When it is not
   * the default 32 the writer stores it as `general.alignment` (uint32), which readers need to find the data.
   */
  alignment?: number;
}

interface MetadataEntry {
  key: string;
  type: GgufScalarType;
  array: boolean;
  values: readonly unknown[];
}

interface TensorEntry {
  name: string;
  shape: readonly number[];
  type: GgufTensorType;
  data: Float32Array;
}

/** One tensor as it will be laid out: `offset` is relative to the start of the data section. */
export interface GgufTensorLayout {
  name: string;
  shape: readonly number[];
  type: GgufTensorType;
  offset: number;
  bytes: number;
}

const INTEGER_RANGES: Partial<Record<GgufScalarType, readonly [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};

/**
 * Writes a GGUF v3 file: header, metadata key/values, tensor infos and the aligned tensor data.
 *
 * Layout (ggml `docs/gguf.md`, `gguf.h`; everything little-endian): magic `GGUF`, version (u32),
 * tensor count (u64), key/value count (u64); each key/value as key (string), type (u32), value; each
 * tensor info as name (string), dimension count (u32), dimensions (u64 each, `ne[0]` first, the
 * fastest-varying one), ggml type (u32), offset into the data section (u64); zero padding up to the
 * alignment; then each tensor's data, each padded to the alignment. Strings are a u64 byte length and
 * UTF-8 bytes without a NUL; bools one byte; arrays an item type (u32), a count (u64) and the items.
 * llama.cpp insists that each offset equals the padded end of the tensor before it.
 */
export class GgufWriter {
  readonly alignment: number;
  private readonly metadata = new Map<string, MetadataEntry>();
  private readonly tensors = new Map<string, TensorEntry>();

  constructor(options: GgufWriterOptions = {}) {
    const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0 || alignment > 0x80000000) {
      throw new GgufError(`alignment must be a power of two (32 by default); found ${alignment}`);
    }
    this.alignment = alignment;
  }

  /** Sets metadata `key` to one value of `type`. A key can be set once. */
  set<T extends GgufScalarType>(key: string, type: T, value: GgufScalarValue<T>): this {
    this.addMetadata(key, type, false, [value]);
    return this;
  }

  /** Sets metadata `key` to an array of `itemType` values (possibly empty). */
  setArray<T extends GgufScalarType>(key: string, itemType: T, values: readonly GgufScalarValue<T>[]): this {
    this.addMetadata(key, itemType, true, values);
    return this;
  }

  /**
   * Adds a tensor. `shape` is in ggml order: `shape[0]` is the fastest-varying dimension (a row), so a
   * PyTorch weight of shape `[out, in]` has ggml shape `[in, out]`. `data` holds the elements row by row;
   * `type` `F16` rounds them to binary16 when written.
   */
  addTensor(name: string, shape: readonly number[], data: Float32Array, type: GgufTensorType = 'F32'): this {
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (nameBytes === 0 || nameBytes > MAX_TENSOR_NAME_BYTES) {
      throw new GgufError(`tensor name must be 1 to ${MAX_TENSOR_NAME_BYTES} UTF-8 bytes; "${name}" has ${nameBytes}`);
    }
    if (this.tensors.has(name)) throw new GgufError(`tensor "${name}" was added twice; tensor names must be unique`);
    if (shape.length < 1 || shape.length > MAX_DIMS) {
      throw new GgufError(`tensor "${name}" must have 1 to ${MAX_DIMS} dimensions; found ${shape.length}`);
    }
    if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new GgufError(`tensor "${name}" dimensions must be positive integers; found [${shape.join(', ')}]`);
    }
    if (!(type in GGML_TYPES)) throw new GgufError(`tensor "${name}": type must be F32 or F16; found ${String(type)}`);
    const elements = shape.reduce((a, b) => a * b, 1);
    if (data.length !== elements) {
      throw new GgufError(`tensor "${name}" of shape [${shape.join(', ')}] needs ${elements} elements; found ${data.length}`);
    }
    this.tensors.set(name, { name, shape: [...shape], type, data });
    return this;
  }

  /** Where each tensor will lie in the data section, in the order added. */
  tensorLayout(): GgufTensorLayout[] {
    let offset = 0;
    return [...this.tensors.values()].map((t) => {
      const bytes = t.data.length * (t.type === 'F32' ? 4 : 2);
      const layout = { name: t.name, shape: t.shape, type: t.type, offset, bytes };
      offset += pad(bytes, this.alignment);
      return layout;
    });
  }

  /** The whole file. */
  toBuffer(): Buffer {
    const entries = [...this.metadata.values()];
    if (this.alignment !== GGUF_DEFAULT_ALIGNMENT) {
      entries.unshift({ key: 'general.alignment', type: 'uint32', array: false, values: [this.alignment] });
    }
    const layout = this.tensorLayout();
    const head = new ByteSink();
    head.raw(Buffer.from(GGUF_MAGIC, 'latin1'));
    head.u32(GGUF_VERSION);
    head.u64(BigInt(layout.length));
    head.u64(BigInt(entries.length));
    for (const entry of entries) {
      head.string(entry.key);
      if (entry.array) {
        head.u32(GGUF_VALUE_TYPES.array);
        head.u32(GGUF_VALUE_TYPES[entry.type]);
        head.u64(BigInt(entry.values.length));
      } else {
        head.u32(GGUF_VALUE_TYPES[entry.type]);
      }
      for (const value of entry.values) head.scalar(entry.type, value);
    }
    for (const t of layout) {
      head.string(t.name);
      head.u32(t.shape.length);
      for (const d of t.shape) head.u64(BigInt(d));
      head.u32(GGML_TYPES[t.type]);
      head.u64(BigInt(t.offset));
    }
    const headBytes = head.toBuffer();
    const dataStart = pad(headBytes.length, this.alignment);
    const last = layout[layout.length - 1];
    const dataBytes = last ? last.offset + pad(last.bytes, this.alignment) : 0;
    const out = Buffer.alloc(dataStart + dataBytes);
    headBytes.copy(out, 0);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (const t of layout) {
      const data = this.tensors.get(t.name)!.data;
      let at = dataStart + t.offset;
      if (t.type === 'F32') {
        for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i]!, true);
      } else {
        for (let i = 0; i < data.length; i++, at += 2) view.setUint16(at, float16Bits(data[i]!), true);
      }
    }
    return out;
  }

  /**
   * Writes the file to `path` through a temporary file and a rename, so that a reader never sees
   * half a model. Returns its size in bytes.
   */
  async write(path: string): Promise<number> {
    const bytes = this.toBuffer();
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return bytes.length;
  }

  private addMetadata(key: string, type: GgufScalarType, array: boolean, values: readonly unknown[]): void {
    if (key.length === 0) throw new GgufError('metadata keys must not be empty');
    if (key === 'general.alignment') {
      throw new GgufError('general.alignment is written by the writer itself; pass { alignment } to the GgufWriter constructor');
    }
    if (this.metadata.has(key)) throw new GgufError(`metadata key "${key}" was set twice; keys must be unique`);
    if (!(type in GGUF_VALUE_TYPES) || (type as string) === 'array') {
      throw new GgufError(`metadata "${key}": unknown value type ${String(type)}; nested arrays are not supported`);
    }
    values.forEach((value, i) => checkValue(array ? `${key}[${i}]` : key, type, value));
    this.metadata.set(key, { key, type, array, values: [...values] });
  }
}

function pad(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function checkValue(where: string, type: GgufScalarType, value: unknown): void {
  const fail = (expected: string): never => {
    throw new GgufError(`metadata "${where}" of type ${type} must be ${expected}; found ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`);
  };
  const range = INTEGER_RANGES[type];
  if (range) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) fail(`an integer in [${range[0]}, ${range[1]}]`);
    return;
  }
  switch (type) {
    case 'float32':
    case 'float64':
      if (typeof value !== 'number') fail('a number');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('a boolean');
      return;
    case 'string':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'uint64':
    case 'int64': {
      const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
      if (big === undefined) return fail('a bigint or a safe integer');
      const [lo, hi] = type === 'uint64' ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (big < lo || big > hi) fail(`in [${lo}, ${hi}]`);
      return;
    }
    default:
      fail('a known GGUF type');
  }
}

/** Little-endian bytes appended to growing chunks. */
class ByteSink {
  private readonly chunks: Buffer[] = [];

  raw(bytes: Buffer): void {
    this.chunks.push(bytes);
  }

  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.chunks.push(b);
  }

  u64(value: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    this.chunks.push(b);
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(BigInt(bytes.length));
    this.chunks.push(bytes);
  }

  scalar(type: GgufScalarType, value: unknown): void {
    const b = Buffer.alloc(type === 'string' ? 0 : SIZES[type]);
    switch (type) {
      case 'uint8': b.writeUInt8(value as number); break;
      case 'int8': b.writeInt8(value as number); break;
      case 'uint16': b.writeUInt16LE(value as number); break;
      case 'int16': b.writeInt16LE(value as number); break;
      case 'uint32': b.writeUInt32LE(value as number); break;
      case 'int32': b.writeInt32LE(value as number); break;
      case 'float32': b.writeFloatLE(value as number); break;
      case 'float64': b.writeDoubleLE(value as number); break;
      case 'bool': b.writeUInt8(value ? 1 : 0); break;
      case 'uint64': b.writeBigUInt64LE(BigInt(value as bigint | number)); break;
      case 'int64': b.writeBigInt64LE(BigInt(value as bigint | number)); break;
      case 'string': this.string(value as string); return;
    }
    this.chunks.push(b);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const SIZES: Record<Exclude<GgufScalarType, 'string'>, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
  bool: 1,
  uint64: 8,
  int64: 8,
};
