/** Attribute values as OpenTelemetry allows them (AnyValue without bytes). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** Attributes of a record or of its resource. */
export type Attributes = Record<string, AttributeValue>;

/**
 * One log record, whatever it came from (OTLP, the sdk-logs processor, a file or stdin).
 * Times are Unix epoch milliseconds (fractional part allowed) so they compare and subtract cheaply.
 */
export interface LogEvent {
  /** When the event happened (OTLP `time_unix_nano`); falls back to `observedTime` when unknown. */
  timestamp: number;
  /** When logtriage (or the collector before it) saw the event (OTLP `observed_time_unix_nano`). */
  observedTime: number;
  /** The message text: the OTLP body as a string, or the `Content` part of a classic log line. */
  body: string;
  /** OTLP severity number 1–24 (0 when unspecified). */
  severityNumber: number;
  /** Severity text as written by the source (`INFO`, `warn`, …); empty when unknown. */
  severityText: string;
  /** Record attributes (for files: the header fields such as `Component`, `Pid`). */
  attributes: Attributes;
  /** Resource attributes (`service.name`, `host.name`, …). */
  resource: Attributes;
  /** Trace id, 32 lowercase hex digits, or undefined. */
  traceId?: string;
  /** Span id, 16 lowercase hex digits, or undefined. */
  spanId?: string;
}

/** Builds a `LogEvent` with empty defaults for what is not given. */
export function makeLogEvent(fields: Partial<LogEvent> & { body: string }): LogEvent {
  const now = Date.now();
  const observedTime = fields.observedTime ?? now;
  return {
    timestamp: fields.timestamp ?? observedTime,
    observedTime,
    body: fields.body,
    severityNumber: fields.severityNumber ?? 0,
    severityText: fields.severityText ?? '',
    attributes: fields.attributes ?? {},
    resource: fields.resource ?? {},
    ...(fields.traceId !== undefined ? { traceId: fields.traceId } : {}),
    ...(fields.spanId !== undefined ? { spanId: fields.spanId } : {}),
  };
}
