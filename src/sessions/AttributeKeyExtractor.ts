import type { AttributeValue, LogEvent } from '../ingest/LogEvent.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';

/**
 * Keys `attribute:<name>` and `resource:<name>`: the value of one record (or resource) attribute.
 * Strings, numbers and booleans are keys; a missing, null, empty, list or map value gives no key.
 */
export class AttributeKeyExtractor implements SessionKeyExtractor {
  readonly spec: string;

  /**
   * @param source `attribute` reads `LogEvent.attributes`, `resource` reads `LogEvent.resource`.
   * @param name the attribute name, e.g. `user.id` or `k8s.pod.name`.
   */
  constructor(
    private readonly source: 'attribute' | 'resource',
    private readonly name: string,
  ) {
    this.spec = `${source}:${name}`;
  }

  keys(event: LogEvent): readonly SessionKey[] {
    const value: AttributeValue | undefined = (this.source === 'attribute' ? event.attributes : event.resource)[this.name];
    switch (typeof value) {
      case 'string':
        return value === '' ? [] : [{ id: value }];
      case 'number':
      case 'boolean':
        return [{ id: String(value) }];
      default:
        return [];
    }
  }
}
