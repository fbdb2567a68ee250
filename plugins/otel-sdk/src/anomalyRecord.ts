import { SeverityNumber, type LogRecord } from '@opentelemetry/api-logs';
import { anomalyAttributes, anomalyBody, ANOMALY_ATTRIBUTES } from '../../../src/pipeline/anomalyRecord.js';
import { ANOMALY_EVENT_NAME, type Anomaly } from '../../../src/pipeline/types.js';

export { ANOMALY_ATTRIBUTES, anomalyAttributes, anomalyBody };

/**
 * The log record logtriage emits for a flagged session: event name {@link ANOMALY_EVENT_NAME},
 * severity WARN, a one-line body and the {@link ANOMALY_ATTRIBUTES}. The caller adds the context.
 */
export function anomalyLogRecord(anomaly: Anomaly): LogRecord {
  return {
    eventName: ANOMALY_EVENT_NAME,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: anomalyBody(anomaly),
    attributes: anomalyAttributes(anomaly),
  };
}
