import type { AttributeValue, Attributes, LogEvent } from './LogEvent.js';
import { severityNumberOf, severityNumberOfNumber } from './severity.js';
import { epochToMillis, parseTimestamp } from './timestamp.js';

/** A decoded line, or why it could not be decoded. */
export type DecodeResult = { ok: true; event: LogEvent } | { ok: false; reason: string };

// Field names by preference; the first one present wins, the others stay attributes.
const BODY_KEYS = ['body', 'message', 'msg', 'log'];
const TIME_KEYS = ['timestamp', 'time', 'ts', '@timestamp', 'timeUnixNano', 'time_unix_nano'];
const SEVERITY_TEXT_KEYS = ['severityText', 'severity_text', 'severity', 'level', 'loglevel', 'log.level'];
const SEVERITY_NUMBER_KEYS = ['severityNumber', 'severity_number'];
const TRACE_KEYS = ['traceId', 'trace_id'];
const SPAN_KEYS = ['spanId', 'span_id'];
const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;
const ALL_ZERO = /^0+$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** An OTLP/JSON AnyValue (`{"stringValue": "x"}`, …) as a plain value; other values as they are. */
function plain(value: unknown): AttributeValue {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const inner = value[key];
      switch (key) {
        case 'stringValue':
        case 'boolValue':
        case 'doubleValue':
          return inner as AttributeValue;
        case 'intValue':
          return typeof inner === 'string' ? Number(inner) : (inner as AttributeValue);
        case 'arrayValue':
          return isObject(inner) && Array.isArray(inner.values) ? inner.values.map(plain) : [];
        case 'kvlistValue':
          return isObject(inner) && Array.isArray(inner.values) ? keyValues(inner.values) : {};
      }
    }
    const out: Attributes = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(plain);
  return value as AttributeValue;
}

/** OTLP/JSON `[{"key": "k", "value": {"stringValue": "v"}}]` as a plain record. */
function keyValues(list: unknown[]): Attributes {
  const out: Attributes = {};
  for (const item of list) {
    if (isObject(item) && typeof item.key === 'string') out[item.key] = plain(item.value);
  }
  return out;
}

/** `attributes` / `resource` as a plain record: a map, an OTLP KeyValue list, or `{attributes: …}`. */
function attributesOf(value: unknown): Attributes | undefined {
  if (Array.isArray(value)) return keyValues(value);
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'attributes' && Array.isArray(value.attributes)) return keyValues(value.attributes);
  return plain(value) as Attributes;
}

/** The first of `keys` present in `record` (not null) whose value `accept`s, marked as used. */
function pick(record: Json, keys: readonly string[], used: Set<string>, accept: (value: unknown) => boolean = () => true): { key: string; value: unknown } | undefined {
  for (const key of keys) {
    const value = record[key];
    if (value !== undefined && value !== null && !used.has(key) && accept(value)) {
      used.add(key);
      return { key, value };
    }
  }
  return undefined;
}

function timestampOf(value: unknown, observedTime: number): number | undefined {
  if (typeof value === 'number') return epochToMillis(value);
  // Known layouts only: Date.parse would read zone-less text in the machine's local time zone.
  if (typeof value === 'string') return parseTimestamp(value, observedTime);
  return undefined;
}

function bodyOf(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\r?\n$/, '');
  const inner = plain(value);
  return typeof inner === 'string' ? inner : JSON.stringify(inner);
}

function idOf(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === 'string' && pattern.test(value) && !ALL_ZERO.test(value) ? value.toLowerCase() : undefined;
}

/**
 * Decodes one JSON line (an object) into a `LogEvent`. Recognised fields: the body from `body`,
 * `message`, `msg` or `log` (Docker's trailing newline dropped; an object body is kept as JSON
 * text); the time from `timestamp`, `time`, `ts`, `@timestamp` or `timeUnixNano` (epoch s / ms /
 * µs / ns by size, or a date string); the severity from `severityText`, `severity`, `level`
 * (text, an OTel number, or a pino/bunyan number) and `severityNumber`; `attributes` and
 * `resource` as maps or OTLP KeyValue lists; `traceId`/`trace_id` and `spanId`/`span_id` (hex).
 * Every other top-level field becomes an attribute, as do ids that are not valid hex. A line with
 * no body field keeps the whole line as its body. Invalid JSON and non-objects are reported, not
 * thrown.
 */
export function decodeJsonLine(line: string, observedTime: number, resource: Attributes = {}): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, reason: `expected a JSON object, found ${kind(value)}` };

  const used = new Set<string>();
  const body = pick(value, BODY_KEYS, used);
  // A time or id that cannot be read stays an attribute rather than being dropped.
  const time = pick(value, TIME_KEYS, used, (raw) => timestampOf(raw, observedTime) !== undefined);
  const severity = pick(value, SEVERITY_TEXT_KEYS, used, (raw) => typeof raw === 'string' || typeof raw === 'number');
  const severityNumberField = pick(value, SEVERITY_NUMBER_KEYS, used, (raw) => typeof raw === 'number' && raw >= 1 && raw <= 24);
  const traceId = idOf(pick(value, TRACE_KEYS, used, (raw) => idOf(raw, TRACE_ID) !== undefined)?.value, TRACE_ID);
  const spanId = idOf(pick(value, SPAN_KEYS, used, (raw) => idOf(raw, SPAN_ID) !== undefined)?.value, SPAN_ID);
  const ownAttributes = attributesOf(value.attributes);
  const ownResource = attributesOf(value.resource);
  if (ownAttributes) used.add('attributes');
  if (ownResource) used.add('resource');

  let severityText = '';
  let severityNumber = 0;
  if (typeof severity?.value === 'string') {
    severityText = severity.value;
    severityNumber = severityNumberOf(severity.value);
  } else if (typeof severity?.value === 'number') {
    // pino and bunyan write `level: 30`; a number under any other name is an OTel number.
    severityNumber = severityNumberOfNumber(severity.value, severity.key === 'level');
  }
  if (typeof severityNumberField?.value === 'number') severityNumber = Math.trunc(severityNumberField.value);

  const attributes: Attributes = { ...ownAttributes };
  for (const [key, field] of Object.entries(value)) {
    if (!used.has(key) && field !== undefined) attributes[key] = plain(field);
  }

  const event: LogEvent = {
    timestamp: time === undefined ? observedTime : timestampOf(time.value, observedTime)!,
    observedTime,
    body: body === undefined ? line : bodyOf(body.value),
    severityNumber,
    severityText,
    attributes,
    resource: { ...resource, ...ownResource },
  };
  if (traceId !== undefined) event.traceId = traceId;
  if (spanId !== undefined) event.spanId = spanId;
  return { ok: true, event };
}
