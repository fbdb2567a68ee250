/**
 * logtriage for `@opentelemetry/sdk-logs`: a `LogRecordProcessor` that annotates records with their
 * template and emits an anomaly record when a session of records is flagged.
 */
export { LogtriageLogRecordProcessor, type LogtriageProcessorOptions, type LogtriageProcessorStats } from './LogtriageLogRecordProcessor.js';
export { LogtriageProcessorError, type LogtriageProcessorErrorCode } from './LogtriageProcessorError.js';
export { ANOMALY_ATTRIBUTES, anomalyBody, anomalyAttributes, anomalyLogRecord } from './anomalyRecord.js';
export { toLogEvent, bodyText, DEFAULT_MAX_BODY_CHARS, type ToLogEventOptions } from './toLogEvent.js';
export { ANOMALY_EVENT_NAME, LOGTRIAGE_SCOPE, TEMPLATE_ATTRIBUTE, TEMPLATE_ID_ATTRIBUTE, type EventPipeline, type Anomaly } from '../../../src/pipeline/types.js';
export { Pipeline, type PipelineOptions, type PipelineStatus } from '../../../src/pipeline/Pipeline.js';
