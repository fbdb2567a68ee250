import type { LogEvent } from '../ingest/LogEvent.js';
import { ConfigError } from '../util/errors.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';
import { serviceOf } from './serviceOf.js';

/**
 * Key `count`: the service (`service.name`, or `unknown_service`); every `count` consecutive events
 * of a service form one session, which closes with reason `window` when full. Consecutive sessions
 * share the key and differ in `Session.id`.
 */
export class CountWindowKeyExtractor implements SessionKeyExtractor {
  readonly spec = 'count';

  /**
   * @param count events per session (at least 1).
   * @throws ConfigError when `count` is not a positive integer.
   */
  constructor(private readonly count: number) {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new ConfigError(`count windows need a whole number of events of at least 1, found ${count}; set sessions.countWindow accordingly`);
    }
  }

  keys(event: LogEvent): readonly SessionKey[] {
    const service = serviceOf(event);
    return [{ id: service, service, windowCount: this.count }];
  }
}
