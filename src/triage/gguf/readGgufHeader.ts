import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GgufError } from './GgufError.js';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPES, type GgufScalarType } from './GgufWriter.js';
import { ggmlTypeSize } from './ggmlTypes.js';

/** A metadata value as read: 64-bit integers beyond 2⁵³ come back as `bigint`. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** One tensor's description from the header. */
export interface GgufTensorInfo {
  name: string;
  /** ggml order: `shape[0]` is the fastest-varying dimension. */
  shape: number[];
  /** `ggml_type` id. */
  type: number;
  /** `F32`, `F16`, `Q4_K`, … */
  typeName: string;
  /** Offset in the data section, bytes. */
  offset: number;
  /** Size of the data, bytes. */
  bytes: number;
}

/** What {@link readGgufHeader} found. */
export interface GgufHeader {
  path: string;
  fileSize: number;
  version: number;
  alignment: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Absolute file offset of the data section, bytes. */
  dataOffset: number;
}

const TYPE_NAMES = new Map<number, GgufScalarType | 'array'>(
  Object.entries(GGUF_VALUE_TYPES).map(([name, id]) => [id, name as GgufScalarType | 'array']),
);
/** Bytes read from the file at a time. */
const CHUNK = 1 << 20;

/**
 * Reads and checks the header of a GGUF file (magic, version, metadata, tensor infos) and checks that
 * every tensor's data lies inside the file, without reading the data. Throws a {@link GgufError} that
 * says what is wrong and where.
 *
 * Why not only node-llama-cpp: its `readGgufFileInfo` accepted a file cut off inside the metadata
 * (it reported all 21 tensors of a 2,000-byte prefix of the tiny model), and its `loadModel` answers a
 * truncated or corrupt file with a bare "Failed to load model" while llama.cpp's reason goes to the log.
 */
export function readGgufHeader(path: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new GgufError(`${path}: cannot open it (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`, { cause: error });
  }
  try {
    return parse(path, new Cursor(fd, path, fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}

function parse(path: string, c: Cursor): GgufHeader {
  if (c.size < 4 || c.peek(4).toString('latin1') !== GGUF_MAGIC) {
    const head = c.peek(Math.min(4, c.size));
    throw new GgufError(
      `${path} is not a GGUF file: it starts with ${JSON.stringify(head.toString('latin1'))} (${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'empty'}), not "GGUF"; pass a .gguf model or adapter`,
    );
  }
  c.skip(4);
  const version = c.u32('the version');
  if (version !== 2 && version !== 3) {
    const hint = version > 0xffff ? ' (a byte-swapped, big-endian file?)' : version === 1 ? ' (GGUF v1 is no longer read by llama.cpp)' : '';
    throw new GgufError(`${path}: GGUF version ${version}${hint}; llama.cpp reads versions 2 and 3`);
  }
  const tensorCount = c.count('the tensor count', 8 + 4 + 4 + 8);
  const kvCount = c.count('the metadata count', 8 + 4);
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`metadata key ${i + 1} of ${kvCount}`);
    if (Object.hasOwn(metadata, key)) throw new GgufError(`${path} is corrupt: metadata key "${key}" appears twice`);
    metadata[key] = c.value(c.u32(`the type of metadata "${key}"`), `metadata "${key}"`);
  }
  const alignmentValue = metadata['general.alignment'];
  const alignment = alignmentValue === undefined ? GGUF_DEFAULT_ALIGNMENT : Number(alignmentValue);
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufError(`${path} is corrupt: general.alignment is ${String(alignmentValue)}, not a power of two`);
  }
  const tensors: GgufTensorInfo[] = [];
  let expectedOffset = 0;
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(`the name of tensor ${i + 1} of ${tensorCount}`);
    const dims = c.u32(`the dimension count of tensor "${name}"`);
    if (dims < 1 || dims > 4) throw new GgufError(`${path} is corrupt: tensor "${name}" has ${dims} dimensions; ggml allows 1 to 4`);
    const shape: number[] = [];
    for (let d = 0; d < dims; d++) shape.push(c.safeU64(`dimension ${d} of tensor "${name}"`));
    const type = c.u32(`the type of tensor "${name}"`);
    const offset = c.safeU64(`the offset of tensor "${name}"`);
    const size = ggmlTypeSize(type);
    if (!size) throw new GgufError(`${path}: tensor "${name}" has ggml type ${type}, which this llama.cpp does not know`);
    if (shape[0]! % size.blockSize !== 0) {
      throw new GgufError(`${path} is corrupt: tensor "${name}" of type ${size.name} has rows of ${shape[0]} elements, not a multiple of ${size.blockSize}`);
    }
    // llama.cpp requires each tensor to start where the previous one ends, padded to the alignment.
    if (offset !== expectedOffset) {
      throw new GgufError(`${path} is corrupt: tensor "${name}" starts at data offset ${offset}; expected ${expectedOffset}`);
    }
    const bytes = (shape.reduce((a, b) => a * b, 1) / size.blockSize) * size.typeSize;
    tensors.push({ name, shape, type, typeName: size.name, offset, bytes });
    expectedOffset = offset + Math.ceil(bytes / alignment) * alignment;
  }
  const dataOffset = Math.ceil(c.position / alignment) * alignment;
  for (const t of tensors) {
    const end = dataOffset + t.offset + t.bytes;
    if (end > c.size) {
      throw new GgufError(
        `${path} is truncated: the data of tensor "${t.name}" ends at byte ${end} but the file has ${c.size} bytes (${end - c.size} missing); copy or generate the file again`,
      );
    }
  }
  return { path, fileSize: c.size, version, alignment, metadata, tensors, dataOffset };
}

