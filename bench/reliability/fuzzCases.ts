import { gzipSync } from 'node:zlib';
import { encodeLogsJson, encodeLogsProtobuf, type OtlpAnyValue, type OtlpKeyValue, type OtlpLogRecord, type OtlpLogsRequest } from '../../src/ingest/otlp/index.js';
import { seededRandom } from '../../src/scoring/random.js';

/** A seeded source of random choices for one fuzz case. */
export class Rand {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Text of up to `max` characters: ASCII, log-like words, control characters, CJK, emoji and lone surrogates. */
  text(max = 40): string {
    const n = this.int(max + 1);
    let out = '';
    for (let i = 0; i < n; i++) {
      const kind = this.int(10);
      if (kind < 5) out += String.fromCharCode(32 + this.int(95));
      else if (kind === 5) out += this.pick(['blk_-1608999687919862906', ' ERROR ', 'Connection reset by peer', '10.250.19.102:50010', '<*>', '%s', '\\u0000', '"', '\\']);
      else if (kind === 6) out += String.fromCharCode(this.int(32));
      else if (kind === 7) out += String.fromCharCode(0x4e00 + this.int(0x5000));
      else if (kind === 8) out += this.pick(['\u{1F525}', '\u200b', '\ufeff', '\u0301']);
      else out += String.fromCharCode(0xd800 + this.int(0x800));
    }
    return out;
  }
}

/** A well-formed protobuf varint. */
export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function anyValue(r: Rand, depth: number): OtlpAnyValue {
  const kind = depth > 3 ? r.int(5) : r.int(7);
  switch (kind) {
    case 0:
      return { stringValue: r.text(60) };
    case 1:
      return { boolValue: r.chance(0.5) };
    case 2:
      return { intValue: r.pick(['0', '-1', '9223372036854775807', '-9223372036854775808', String(r.int(1e9))]) };
    case 3:
      return { doubleValue: r.pick([0, -0, 1.5, 1e308, -1e-308, Number.MAX_SAFE_INTEGER, r.float()]) };
    case 4:
      return { bytesValue: r.bytes(r.int(24)) };
    case 5:
      return { arrayValue: { values: Array.from({ length: r.int(4) }, () => anyValue(r, depth + 1)) } };
    default:
      return { kvlistValue: { values: attributes(r, depth + 1) } };
  }
}

function attributes(r: Rand, depth = 0): OtlpKeyValue[] {
  return Array.from({ length: r.int(4) }, () => ({ key: r.chance(0.8) ? r.pick(['service.name', 'http.route', 'block', 'user.id', 'trace_id', '']) : r.text(12), value: anyValue(r, depth) }));
}

function logRecord(r: Rand): OtlpLogRecord {
  const record: OtlpLogRecord = {
    timeUnixNano: r.pick(['0', '1700000000000000000', '18446744073709551615', String(Date.now() * 1e6)]),
    severityNumber: r.pick([0, 1, 9, 17, 24, 25, 255]),
    severityText: r.pick(['INFO', 'ERROR', '', r.text(8)]),
    body: r.chance(0.8) ? { stringValue: r.chance(0.5) ? `Receiving block blk_${r.int(1e9)} src: /10.250.19.102:${r.int(65536)} dest: /10.250.19.102:50010` : r.text(80) } : anyValue(r, 0),
    attributes: attributes(r),
  };
  // Trace and span ids of the right length mostly, of any length sometimes.
  if (r.chance(0.5)) record.traceId = r.bytes(r.chance(0.8) ? 16 : r.int(40));
  if (r.chance(0.3)) record.spanId = r.bytes(r.chance(0.8) ? 8 : r.int(20));
  if (r.chance(0.2)) record.eventName = r.text(20);
  if (r.chance(0.2)) record.flags = r.int(2 ** 32);
  return record;
}

/** A valid export request of a few resources, scopes and records. */
export function validRequest(r: Rand): OtlpLogsRequest {
  return {
    resourceLogs: Array.from({ length: 1 + r.int(2) }, () => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: r.pick(['checkout', 'hdfs-datanode', r.text(10)]) } }, ...attributes(r)] },
      scopeLogs: Array.from({ length: 1 + r.int(2) }, () => ({ scope: { name: r.text(10), version: '1.0' }, logRecords: Array.from({ length: r.int(6) }, () => logRecord(r)) })),
    })),
  };
}

