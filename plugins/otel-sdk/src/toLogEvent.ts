import { isSpanContextValid, type HrTime } from '@opentelemetry/api';
import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import type { Resource } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { AttributeValue, Attributes, LogEvent } from '../../../src/ingest/LogEvent.js';

/** Default of `maxBodyChars`: longest body text handed to the miner, in UTF-16 code units (16 Ki). */
export const DEFAULT_MAX_BODY_CHARS = 16_384;

/** An `HrTime` (`[seconds, nanoseconds]` since the Unix epoch) in epoch milliseconds, fraction kept. */
export function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/**
 * The text of a record body as the template miner sees it: strings as they are, numbers and
 * booleans as written, byte arrays as `<N bytes>` (their content is no message), maps and arrays
 * as JSON; an empty text for no body. Cut to `maxChars`: log content is hostile input and a
 * megabyte body must not reach the miner.
 */
export function bodyText(body: AnyValue, maxChars: number = DEFAULT_MAX_BODY_CHARS): string {
  let text: string;
  if (body === undefined || body === null) text = '';
  else if (typeof body === 'string') text = body;
  else if (typeof body === 'number' || typeof body === 'boolean') text = String(body);
  else if (body instanceof Uint8Array) text = `<${body.length} bytes>`;
  else text = jsonOf(body);
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

function jsonOf(value: AnyValue): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? v.toString() : v)) ?? '';
  } catch {
    // Cycles (a body built by hand, not by a log appender): the miner still gets a stable text.
    return '[unserialisable body]';
  }
}

/**
 * One attribute value as a `LogEvent` holds it: byte arrays become `<N bytes>`, `undefined` (which
 * OpenTelemetry treats as absent) returns undefined so the key is left out.
 */
function attributeValue(value: AnyValue): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((item) => attributeValue(item) ?? null);
  return toAttributes(value);
}

/**
 * A copy of record attributes as plain `LogEvent` attributes. A copy, because the record is the
 * application's: processors after this one may still change it, and the event is read later.
 */
export function toAttributes(attributes: LogAttributes): Attributes {
  const out: Attributes = {};
  for (const key of Object.keys(attributes)) {
    const value = attributeValue(attributes[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// Resources are shared by every record of a provider: converted once. Held weakly so a provider
// that is dropped takes its entry along.
const settledResources = new WeakMap<Resource, Attributes>();

/**
 * Resource attributes as plain `LogEvent` attributes. While async resource detectors are still
 * pending, the settled attributes are read from the raw list (reading `attributes` then makes the
 * SDK log an error) and the result is not cached, so later records get the complete set.
 */
export function resourceAttributes(resource: Resource): Attributes {
  const cached = settledResources.get(resource);
  if (cached) return cached;
  if (resource.asyncAttributesPending) {
    const out: Attributes = {};
    for (const [key, value] of resource.getRawAttributes()) {
      if (value === undefined || value === null || isPromiseLike(value)) continue;
      const converted = attributeValue(value as AnyValue);
      if (converted !== undefined) out[key] ??= converted;
    }
    return out;
  }
  const out = toAttributes(resource.attributes as LogAttributes);
  settledResources.set(resource, out);
  return out;
}

function isPromiseLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Options of {@link toLogEvent}. */
export interface ToLogEventOptions {
  /** Longest body text kept, in UTF-16 code units. Default {@link DEFAULT_MAX_BODY_CHARS}. */
  maxBodyChars?: number;
}

/**
 * Converts an sdk-logs record into a `LogEvent`: times from `hrTime`/`hrTimeObserved` (epoch ms),
 * the body as text ({@link bodyText}; a record with an `eventName` and no body is mined by its event
 * name, since that name is what identifies it), severity, a copy of the attributes, the resource
 * attributes and the trace and span ids of a valid span context.
 */
export function toLogEvent(record: ReadWriteLogRecord, options: ToLogEventOptions = {}): LogEvent {
  const maxBodyChars = options.maxBodyChars ?? DEFAULT_MAX_BODY_CHARS;
  let body = bodyText(record.body, maxBodyChars);
  if (body === '' && record.eventName) body = bodyText(record.eventName, maxBodyChars);
  const observedTime = hrTimeToMs(record.hrTimeObserved);
  const timestamp = hrTimeToMs(record.hrTime);
  const event: LogEvent = {
    timestamp: Number.isFinite(timestamp) && timestamp > 0 ? timestamp : observedTime,
    observedTime,
    body,
    severityNumber: record.severityNumber ?? 0,
    severityText: record.severityText ?? '',
    attributes: toAttributes(record.attributes),
    resource: resourceAttributes(record.resource),
  };
  const spanContext = record.spanContext;
  if (spanContext && isSpanContextValid(spanContext)) {
    event.traceId = spanContext.traceId.toLowerCase();
    event.spanId = spanContext.spanId.toLowerCase();
  }
  return event;
}