/** Sequential little-endian reads through a window of the file. */
class Cursor {
  position = 0;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    readonly size: number,
  ) {}

  peek(n: number): Buffer {
    const bytes = this.take(n, 'the magic');
    this.position -= n;
    return bytes;
  }

  skip(n: number): void {
    this.take(n, 'the header');
  }

  u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }

  /** A u64 element count, at most what the rest of the file could hold at `minBytesEach`. */
  count(what: string, minBytesEach: number): number {
    const n = this.take(8, what).readBigUInt64LE(0);
    if (n > BigInt(Math.floor((this.size - this.position) / minBytesEach))) {
      throw new GgufError(`${this.path} is corrupt: ${what} is ${n}, more than ${this.size - this.position} remaining bytes can hold`);
    }
    return Number(n);
  }

  safeU64(what: string): number {
    const n = this.take(8, what).readBigUInt64LE(0);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${this.path} is corrupt: ${what} is ${n}`);
    return Number(n);
  }

  string(what: string): string {
    const length = this.take(8, what).readBigUInt64LE(0);
    if (length > BigInt(this.size - this.position)) {
      throw new GgufError(`${this.path} is truncated or corrupt: ${what} claims ${length} bytes at byte ${this.position}, past the end of the file (${this.size} bytes)`);
    }
    return this.take(Number(length), what).toString('utf8');
  }

  value(type: number, what: string): GgufValue {
    const name = TYPE_NAMES.get(type);
    if (name === undefined) throw new GgufError(`${this.path} is corrupt: ${what} has unknown value type ${type}`);
    if (name === 'array') {
      const itemType = this.u32(`the item type of ${what}`);
      const n = this.count(`the length of ${what}`, 1);
      const items: GgufValue[] = [];
      for (let i = 0; i < n; i++) items.push(this.value(itemType, `${what}[${i}]`));
      return items;
    }
    switch (name) {
      case 'uint8': return this.take(1, what).readUInt8(0);
      case 'int8': return this.take(1, what).readInt8(0);
      case 'uint16': return this.take(2, what).readUInt16LE(0);
      case 'int16': return this.take(2, what).readInt16LE(0);
      case 'uint32': return this.take(4, what).readUInt32LE(0);
      case 'int32': return this.take(4, what).readInt32LE(0);
      case 'float32': return this.take(4, what).readFloatLE(0);
      case 'float64': return this.take(8, what).readDoubleLE(0);
      case 'bool': return this.take(1, what).readUInt8(0) !== 0;
      case 'string': return this.string(what);
      case 'uint64': return narrow(this.take(8, what).readBigUInt64LE(0));
      case 'int64': return narrow(this.take(8, what).readBigInt64LE(0));
    }
  }

  private take(n: number, what: string): Buffer {
    if (this.position + n > this.size) {
      throw new GgufError(`${this.path} is truncated: ${what} needs bytes ${this.position}–${this.position + n} but the file has ${this.size} bytes; copy or generate the file again`);
    }
    const from = this.position - this.windowStart;
    if (from < 0 || from + n > this.window.length) {
      this.window = Buffer.alloc(Math.min(Math.max(n, CHUNK), this.size - this.position));
      readSync(this.fd, this.window, 0, this.window.length, this.position);
      this.windowStart = this.position;
    }
    const start = this.position - this.windowStart;
    this.position += n;
    return this.window.subarray(start, start + n);
  }
}

function narrow(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