/** A valid protobuf fragment: one field of a random number and wire type (nested fragments inside length-delimited ones). */
export function protobufFragment(r: Rand, depth = 0): Buffer {
  const field = r.chance(0.8) ? 1 + r.int(16) : r.pick([536_870_911, 19_000, 1 + r.int(100_000)]);
  const wire = r.pick([0, 1, 2, 2, 5]);
  const tag = varint((field << 3) | wire);
  if (wire === 0) return Buffer.from([...tag, ...varint(r.chance(0.5) ? r.int(300) : BigInt(r.int(2 ** 31)) * BigInt(r.int(2 ** 31)))]);
  if (wire === 1) return Buffer.concat([Buffer.from(tag), r.bytes(8)]);
  if (wire === 5) return Buffer.concat([Buffer.from(tag), r.bytes(4)]);
  const payload = depth < 3 && r.chance(0.5) ? Buffer.concat(Array.from({ length: 1 + r.int(3) }, () => protobufFragment(r, depth + 1))) : Buffer.from(r.text(20), 'utf8');
  return Buffer.concat([Buffer.from(tag), Buffer.from(varint(payload.length)), payload]);
}

/** Broken varints: 10 bytes of 0xff (more than 64 bits), an unterminated one, a length claiming 4 GiB or 2^63. */
function hugeVarint(r: Rand): Buffer {
  return Buffer.from(
    r.pick([
      [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
      [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x0a, 0x80, 0x80, 0x80],
      [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
      [...varint(2 ** 29 * 8 + 2), 0x05, 1, 2, 3, 4, 5],
    ]),
  );
}

/**
 * An `AnyValue` nested `depth` levels deep through arrays or kvlists, in a request of one record.
 * Written outside in from the lengths of each level (computed inside out), in linear time.
 */
export function nestedRequest(depth: number, kvlist: boolean): Buffer {
  const key = `${depth}:${kvlist}`;
  const cached = nested.get(key);
  if (cached) return cached;
  const leaf = [0x0a, 0x01, 0x78]; // AnyValue{string_value: "x"}
  // The header of each level in front of the level inside it, and the length of each level.
  const headers: number[][] = [];
  let inner = leaf.length;
  for (let i = 0; i < depth; i++) {
    let header: number[];
    if (kvlist) {
      // AnyValue{kvlist_value(6): KeyValueList{values(1): KeyValue{key(1): "k", value(2): inner}}}
      const kv = 3 + 1 + varint(inner).length + inner;
      const list = 1 + varint(kv).length + kv;
      header = [0x32, ...varint(list), 0x0a, ...varint(kv), 0x0a, 0x01, 0x6b, 0x12, ...varint(inner)];
    } else {
      // AnyValue{array_value(5): ArrayValue{values(1): inner}}
      const array = 1 + varint(inner).length + inner;
      header = [0x2a, ...varint(array), 0x0a, ...varint(inner)];
    }
    headers.push(header);
    inner += header.length;
  }
  const body = inner;
  const record = 1 + varint(body).length + body; // LogRecord.body(5)
  const scope = 1 + varint(record).length + record; // ScopeLogs.log_records(2)
  const resource = 1 + varint(scope).length + scope; // ResourceLogs.scope_logs(2)
  const out: number[] = [0x0a, ...varint(resource), 0x12, ...varint(scope), 0x12, ...varint(record), 0x2a, ...varint(body)];
  for (let i = headers.length - 1; i >= 0; i--) for (const b of headers[i]!) out.push(b);
  out.push(...leaf);
  const bytes = Buffer.from(out);
  nested.set(key, bytes);
  return bytes;
}

const nested = new Map<string, Buffer>();

/** Applies one to three byte-level mutations: bit flips, truncation, insertion of fragments or broken varints, deletion, duplication. */
export function mutateBytes(r: Rand, input: Buffer): Buffer {
  let out = Buffer.from(input);
  const rounds = 1 + r.int(3);
  for (let round = 0; round < rounds; round++) {
    const at = r.int(out.length + 1);
    switch (r.int(6)) {
      case 0:
        for (let i = 0, n = 1 + r.int(8); i < n && out.length > 0; i++) out[r.int(out.length)]! ^= 1 << r.int(8);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), protobufFragment(r), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), hugeVarint(r), out.subarray(at)]);
        break;
      case 4:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(16)))]);
        break;
      default:
        out = Buffer.concat([out, out.subarray(at)]);
    }
  }
  return out;
}

