export type { OtlpAnyValue, OtlpInt64, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpPartialSuccess, OtlpResourceLogs, OtlpScopeLogs, OtlpInstrumentationScope, OtlpResource, LongLike } from './types.js';
export { otlpProtoTypes, type OtlpProtoTypes } from './otlpTypes.js';
export { OtlpDecodeError, decodeLogsProtobuf, decodeLogsJson, encodeLogsProtobuf, encodeLogsJson, encodeExportResponse, decodeExportResponse, type OtlpFormat } from './codec.js';
export { logEventsOf, setRecordAttributes, type DecodedLogs, type LogEventsOptions } from './logEvents.js';
export { logRecordOf, logsRequestOf } from './fromLogEvents.js';
