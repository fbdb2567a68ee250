/**
 * OTLP logs messages as protobufjs decodes them (camelCase fields; 64-bit integers as `Long` or,
 * from JSON or from our own code, as numbers or decimal strings; ids and bytes as `Uint8Array`).
 * Repeated fields are always arrays after decoding; everything else may be absent.
 */
export type OtlpInt64 = LongLike | number | string;

/** The 64-bit integer object protobufjs decodes into (the `long` package's `Long`). */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: OtlpInt64;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  bytesValue?: Uint8Array;
}

export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null;
}

export interface OtlpLogRecord {
  timeUnixNano?: OtlpInt64;
  observedTimeUnixNano?: OtlpInt64;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue | null;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
}

export interface OtlpInstrumentationScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpScopeLogs {
  scope?: OtlpInstrumentationScope | null;
  logRecords: OtlpLogRecord[];
  schemaUrl?: string;
}

export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpResourceLogs {
  resource?: OtlpResource | null;
  scopeLogs: OtlpScopeLogs[];
  schemaUrl?: string;
}

/** `ExportLogsServiceRequest`: what an OTLP client sends. */
export interface OtlpLogsRequest {
  resourceLogs: OtlpResourceLogs[];
}

/** `ExportLogsServiceResponse.partial_success`. */
export interface OtlpPartialSuccess {
  rejectedLogRecords: number;
  errorMessage: string;
}
