import type { LogEvent } from '../ingest/LogEvent.js';

/** What {@link serviceOf} answers for events without a usable `service.name`, as the OpenTelemetry SDKs do. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** The `service.name` resource attribute of `event`, or {@link UNKNOWN_SERVICE} when missing, empty or not a string. */
export function serviceOf(event: LogEvent): string {
  const name = event.resource['service.name'];
  return typeof name === 'string' && name !== '' ? name : UNKNOWN_SERVICE;
}