/** A random JSON value, sometimes deeply nested. */
export function randomJson(r: Rand, depth = 0): unknown {
  const kind = depth > 4 ? r.int(6) : r.int(8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 1.5, r.int(1e6)]);
    case 3:
    case 4:
      return r.text(30);
    case 5:
      return r.pick(['', '0', 'NaN', '-Infinity', '00ff', 'deadbeefdeadbeefdeadbeefdeadbeef', '18446744073709551616']);
    case 6:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.chance(0.5) ? r.pick(['resourceLogs', 'scopeLogs', 'logRecords', 'body', 'stringValue', 'attributes', 'key', 'value', '__proto__', 'constructor']) : r.text(8), randomJson(r, depth + 1)]));
  }
}

/** JSON nested `depth` levels deep (arrays or objects), as text. */
function deepJson(depth: number, object: boolean): string {
  return object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** Replaces, deletes or retypes one node of a JSON value, in place where it can; returns the (new) root. */
export function mutateJson(r: Rand, root: unknown): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  // Nodes below depth 100 are not candidates: an earlier mutation may have nested thousands of levels there.
  const walk = (value: unknown, depth: number): void => {
    if (depth > 100) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        nodes.push({ parent: value, key: i });
        walk(item, depth + 1);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        nodes.push({ parent: value as Record<string, unknown>, key });
        walk(item, depth + 1);
      }
    }
  };
  walk(root, 0);
  if (nodes.length === 0) return randomJson(r);
  const { parent, key } = r.pick(nodes);
  const holder = parent as Record<string | number, unknown>;
  switch (r.int(4)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete holder[key];
      break;
    case 1:
      holder[key] = randomJson(r);
      break;
    case 2: {
      const value = holder[key];
      holder[key] = typeof value === 'string' ? r.pick([Number(value), [value], { value }, `${value}${r.text(4)}`]) : typeof value === 'number' ? r.pick([String(value), -value, value * 1e300, [value]]) : r.pick([JSON.stringify(value ?? null), 42, true]);
      break;
    }
    default:
      holder[key] = JSON.parse(deepJson(50 + r.int(1_000), r.chance(0.5))) as unknown;
  }
  return root;
}

/** One request body for the OTLP receivers, with how it was made (for the report of a failing case). */
export interface BodyCase {
  kind: string;
  body: Buffer;
}

/** A protobuf body: random bytes, a mutated valid request, fragments, broken varints, deep nesting, or a valid request. */
export function protobufCase(r: Rand): BodyCase {
  const valid = (): Buffer => Buffer.from(encodeLogsProtobuf(validRequest(r)));
  switch (r.int(8)) {
    case 0:
      return { kind: 'random bytes', body: r.bytes(r.int(512)) };
    case 1:
      return { kind: 'fragments', body: Buffer.concat(Array.from({ length: 1 + r.int(6) }, () => protobufFragment(r))) };
    case 2:
      return { kind: 'huge varint', body: Buffer.concat([valid().subarray(0, r.int(40)), hugeVarint(r)]) };
    case 3:
      return { kind: 'deep nesting', body: nestedRequest(r.pick([8, 16, 17, 64, 500, 5_000, 40_000]), r.chance(0.5)) };
    case 4:
      return { kind: 'valid', body: valid() };
    default:
      return { kind: 'mutated valid', body: mutateBytes(r, valid()) };
  }
}

/** A JSON body: random JSON, deep nesting, a valid OTLP/JSON request with mutated fields, or mutated text. */
export function jsonCase(r: Rand): BodyCase {
  const request = (): unknown => JSON.parse(encodeLogsJson(validRequest(r))) as unknown;
  switch (r.int(7)) {
    case 0:
      return { kind: 'random JSON', body: Buffer.from(JSON.stringify(randomJson(r)) ?? 'null') };
    case 1:
      return { kind: 'deep JSON', body: Buffer.from(deepJson(r.pick([20, 1_000, 100_000]), r.chance(0.5))) };
    case 2:
      return { kind: 'valid', body: Buffer.from(JSON.stringify(request())) };
    case 3:
      return { kind: 'mutated text', body: mutateBytes(r, Buffer.from(JSON.stringify(request()))) };
    default: {
      let value = request();
      for (let i = 0, n = 1 + r.int(3); i < n; i++) value = mutateJson(r, value);
      return { kind: 'mutated fields', body: Buffer.from(JSON.stringify(value) ?? 'null') };
    }
  }
}

/** Gzips a body, sometimes breaking the gzip stream afterwards. */
export function gzipCase(r: Rand, body: Buffer): { kind: string; body: Buffer } {
  const zipped = gzipSync(body);
  if (r.chance(0.2)) return { kind: 'broken gzip', body: mutateBytes(r, zipped) };
  return { kind: 'gzip', body: zipped };
}
