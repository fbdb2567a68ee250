import { sessionKeySpecOrThrow } from '../config/sessions.js';
import type { LogEvent } from '../ingest/LogEvent.js';
import type { SessionKey, SessionKeyExtractor } from './SessionKeyExtractor.js';

/**
 * Key `regex:<pattern>`: every distinct match of a regular expression in the body (its first capture
 * group when it has one), so a line that names two HDFS blocks joins both blocks' sessions.
 */
export class RegexKeyExtractor implements SessionKeyExtractor {
  readonly spec: string;
  private readonly regex: RegExp;
  private readonly useGroup: boolean;

  /**
   * @param pattern JavaScript regular expression without slashes or flags, e.g. `blk_-?\d+`.
   * @param maxKeys most keys returned for one line; later matches are ignored. Default 16.
   * @throws ConfigError when the pattern does not compile or matches the empty string.
   */
  constructor(
    pattern: string,
    private readonly maxKeys = 16,
  ) {
    this.spec = `regex:${pattern}`;
    sessionKeySpecOrThrow(this.spec);
    this.regex = new RegExp(pattern, 'g');
    // An alternation with the empty pattern always matches, and the match has one slot per group.
    const groups = new RegExp(`${pattern}|`).exec('')?.length ?? 1;
    this.useGroup = groups > 1;
  }

  keys(event: LogEvent): readonly SessionKey[] {
    const regex = this.regex;
    const body = event.body;
    regex.lastIndex = 0;
    let match = regex.exec(body);
    if (match === null) return [];
    const keys: SessionKey[] = [];
    for (; match !== null && keys.length < this.maxKeys; match = regex.exec(body)) {
      // Zero-width matches (e.g. lookarounds) must still move the scan forward.
      if (match[0] === '') regex.lastIndex++;
      const id = this.useGroup ? match[1] : match[0];
      if (id === undefined || id === '') continue;
      if (keys.some((key) => key.id === id)) continue;
      keys.push({ id });
    }
    return keys;
  }
}
