export { OtlpHttpReceiver, LOGS_PATH, type OtlpHttpReceiverOptions, type ExtraRoutes } from './OtlpHttpReceiver.js';
export { OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from './OtlpGrpcReceiver.js';
export {
  NoopForwarder,
  OtlpHttpForwarder,
  OtlpGrpcForwarder,
  RetryingForwarder,
  LOGS_EXPORT_PATH,
  parseRetryAfter,
  type LogForwarder,
  type ForwardResult,
  type OtlpForwarderOptions,
  type OtlpHttpForwarderOptions,
  type OtlpGrpcForwarderOptions,
  type ForwardRetryOptions,
  type AttemptOutcome,
} from './OtlpForwarder.js';
export { createForwarder, type CreateForwarderOptions } from './createForwarder.js';
export { LogsExportFlow, type LogsExportFlowOptions, type ExportOutcome } from './LogsExportFlow.js';
export { anomalyLogsRequest, anomalyLogRecord, ANOMALY_SERVICE_NAME, SEVERITY_WARN } from './anomalyRecords.js';
export { ANOMALY_ATTRIBUTES, anomalyBody, anomalyAttributes } from '../../../src/pipeline/anomalyRecord.js';
export { AnomalyPublisher, type AnomalyPublisherOptions } from './AnomalyPublisher.js';
export { receiverMetrics, forwarderMetrics, publisherMetrics, type ReceiverMetrics, type ForwarderMetrics, type PublisherMetrics } from './metrics.js';
export { encodeRpcStatus, decodeRpcStatus, RpcCode, RETRY_INFO_TYPE_URL, type RpcStatus } from './rpcStatus.js';
