import { parseSessionsConfig, sessionKeySpecOrThrow, type SessionsConfigInput } from '../config/sessions.js';
import { AttributeKeyExtractor } from './AttributeKeyExtractor.js';
import { CountWindowKeyExtractor } from './CountWindowKeyExtractor.js';
import { RegexKeyExtractor } from './RegexKeyExtractor.js';
import type { SessionKeyExtractor } from './SessionKeyExtractor.js';
import { TimeWindowKeyExtractor } from './TimeWindowKeyExtractor.js';
import { TraceIdKeyExtractor } from './TraceIdKeyExtractor.js';

/**
 * Builds the key extractor named by `config.key` (`traceId`, `attribute:<name>`, `resource:<name>`,
 * `regex:<pattern>`, `window`, `count`), with `windowMs`, `slideMs`, `countWindow` and
 * `maxKeysPerEvent` from the same slice. Throws `ConfigError` for an unusable key spec or field.
 */
export function createKeyExtractor(config: SessionsConfigInput = {}): SessionKeyExtractor {
  const { key, windowMs, slideMs, countWindow, maxKeysPerEvent } = parseSessionsConfig(config);
  const spec = sessionKeySpecOrThrow(key);
  switch (spec.kind) {
    case 'traceId':
      return new TraceIdKeyExtractor();
    case 'attribute':
    case 'resource':
      return new AttributeKeyExtractor(spec.kind, spec.name);
    case 'regex':
      // One more than the sessionizer takes, so that it sees and counts lines with too many ids.
      return new RegexKeyExtractor(spec.pattern, maxKeysPerEvent + 1);
    case 'window':
      return new TimeWindowKeyExtractor(windowMs, slideMs ?? windowMs);
    case 'count':
      return new CountWindowKeyExtractor(countWindow);
  }
}
