import type { OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from '../../../src/ingest/otlp/index.js';
import { ANOMALY_EVENT_NAME, LOGTRIAGE_SCOPE, type Anomaly } from '../../../src/pipeline/types.js';

/** Attribute names of an anomaly record (the same as the sdk-logs processor's). */
export const ANOMALY_RECORD_ATTRIBUTES = {
  /** Session score (worst event surprise, nats by default), double. */
  score: 'logtriage.anomaly.score',
  /** The calibrated threshold the score exceeded, double. */
  threshold: 'logtriage.anomaly.threshold',
  /** Tier-2 category, when the LLM has classified the incident. */
  category: 'logtriage.anomaly.category',
  /** Tier-2 explanation, when the LLM has classified the incident. */
  explanation: 'logtriage.anomaly.explanation',
  /** The session key (trace id, attribute value, block id, window). */
  sessionKey: 'logtriage.session.key',
  /** `service.name` of the session's first event, when known. */
  sessionService: 'logtriage.session.service',
  /** Number of events in the session, int. */
  sessionEvents: 'logtriage.session.events',
  /** Id of the stored incident. */
  incidentId: 'logtriage.incident.id',
  /** Version of the tier-1 model that scored the session. */
  modelVersion: 'logtriage.model.version',
} as const;

/** `service.name` of the resource of logtriage's own records. */
export const ANOMALY_SERVICE_NAME = 'logtriage';

/** OTLP severity number of WARN. */
export const SEVERITY_WARN = 13;

// The body is one line an SRE reads in a log viewer; the key is log content (an attribute value,
// a regex match), so control characters go and its length is capped.
const MAX_KEY_CHARS = 128;
const MAX_TEXT_ATTRIBUTE_CHARS = 4_096;

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : String(value);
}

/** Unix epoch milliseconds as OTLP nanoseconds (a decimal string: past 2^53 a number loses digits). */
function msToNanos(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/**
 * The one-line body of an anomaly record:
 * `logtriage: anomalous session <key> (score 12.3 > threshold 7.1), incident <id>`.
 */
export function anomalyRecordBody(anomaly: Anomaly): string {
  return (
    `logtriage: anomalous session ${oneLine(anomaly.sessionKey, MAX_KEY_CHARS)} ` +
    `(score ${formatScore(anomaly.score)} > threshold ${formatScore(anomaly.threshold)}), incident ${oneLine(anomaly.incidentId, MAX_KEY_CHARS)}`
  );
}

const str = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } });
const dbl = (key: string, value: number): OtlpKeyValue => ({ key, value: { doubleValue: value } });

/**
 * The OTLP record of one anomaly: event name `logtriage.anomaly`, severity WARN, one-line body,
 * the {@link ANOMALY_RECORD_ATTRIBUTES}, and the session's trace and span ids when known (so a
 * backend shows it beside the trace).
 */
export function anomalyLogRecord(anomaly: Anomaly, observedMs: number = Date.now()): OtlpLogRecord {
  const a = ANOMALY_RECORD_ATTRIBUTES;
  const attributes: OtlpKeyValue[] = [
    dbl(a.score, anomaly.score),
    dbl(a.threshold, anomaly.threshold),
    str(a.sessionKey, anomaly.sessionKey),
    str(a.incidentId, anomaly.incidentId),
    { key: a.sessionEvents, value: { intValue: anomaly.eventCount } },
    str(a.modelVersion, anomaly.modelVersion),
  ];
  if (anomaly.service !== undefined) attributes.push(str(a.sessionService, anomaly.service));
  if (anomaly.category !== undefined) attributes.push(str(a.category, oneLine(anomaly.category, MAX_KEY_CHARS)));
  if (anomaly.explanation !== undefined) attributes.push(str(a.explanation, anomaly.explanation.slice(0, MAX_TEXT_ATTRIBUTE_CHARS)));
  const record: OtlpLogRecord = {
    timeUnixNano: msToNanos(anomaly.lastTimestamp),
    observedTimeUnixNano: msToNanos(observedMs),
    severityNumber: SEVERITY_WARN,
    severityText: 'WARN',
    body: { stringValue: anomalyRecordBody(anomaly) },
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
