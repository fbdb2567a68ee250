import type { LogEvent } from '../ingest/LogEvent.js';

/** The six kinds of failure the generator injects, in a fixed order. */
export const ANOMALY_CATEGORIES = [
  'timeout',
  'connection_failure',
  'database_error',
  'service_call_failure',
  'resource_exhaustion',
  'permission_error',
] as const;

/** One of {@link ANOMALY_CATEGORIES}. */
export type AnomalyCategory = (typeof ANOMALY_CATEGORIES)[number];

/** Every category a sequence can carry: `normal` first, then the anomaly categories. */
export const SEQUENCE_CATEGORIES = ['normal', ...ANOMALY_CATEGORIES] as const;

/** `normal` or one of the anomaly categories. */
export type SequenceCategory = (typeof SEQUENCE_CATEGORIES)[number];

/** The request flows a sequence can follow (one sequence is one request). */
export const FLOW_NAMES = [
  'login',
  'browse_catalogue',
  'search',
  'place_order',
  'checkout_payment',
  'send_notification',
  'view_profile',
  'add_to_cart',
  'track_shipment',
] as const;

/** One of {@link FLOW_NAMES}. */
export type FlowName = (typeof FLOW_NAMES)[number];

/** The language a service writes its messages in. */
export type Language = 'en' | 'zh';

/** The language option: `mixed` picks per service or per sequence (see `mixedBy`). */
export type LanguageOption = Language | 'mixed';

/** Severity levels the synthetic services write, with their OpenTelemetry severity numbers. */
export const LEVELS = { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const;

/** One of the keys of {@link LEVELS}. */
export type Level = keyof typeof LEVELS;

/**
 * One labelled request. `lines` are `LogEvent`s in the order they were written (timestamps never
 * decrease); every line carries the request's trace id and its `request.id` attribute.
 */
export interface SyntheticSequence {
  /** Stable id, `syn-<seed>-<index>`. */
  id: string;
  /** 1 when a failure was injected, else 0. */
  label: 0 | 1;
  /** `normal` or the kind of failure injected. */
  category: SequenceCategory;
  /** A normal sequence seeded with anomaly-sounding but benign lines (always label 0). */
  control: boolean;
  /** The language of its lines: `mixed` when services in it write different languages. */
  language: Language | 'mixed';
  /** The request flow it follows. */
  flow: FlowName;
  /** Index in `lines` of the first line that deviates from the normal flow; null when normal. */
  failureIndex: number | null;
  /** The log lines of the request. */
  lines: LogEvent[];
}
