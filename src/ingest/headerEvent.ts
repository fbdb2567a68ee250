import type { Attributes, LogEvent } from './LogEvent.js';
import type { LineParser, ParsedLine } from './logFormat.js';
import { severityNumberOf } from './severity.js';
import { TimestampParser } from './timestamp.js';

/** Header fields read as the severity, by preference (case-insensitive). */
const SEVERITY_FIELDS = ['level', 'severity', 'type'];
/** Header fields read as (parts of) the timestamp (case-insensitive). */
const TIME_FIELDS = new Set(['date', 'time', 'timestamp', 'datetime', 'month', 'day', 'year']);
const EPOCH_DIGITS = /^\d{9,19}(?:\.\d+)?$/;
const MAX_CACHED_LEVELS = 256;

/** Turns a parsed header line into a `LogEvent`. */
export type HeaderEventBuilder = (parsed: ParsedLine, observedTime: number) => LogEvent;

/**
 * Builds events from lines of `parser`'s format: the content is the body; the `Level` field (else
 * `Severity`, else `Type`) gives `severityText` as written and its OTel `severityNumber` when it
 * is a known level (Linux's "Level" column holds the host name: such a value stays an attribute
 * under the field's name); the date and time fields (`Date`, `Time`, `Timestamp`, `Month`…) are parsed
 * together, or failing that one by one, into `timestamp` (the observed time when none parses);
 * every other field goes into `attributes` under its name. Date and time fields that could not
 * be parsed are kept in `attributes` too, so nothing written in the line is lost.
 */
export function createHeaderEventBuilder(parser: LineParser, resource: Attributes = {}): HeaderEventBuilder {
  const names = parser.fieldNames;
  const lower = names.map((name) => name.toLowerCase());
  const severityIndex = SEVERITY_FIELDS.map((field) => lower.indexOf(field)).find((index) => index !== -1);
  const severityField = severityIndex === undefined ? undefined : names[severityIndex];
  const timeFields = names.filter((_, i) => TIME_FIELDS.has(lower[i]!));
  const hasResource = Object.keys(resource).length > 0;
  const timestamps = new TimestampParser();
  const severities = new Map<string, number>();
  // The combination of time fields that parsed last time is tried first: a file keeps its layout.
  let preferred: readonly string[] = timeFields;

  function tryFields(fields: Record<string, string>, chosen: readonly string[], reference: number): number | undefined {
    let text: string | undefined;
    for (const name of chosen) {
      const value = fields[name];
      if (value !== undefined) text = text === undefined ? value : `${text} ${value}`;
    }
    return text === undefined ? undefined : timestamps.parse(text, reference);
  }

  /** The timestamp of the line and the time fields it was read from (`used`), or undefined. */
  function timestampOf(fields: Record<string, string>, reference: number): { at: number; used: readonly string[] } | undefined {
    if (timeFields.length === 0) return undefined;
    const first = tryFields(fields, preferred, reference);
    if (first !== undefined) return { at: first, used: preferred };
    // Then single fields: an epoch number first (it is the only one that needs no time zone: BGL's
    // `Time` is local time, its `Timestamp` is not), then the longest (the most complete).
    const singles = timeFields.map((name) => [name]);
    const rank = ([name]: readonly string[]): number => {
      const value = fields[name!] ?? '';
      return EPOCH_DIGITS.test(value) ? 1000 : value.length;
    };
    singles.sort((a, b) => rank(b) - rank(a));
    for (const chosen of [timeFields, ...singles]) {
      if (chosen === preferred) continue;
      const at = tryFields(fields, chosen, reference);
      if (at !== undefined) {
        preferred = chosen;
        return { at, used: chosen };
      }
    }
    return undefined;
  }

  function severityOf(level: string): number {
    let number = severities.get(level);
    if (number === undefined) {
      number = severityNumberOf(level);
      // A level column has a handful of values; a bound keeps a misconfigured format from growing this.
      if (severities.size < MAX_CACHED_LEVELS) severities.set(level, number);
    }
    return number;
  }

  // What each field becomes, decided once: 0 an attribute, 1 a time field, 2 the severity field.
  const roles = names.map((name) => (name === severityField ? 2 : timeFields.includes(name) ? 1 : 0));

  return (parsed, observedTime) => {
    const { fields } = parsed;
    const time = timestampOf(fields, observedTime);
    const attributes: Attributes = {};
    let severityNumber = 0;
    let severityText = '';
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = fields[name];
      if (value === undefined) continue;
      const role = roles[i];
      if (role === 2) {
        severityNumber = severityOf(value);
        if (severityNumber > 0) {
          severityText = value.trim();
          continue;
        }
      } else if (role === 1 && time !== undefined && (time.used === timeFields || time.used.includes(name))) {
        continue;
      }
      attributes[name] = value;
    }
    return {
      timestamp: time?.at ?? observedTime,
      observedTime,
      body: parsed.content,
      severityNumber,
      severityText,
      attributes,
      resource: hasResource ? { ...resource } : {},
    };
  };
}
