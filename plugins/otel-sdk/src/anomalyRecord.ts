import { SeverityNumber, type LogAttributes, type LogRecord } from '@opentelemetry/api-logs';
import { ANOMALY_EVENT_NAME, type Anomaly } from '../../../src/pipeline/types.js';

/** Attribute names of the anomaly record logtriage emits (event name {@link ANOMALY_EVENT_NAME}). */
export const ANOMALY_ATTRIBUTES = {
  /** Session score (worst event surprise, nats by default). */
  score: 'logtriage.anomaly.score',
  /** The calibrated threshold the score exceeded. */
  threshold: 'logtriage.anomaly.threshold',
  /** Tier-2 category, when the LLM has classified the incident. */
  category: 'logtriage.anomaly.category',
  /** Tier-2 explanation, when the LLM has classified the incident. */
  explanation: 'logtriage.anomaly.explanation',
  /** The session key (trace id, attribute value, block id, window). */
  sessionKey: 'logtriage.session.key',
  /** `service.name` of the session's first event, when known. */
  sessionService: 'logtriage.session.service',
  /** Number of events in the session. */
  sessionEvents: 'logtriage.session.events',
  /** Id of the incident logtriage stored (left out when the incident store failed). */
  incidentId: 'logtriage.incident.id',
  /** Version of the tier-1 model that scored the session. */
  modelVersion: 'logtriage.model.version',
} as const;

// The body is one line an SRE reads in a log viewer; the key can be log content (an attribute
// value, a regex match), so control characters go and its length is capped.
const MAX_KEY_CHARS = 128;

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : String(value);
}

/**
 * The one-line body of an anomaly record, e.g. `logtriage: anomalous session 4bf92f35… of checkout
 * (score 12.3 > threshold 7.1, 5 events), incident 01JH…`; the tier-2 category follows the
 * parentheses when known, and `incident not stored` replaces the id when the pipeline's incident
 * store failed (it then reports an empty id).
 */
export function anomalyBody(anomaly: Anomaly): string {
  const service = anomaly.service !== undefined ? ` of ${oneLine(anomaly.service, MAX_KEY_CHARS)}` : '';
  const category = anomaly.category !== undefined ? `, ${oneLine(anomaly.category, MAX_KEY_CHARS)}` : '';
  const incident = anomaly.incidentId !== '' ? `incident ${oneLine(anomaly.incidentId, MAX_KEY_CHARS)}` : 'incident not stored';
  return (
    `logtriage: anomalous session ${oneLine(anomaly.sessionKey, MAX_KEY_CHARS)}${service} ` +
    `(score ${formatScore(anomaly.score)} > threshold ${formatScore(anomaly.threshold)}, ${anomaly.eventCount} events)${category}, ${incident}`
  );
}

/** The attributes of an anomaly record ({@link ANOMALY_ATTRIBUTES}); optional ones only when known. */
export function anomalyAttributes(anomaly: Anomaly): LogAttributes {
  const attributes: LogAttributes = {
    [ANOMALY_ATTRIBUTES.score]: anomaly.score,
    [ANOMALY_ATTRIBUTES.threshold]: anomaly.threshold,
    [ANOMALY_ATTRIBUTES.sessionKey]: anomaly.sessionKey,
    [ANOMALY_ATTRIBUTES.sessionEvents]: anomaly.eventCount,
    [ANOMALY_ATTRIBUTES.modelVersion]: anomaly.modelVersion,
  };
  if (anomaly.incidentId !== '') attributes[ANOMALY_ATTRIBUTES.incidentId] = anomaly.incidentId;
  if (anomaly.service !== undefined) attributes[ANOMALY_ATTRIBUTES.sessionService] = anomaly.service;
  if (anomaly.category !== undefined) attributes[ANOMALY_ATTRIBUTES.category] = anomaly.category;
  if (anomaly.explanation !== undefined) attributes[ANOMALY_ATTRIBUTES.explanation] = anomaly.explanation;
  return attributes;
}

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
