import type { LogEvent } from '../ingest/LogEvent.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';

// OTLP marks "no trace" with an all-zero id; such records must not form one giant session.
const INVALID_TRACE_ID = /^0*$/;

/** Key `traceId`: one session per trace. Events without a trace id (or with the all-zero id) have no key. */
export class TraceIdKeyExtractor implements SessionKeyExtractor {
  readonly spec = 'traceId';

  keys(event: LogEvent): readonly SessionKey[] {
    const traceId = event.traceId;
    if (traceId === undefined || INVALID_TRACE_ID.test(traceId)) return [];
    return [{ id: traceId }];
  }
}
