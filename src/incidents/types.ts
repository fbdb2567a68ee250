import type { AnomalyEvidence } from './evidence.js';

/** What the pipeline hands to a sink for one flagged session. */
export interface NewIncident {
  sessionKey: string;
  service?: string;
  /** First and last event timestamps, Unix epoch ms. */
  firstTimestamp: number;
  lastTimestamp: number;
  /** When the session was flagged, Unix epoch ms. */
  detectedAt: number;
  /** Template id per event, in order, and the template texts (parallel). */
  templateIds: string[];
  templates: string[];
  /** The raw log lines (bodies), capped; `truncatedLines` says how many were left out. */
  lines: string[];
  truncatedLines: number;
  score: number;
  threshold: number;
  evidence: AnomalyEvidence[];
  modelVersion: string;
  /** Hash of the template-id sequence: the same sequence seen again is the same incident. */
  signature: string;
  traceId?: string;
}

/** An incident as a sink keeps it. */
export interface Incident extends NewIncident {
  id: string;
  /** Sessions with this signature flagged so far (1 for a new incident). */
  occurrences: number;
  /** When the signature was last flagged, Unix epoch ms. */
  lastDetectedAt: number;
}

/** Where flagged sessions go. The durable store (SQLite, PostgreSQL) implements the same interface. */
export interface IncidentSink {
  /**
   * Records a flagged session: a new incident, or one more occurrence of the incident with the
   * same signature. Resolves once it is written.
   */
  record(incident: NewIncident): Promise<{ id: string; occurrences: number }>;
  /** Incidents, newest first. */
  recent(limit?: number): Promise<Incident[]>;
  /** Releases files and handles; safe to call twice. */
  dispose(): Promise<void>;
}
