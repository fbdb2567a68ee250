import { InputError } from '../../util/errors.js';
import { otlpProtoTypes } from './otlpTypes.js';
import type { OtlpLogsRequest, OtlpPartialSuccess } from './types.js';

/** An OTLP payload that cannot be decoded (answer 400 / gRPC `INVALID_ARGUMENT`). */
export class OtlpDecodeError extends InputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as { code: string }).code = 'OTLP_MALFORMED';
  }
}

/** Wire formats of OTLP/HTTP. */
export type OtlpFormat = 'protobuf' | 'json';

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/** Decodes a binary `ExportLogsServiceRequest`. Throws {@link OtlpDecodeError} when it is not one. */
export function decodeLogsProtobuf(bytes: Uint8Array): OtlpLogsRequest {
  const { ExportLogsServiceRequest } = otlpProtoTypes();
  try {
    return ExportLogsServiceRequest.decode(bytes) as unknown as OtlpLogsRequest;
  } catch (error) {
    // protobufjs throws RangeError for truncated input and Error for bad wire types; a deeply
    // nested message overflows the stack (also a RangeError), which is recoverable here.
    throw new OtlpDecodeError(`malformed OTLP protobuf ExportLogsServiceRequest: ${firstLine(error)}`, { cause: error });
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** OTLP/JSON writes trace and span ids as hex, not base64 as proto3 JSON would. */
function idBytes(value: unknown, path: string): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !HEX.test(value)) {
    throw new OtlpDecodeError(`malformed OTLP/JSON: ${path} must be a hex string (OTLP/JSON writes trace and span ids in hex), got ${JSON.stringify(value).slice(0, 60)}`);
  }
  return Buffer.from(value, 'hex');
}

function arrayAt(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`malformed OTLP/JSON: ${path} must be an array`);
  return value;
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OtlpDecodeError(`malformed OTLP/JSON: ${path} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest` (lowerCamelCase fields, hex trace and span ids,
 * 64-bit integers as strings or numbers, enums as numbers or names). Throws
 * {@link OtlpDecodeError} when the text is not JSON or does not fit the message.
 */
export function decodeLogsJson(text: string): OtlpLogsRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`malformed OTLP/JSON: ${firstLine(error)}`, { cause: error });
  }
  const top = objectAt(parsed, 'the body');
  arrayAt(top.resourceLogs, 'resourceLogs').forEach((rl, i) => {
    arrayAt(objectAt(rl, `resourceLogs[${i}]`).scopeLogs, `resourceLogs[${i}].scopeLogs`).forEach((sl, j) => {
      const records = arrayAt(objectAt(sl, `resourceLogs[${i}].scopeLogs[${j}]`).logRecords, `resourceLogs[${i}].scopeLogs[${j}].logRecords`);
      records.forEach((r, k) => {
        const path = `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]`;
        const record = objectAt(r, path);
        record.traceId = idBytes(record.traceId, `${path}.traceId`);
        record.spanId = idBytes(record.spanId, `${path}.spanId`);
      });
    });
  });
  const { ExportLogsServiceRequest } = otlpProtoTypes();
  try {
    return ExportLogsServiceRequest.fromObject(top) as unknown as OtlpLogsRequest;
  } catch (error) {
    throw new OtlpDecodeError(`malformed OTLP/JSON ExportLogsServiceRequest: ${firstLine(error)}`, { cause: error });
  }
}

/** Encodes a request as binary protobuf (what OTLP/HTTP `application/x-protobuf` and gRPC carry). */
export function encodeLogsProtobuf(request: OtlpLogsRequest): Uint8Array {
  const { ExportLogsServiceRequest } = otlpProtoTypes();
  return ExportLogsServiceRequest.encode(request as unknown as Record<string, unknown>).finish();
}

/** Encodes a request as OTLP/JSON (hex ids, 64-bit integers as strings). */
export function encodeLogsJson(request: OtlpLogsRequest): string {
  const { ExportLogsServiceRequest } = otlpProtoTypes();
  const message = ExportLogsServiceRequest.fromObject(request as unknown as Record<string, unknown>);
  const object = ExportLogsServiceRequest.toObject(message, { longs: String, enums: Number, bytes: String, arrays: false, defaults: false });
  for (const rl of (object.resourceLogs ?? []) as { scopeLogs?: { logRecords?: Record<string, unknown>[] }[] }[]) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        for (const field of ['traceId', 'spanId'] as const) {
          if (typeof record[field] === 'string') record[field] = Buffer.from(record[field], 'base64').toString('hex');
        }
      }
    }
  }
  return JSON.stringify(object);
}

/** Encodes an `ExportLogsServiceResponse`, with `partial_success` when records were rejected. */
export function encodeExportResponse(format: 'protobuf', partial?: OtlpPartialSuccess): Uint8Array;
export function encodeExportResponse(format: 'json', partial?: OtlpPartialSuccess): string;
export function encodeExportResponse(format: OtlpFormat, partial?: OtlpPartialSuccess): Uint8Array | string;
export function encodeExportResponse(format: OtlpFormat, partial?: OtlpPartialSuccess): Uint8Array | string {
  const body = partial ? { partialSuccess: { rejectedLogRecords: partial.rejectedLogRecords, errorMessage: partial.errorMessage } } : {};
  if (format === 'json') {
    return JSON.stringify(partial ? { partialSuccess: { rejectedLogRecords: String(partial.rejectedLogRecords), errorMessage: partial.errorMessage } } : {});
  }
  const { ExportLogsServiceResponse } = otlpProtoTypes();
  return ExportLogsServiceResponse.encode(ExportLogsServiceResponse.fromObject(body)).finish();
}

/**
 * Decodes an `ExportLogsServiceResponse` (what a downstream OTLP endpoint answered), returning its
 * partial success when it rejected records. An empty or undecodable body counts as full success.
 */
export function decodeExportResponse(format: OtlpFormat, body: Uint8Array | string): OtlpPartialSuccess | undefined {
  let partial: { rejectedLogRecords?: unknown; errorMessage?: unknown } | undefined;
  try {
    if (format === 'json') {
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      partial = text.trim() === '' ? undefined : (JSON.parse(text) as { partialSuccess?: typeof partial }).partialSuccess;
    } else {
      const { ExportLogsServiceResponse } = otlpProtoTypes();
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const message = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(bytes), { longs: Number });
      partial = message.partialSuccess as typeof partial;
    }
  } catch {
    return undefined;
  }
  const rejected = Number(partial?.rejectedLogRecords ?? 0);
  const message = typeof partial?.errorMessage === 'string' ? partial.errorMessage : '';
  if (!(rejected > 0) && message === '') return undefined;
  return { rejectedLogRecords: rejected > 0 ? rejected : 0, errorMessage: message };
}
