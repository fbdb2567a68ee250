import type { AttributeValue, Attributes, LogEvent } from '../LogEvent.js';
import type { OtlpAnyValue, OtlpInt64, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from './types.js';

/** Options of {@link logEventsOf}. */
export interface LogEventsOptions {
  /** Longest body text handed on for mining, in characters; the forwarded record keeps all of it. Default 16,384. */
  maxBodyChars?: number;
  /** Deepest nesting of an `AnyValue` (arrays, maps) in a body or attribute; deeper records are rejected. Default 16. */
  maxDepth?: number;
  /** Time used when a record has neither timestamp, Unix epoch ms. Default `Date.now()`. */
  now?: number;
}

/** The records of a request that were accepted, as `LogEvent`s, and what was rejected. */
export interface DecodedLogs {
  /** The request with rejected records removed (in place): what goes downstream. */
  request: OtlpLogsRequest;
  /** Accepted records, in request order, and their events (parallel arrays). */
  records: OtlpLogRecord[];
  events: LogEvent[];
  /** Records rejected as invalid, and why (the first few distinct reasons). */
  rejected: number;
  reasons: string[];
}

class InvalidRecord extends Error {}

function int64ToNumber(value: OtlpInt64 | undefined | null): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

/** Nanoseconds since the epoch (as protobufjs gives them) to milliseconds, keeping microseconds. */
function nanosToMillis(value: OtlpInt64 | undefined | null): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'object') return value.high * 4294.967296 + (value.low >>> 0) / 1e6;
  return int64ToNumber(value) / 1e6;
}

const has = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function valueOf(value: OtlpAnyValue | null | undefined, depth: number, maxDepth: number): AttributeValue {
  if (value === undefined || value === null) return null;
  if (depth > maxDepth) throw new InvalidRecord(`an AnyValue nested deeper than ${maxDepth} levels`);
  // protobufjs keeps defaults ('' , 0, false) on the prototype even for oneof members: only own
  // properties tell which member is set.
  if (has(value, 'stringValue')) return value.stringValue ?? '';
  if (has(value, 'boolValue')) return value.boolValue ?? false;
  if (has(value, 'intValue')) return int64ToNumber(value.intValue);
  if (has(value, 'doubleValue')) return value.doubleValue ?? 0;
  if (value.arrayValue) return value.arrayValue.values.map((v) => valueOf(v, depth + 1, maxDepth));
  if (value.kvlistValue) return attributesOf(value.kvlistValue.values, depth + 1, maxDepth);
  if (value.bytesValue && has(value, 'bytesValue')) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

function attributesOf(list: readonly OtlpKeyValue[] | undefined, depth: number, maxDepth: number): Attributes {
  const out: Attributes = {};
  if (!list) return out;
  for (const kv of list) out[kv.key] = valueOf(kv.value, depth, maxDepth);
  return out;
}

function bodyText(body: OtlpAnyValue | null | undefined, maxDepth: number, maxChars: number): string {
  if (!body) return '';
  const text = has(body, 'stringValue') && typeof body.stringValue === 'string' ? body.stringValue : (() => {
    const value = valueOf(body, 0, maxDepth);
    return typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value);
  })();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

function hex(bytes: Uint8Array | undefined, length: number, name: string): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  if (bytes.length !== length) throw new InvalidRecord(`${name} of ${bytes.length} bytes (expected ${length} or none)`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  // An all-zero id is invalid in OTLP and means "none".
  return /^0+$/.test(text) ? undefined : text;
}

/**
 * Validates the records of an OTLP request and turns the valid ones into `LogEvent`s. A record is
 * rejected (and removed from the request) when its trace id is not 16 bytes, its span id not 8,
 * or a body or attribute value nests deeper than `maxDepth`. Never throws for record content.
 */
export function logEventsOf(request: OtlpLogsRequest, options: LogEventsOptions = {}): DecodedLogs {
  const maxDepth = options.maxDepth ?? 16;
  const maxChars = options.maxBodyChars ?? 16_384;
  const now = options.now ?? Date.now();
  const records: OtlpLogRecord[] = [];
  const events: LogEvent[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  const reject = (reason: string, count: number): void => {
    rejected += count;
    if (reasons.length < 5 && !reasons.includes(reason)) reasons.push(reason);
  };
  for (const rl of request.resourceLogs) {
    let resource: Attributes;
    try {
      resource = attributesOf(rl.resource?.attributes, 0, maxDepth);
    } catch (error) {
      reject(`resource: ${(error as Error).message}`, rl.scopeLogs.reduce((n, sl) => n + sl.logRecords.length, 0));
      rl.scopeLogs = [];
      continue;
    }
    for (const sl of rl.scopeLogs) {
      const kept: OtlpLogRecord[] = [];
      for (const record of sl.logRecords) {
        try {
          const traceId = hex(record.traceId, 16, 'trace id');
          const spanId = hex(record.spanId, 8, 'span id');
          const observed = nanosToMillis(record.observedTimeUnixNano);
          const time = nanosToMillis(record.timeUnixNano);
          const severity = record.severityNumber ?? 0;
          const event: LogEvent = {
            timestamp: time > 0 ? time : observed > 0 ? observed : now,
            observedTime: observed > 0 ? observed : now,
            body: bodyText(record.body, maxDepth, maxChars),
            severityNumber: severity >= 0 && severity <= 24 ? severity : 0,
            severityText: record.severityText ?? '',
            attributes: attributesOf(record.attributes, 0, maxDepth),
            resource,
            ...(traceId ? { traceId } : {}),
            ...(spanId ? { spanId } : {}),
          };
          kept.push(record);
          records.push(record);
          events.push(event);
        } catch (error) {
          if (!(error instanceof InvalidRecord) && !(error instanceof RangeError)) throw error;
          reject(error instanceof InvalidRecord ? error.message : 'a value too deeply nested', 1);
        }
      }
      if (kept.length !== sl.logRecords.length) sl.logRecords = kept;
    }
  }
  return { request, records, events, rejected, reasons };
}

/** Sets string attributes on a record, replacing any of the same key (e.g. a template annotation). */
export function setRecordAttributes(record: OtlpLogRecord, attributes: Readonly<Record<string, string>>): void {
  const list = record.attributes === undefined || Object.isFrozen(record.attributes) ? [] : record.attributes;
  // protobufjs puts an empty shared array on the prototype for absent repeated fields: never push to it.
  const own = Object.prototype.hasOwnProperty.call(record, 'attributes') ? list : [...list];
  for (const [key, value] of Object.entries(attributes)) {
    const existing = own.find((kv) => kv.key === key);
    if (existing) existing.value = { stringValue: value };
    else own.push({ key, value: { stringValue: value } });
  }
  record.attributes = own;
}
