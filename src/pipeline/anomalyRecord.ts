import type { Anomaly } from './types.js';

/** Attribute names of the anomaly record logtriage emits (event name `logtriage.anomaly`), in every integration. */
export const ANOMALY_ATTRIBUTES = {
  /** Session score (worst event surprise, nats by default), double. */
  score: 'logtriage.anomaly.score',
  /** The calibrated threshold the score exceeded, double. */
  threshold: 'logtriage.anomaly.threshold',
  /** Tier-2 category, when the LLM has classified the incident. */
  category: 'logtriage.anomaly.category',
  /** Tier-2 explanation, when the LLM has classified the incident (at most 4,096 characters). */
  explanation: 'logtriage.anomaly.explanation',
  /** The session key (trace id, attribute value, block id, window). */
  sessionKey: 'logtriage.session.key',
  /** `service.name` of the session's first event, when known. */
  sessionService: 'logtriage.session.service',
  /** Number of events in the session, int. */
  sessionEvents: 'logtriage.session.events',
  /** Id of the incident logtriage stored (left out when the incident store failed). */
  incidentId: 'logtriage.incident.id',
  /** Version of the tier-1 model that scored the session. */
  modelVersion: 'logtriage.model.version',
} as const;

// The body is one line an SRE reads in a log viewer; the key can be log content (an attribute
// value, a regex match), so control characters go and its length is capped.
const MAX_KEY_CHARS = 128;
const MAX_TEXT_ATTRIBUTE_CHARS = 4_096;

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : String(value);
}

/**
 * The one-line body of an anomaly record, e.g. `logtriage: anomalous session 4bf92f35… of checkout
 * (score 12.3 > threshold 7.1, 5 events), incident inc_…`; the tier-2 category follows the
 * parentheses when known, and `incident not stored` replaces the id when the incident sink failed
 * (the pipeline then reports an empty id).
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

/**
 * The attributes of an anomaly record ({@link ANOMALY_ATTRIBUTES}); optional ones only when known.
 * Numbers are doubles except `logtriage.session.events` (an int).
 */
export function anomalyAttributes(anomaly: Anomaly): Record<string, string | number> {
  const a = ANOMALY_ATTRIBUTES;
  const attributes: Record<string, string | number> = {
    [a.score]: anomaly.score,
    [a.threshold]: anomaly.threshold,
    [a.sessionKey]: anomaly.sessionKey,
    [a.sessionEvents]: anomaly.eventCount,
    [a.modelVersion]: anomaly.modelVersion,
  };
  if (anomaly.incidentId !== '') attributes[a.incidentId] = anomaly.incidentId;
  if (anomaly.service !== undefined) attributes[a.sessionService] = anomaly.service;
  if (anomaly.category !== undefined) attributes[a.category] = oneLine(anomaly.category, MAX_KEY_CHARS);
  if (anomaly.explanation !== undefined) attributes[a.explanation] = anomaly.explanation.slice(0, MAX_TEXT_ATTRIBUTE_CHARS);
  return attributes;
}
