import type { OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from '../../../src/ingest/otlp/index.js';
import { ANOMALY_ATTRIBUTES, anomalyAttributes, anomalyBody } from '../../../src/pipeline/anomalyRecord.js';
import { ANOMALY_EVENT_NAME, LOGTRIAGE_SCOPE, type Anomaly } from '../../../src/pipeline/types.js';

/** `service.name` of the resource of logtriage's own records. */
export const ANOMALY_SERVICE_NAME = 'logtriage';

/** OTLP severity number of WARN. */
export const SEVERITY_WARN = 13;

/** Unix epoch milliseconds as OTLP nanoseconds (a decimal string: past 2^53 a number loses digits). */
function msToNanos(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

const str = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } });
const dbl = (key: string, value: number): OtlpKeyValue => ({ key, value: { doubleValue: value } });

/**
 * The OTLP record of one anomaly: event name `logtriage.anomaly`, severity WARN, one-line body,
 * the {@link ANOMALY_ATTRIBUTES}, and the session's trace and span ids when known (so a
 * backend shows it beside the trace).
 */
export function anomalyLogRecord(anomaly: Anomaly, observedMs: number = Date.now()): OtlpLogRecord {
  const attributes: OtlpKeyValue[] = Object.entries(anomalyAttributes(anomaly)).map(([key, value]) =>
    typeof value === 'string' ? str(key, value) : key === ANOMALY_ATTRIBUTES.sessionEvents ? { key, value: { intValue: value } } : dbl(key, value),
  );
  const record: OtlpLogRecord = {
    timeUnixNano: msToNanos(anomaly.lastTimestamp),
    observedTimeUnixNano: msToNanos(observedMs),
    severityNumber: SEVERITY_WARN,
    severityText: 'WARN',
    body: { stringValue: anomalyBody(anomaly) },
    attributes,
    eventName: ANOMALY_EVENT_NAME,
  };
  // Ids only when valid: an invalid one would get the whole request refused downstream.
  if (anomaly.traceId !== undefined && /^[0-9a-f]{32}$/i.test(anomaly.traceId) && !/^0+$/.test(anomaly.traceId)) {
    record.traceId = Buffer.from(anomaly.traceId, 'hex');
    if (anomaly.spanId !== undefined && /^[0-9a-f]{16}$/i.test(anomaly.spanId) && !/^0+$/.test(anomaly.spanId)) record.spanId = Buffer.from(anomaly.spanId, 'hex');
  }
  return record;
}

/**
 * An OTLP logs request with one record per anomaly, from resource `service.name=logtriage` and
 * scope `logtriage`, ready for a {@link LogForwarder}.
 */
export function anomalyLogsRequest(anomalies: readonly Anomaly[], observedMs: number = Date.now()): OtlpLogsRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', ANOMALY_SERVICE_NAME)] },
        scopeLogs: [{ scope: { name: LOGTRIAGE_SCOPE }, logRecords: anomalies.map((anomaly) => anomalyLogRecord(anomaly, observedMs)) }],
      },
    ],
  };
}
