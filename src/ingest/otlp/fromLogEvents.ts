import type { AttributeValue, Attributes, LogEvent } from '../LogEvent.js';
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpResourceLogs } from './types.js';

function anyValueOf(value: AttributeValue): OtlpAnyValue {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueOf) } };
  return { kvlistValue: { values: keyValuesOf(value) } };
}

function keyValuesOf(attributes: Attributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValueOf(value) }));
}

/** Unix epoch milliseconds (fractions allowed) as OTLP nanoseconds, a decimal string. */
function nanos(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (BigInt(Math.round(ms * 1000)) * 1000n).toString() : '0';
}

/** One `LogEvent` as an OTLP log record (the inverse of `logEventsOf`). */
export function logRecordOf(event: LogEvent): OtlpLogRecord {
  return {
    timeUnixNano: nanos(event.timestamp),
    observedTimeUnixNano: nanos(event.observedTime),
    severityNumber: event.severityNumber,
    severityText: event.severityText,
    body: { stringValue: event.body },
    attributes: keyValuesOf(event.attributes),
    ...(event.traceId ? { traceId: Buffer.from(event.traceId, 'hex') } : {}),
    ...(event.spanId ? { spanId: Buffer.from(event.spanId, 'hex') } : {}),
  };
}

/**
 * An OTLP logs request for events, grouped by resource (events with equal resource attributes share
 * one `ResourceLogs`), in the events' order within each resource; `scope` names the instrumentation
 * scope of all of them.
 */
export function logsRequestOf(events: readonly LogEvent[], scope = 'logtriage.replay'): OtlpLogsRequest {
  const byResource = new Map<string, OtlpResourceLogs>();
  for (const event of events) {
    const key = JSON.stringify(event.resource);
    let entry = byResource.get(key);
    if (!entry) {
      entry = { resource: { attributes: keyValuesOf(event.resource) }, scopeLogs: [{ scope: { name: scope }, logRecords: [] }] };
      byResource.set(key, entry);
    }
    entry.scopeLogs[0]!.logRecords.push(logRecordOf(event));
  }
  return { resourceLogs: [...byResource.values()] };
}
