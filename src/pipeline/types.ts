import type { AnomalyEvidence } from '../incidents/evidence.js';
import type { LogEvent } from '../ingest/LogEvent.js';

export type { AnomalyEvidence };

/** Record attribute with the template id the miner gave a record's body (e.g. `t3f9c01a2`). */
export const TEMPLATE_ID_ATTRIBUTE = 'logtriage.template.id';
/** Record attribute with the template text, variables as `<*>` (e.g. `Connection to <*> timed out`). */
export const TEMPLATE_ATTRIBUTE = 'logtriage.template';
/** Event name of the log record logtriage emits when it flags a session. */
export const ANOMALY_EVENT_NAME = 'logtriage.anomaly';
/** Instrumentation scope (logger name) of the records logtriage emits itself. */
export const LOGTRIAGE_SCOPE = 'logtriage';

/** The template of one record. */
export interface TemplateAnnotation {
  templateId: string;
  template: string;
}

/** An event with its template, ready for sessionisation. */
export interface AnnotatedEvent {
  event: LogEvent;
  templateId: string;
}

/** A flagged session, as the pipeline reports it to listeners and sinks. */
export interface Anomaly {
  /** Id of the incident the sink stored (unique per incident). */
  incidentId: string;
  /** The session key (trace id, attribute value, block id, window). */
  sessionKey: string;
  /** `service.name` of the session's first event, when known. */
  service?: string;
  /** Session score (worst event surprise by default) and the threshold it exceeded. */
  score: number;
  threshold: number;
  /** Version of the tier-1 model that scored it. */
  modelVersion: string;
  /** Template ids of the session's events, in order, and the template texts. */
  templateIds: string[];
  templates: string[];
  /** The most surprising positions, most surprising first. */
  evidence: AnomalyEvidence[];
  eventCount: number;
  /** First and last event timestamps, Unix epoch ms. */
  firstTimestamp: number;
  lastTimestamp: number;
  /** Trace id of the session's first event that had one, and that event's span id. */
  traceId?: string;
  spanId?: string;
  /** Filled by tier 2 (LLM triage) when it has classified the incident. */
  category?: string;
  explanation?: string;
}

/** Whether and why a caller should ask its client to retry later. */
export interface Backpressure {
  /** Seconds the client should wait (for `Retry-After`). */
  retryAfterSeconds: number;
  /** What is full, for logs and the answer's message. */
  reason: string;
}

/**
 * What the OpenTelemetry plugins need from the pipeline: template annotation on the record's way
 * through, sessionisation and scoring behind it, and anomaly notifications.
 */
export interface EventPipeline {
  /** Mines the record's body (learning new templates). Synchronous, never throws. */
  annotate(event: LogEvent): TemplateAnnotation;
  /** Hands events (already annotated) to sessionisation; scoring runs later, in batches. Never throws. */
  ingest(events: readonly AnnotatedEvent[]): void;
  /** Set when queues are above their limits: callers should answer with a retryable refusal. */
  backpressure(): Backpressure | undefined;
  /** Subscribes to flagged sessions; returns the unsubscribe function. */
  onAnomaly(listener: (anomaly: Anomaly) => void): () => void;
  /** Closes open sessions and waits until every closed session is scored and stored. */
  flush(): Promise<void>;
}
