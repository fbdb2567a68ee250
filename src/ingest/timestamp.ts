/**
 * Best-effort parsing of the timestamps found in log headers. Times without a zone are taken as
 * UTC (logs rarely say, and a fixed rule keeps results reproducible across machines); dates
 * without a year (syslog `Jun 14 15:16:01`) get the year that puts them closest before the
 * reference time. Nothing here throws: an unknown layout gives `undefined`.
 */

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';
const WEEKDAY = '(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\\s+)?';
const ZONE = '\\s*(z|utc|gmt|[+-]\\d{2}(?::?\\d{2})?)?';
const DAY_MS = 86_400_000;
/** A yearless date may lie this far after the reference time (clock skew, time zones) and keep its year. */
const YEARLESS_FUTURE_SLACK_MS = 2 * DAY_MS;

interface Parts {
  year?: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** Milliseconds, fraction allowed. */
  millis?: number;
  /** Offset of local time from UTC, in minutes. */
  offsetMinutes?: number;
}

type Extract = (m: RegExpExecArray) => Parts;

function num(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** `.675872` → 675.872 ms: digits after a decimal separator. */
function fraction(digits: string | undefined): number | undefined {
  return digits === undefined ? undefined : Number(`0.${digits}`) * 1000;
}

function zone(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'z' || lower === 'utc' || lower === 'gmt') return 0;
  const sign = lower.startsWith('-') ? -1 : 1;
  const digits = lower.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function twoDigitYear(text: string): number {
  const yy = Number(text);
  return yy < 70 ? 2000 + yy : 1900 + yy;
}

function month(name: string): number {
  return MONTHS[name.slice(0, 3).toLowerCase()] ?? 0;
}

// Tried in order; the first that matches decides (even if its values are out of range).
const LAYOUTS: [RegExp, Extract][] = [
  // 2015-10-18 18:01:47,978 · 2017-05-16T00:00:00.008Z · 2005-06-03-15.42.50.675872 · 2016/09/28 04:30
  [
    new RegExp(`^(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})(?:(?:[Tt\\s]+|-|_)(\\d{1,2})[:.](\\d{1,2})(?:[:.](\\d{1,2}))?(?:([.,])(\\d{1,9})|:(\\d{1,3}))?)?${ZONE}$`, 'i'),
    (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]), millis: m[8] !== undefined ? fraction(m[8]) : num(m[9]), offsetMinutes: zone(m[10]) }),
  ],
  // 20171223-22:15:29:606 (HealthApp: fields not zero-padded, a colon before integer milliseconds)
  [
    new RegExp(`^(\\d{4})(\\d{2})(\\d{2})[-T\\s]?(\\d{1,2}):?(\\d{1,2}):?(\\d{1,2})(?:([.,])(\\d{1,9})|:(\\d{1,3}))?${ZONE}$`, 'i'),
    (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millis: m[8] !== undefined ? fraction(m[8]) : num(m[9]), offsetMinutes: zone(m[10]) }),
  ],
  // 081109 203615 (HDFS: yyMMdd HHmmss)
  [/^(\d{2})(\d{2})(\d{2})\s+(\d{2})(\d{2})(\d{2})$/, (m) => ({ year: twoDigitYear(m[1]!), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) })],
  // 17/06/09 20:10:40 (Spark, log4j's yy/MM/dd)
  [
    /^(\d{2})\/(\d{2})\/(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/,
    (m) => ({ year: twoDigitYear(m[1]!), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millis: fraction(m[7]) }),
  ],
  // Sun Dec 04 04:47:44 2005 (ctime, Apache) · Jun 14 15:16:01 (syslog) · Dec 4, 2005 04:47:44 GMT
  [
    new RegExp(`^${WEEKDAY}${MONTH}\\s+(\\d{1,2}),?\\s+(?:(\\d{4})\\s+)?(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,](\\d{1,9}))?(?:\\s+(\\d{4}))?${ZONE}$`, 'i'),
    (m) => ({ year: num(m[3] ?? m[8]), month: month(m[1]!), day: Number(m[2]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millis: fraction(m[7]), offsetMinutes: zone(m[9]) }),
  ],
  // 04 Dec 2005 04:47:44 · Sun, 04 Dec 2005 04:47:44 GMT (RFC 2822)
  [
    new RegExp(`^${WEEKDAY}(\\d{1,2})\\s+${MONTH}\\s+(\\d{4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?(?:[.,](\\d{1,9}))?${ZONE}$`, 'i'),
    (m) => ({ year: Number(m[3]), month: month(m[2]!), day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: num(m[6]), millis: fraction(m[7]), offsetMinutes: zone(m[8]) }),
  ],
  // 10/Oct/2000:13:55:36 -0700 (Common Log Format)
  [
    new RegExp(`^(\\d{1,2})/${MONTH}/(\\d{4}):(\\d{2}):(\\d{2}):(\\d{2})${ZONE}$`, 'i'),
    (m) => ({ year: Number(m[3]), month: month(m[2]!), day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), offsetMinutes: zone(m[7]) }),
  ],
  // 10.30 16:49:06 (Proxifier: MM.dd, no year)
  [/^(\d{1,2})\.(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})$/, (m) => ({ month: Number(m[1]), day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]) })],
];

const EPOCH = /^\d{9,19}(?:\.\d+)?$/;
/** Epoch values must land between these instants (1973 and 2200) to be believed. */
const EPOCH_MIN_MS = 1e11;
const EPOCH_MAX_MS = 7.3e12;

function build(parts: Parts, referenceTime: number): number | undefined {
  const { month: mo, day, hour = 0, minute = 0, second = 0, millis = 0, offsetMinutes = 0 } = parts;
  if (mo < 1 || mo > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const at = (year: number): number => Date.UTC(year, mo - 1, day, hour, minute, second) + millis - offsetMinutes * 60_000;
  if (parts.year !== undefined) return at(parts.year);
  const year = new Date(referenceTime).getUTCFullYear();
  const guess = at(year);
  return guess > referenceTime + YEARLESS_FUTURE_SLACK_MS ? at(year - 1) : guess;
}

/**
 * Epoch milliseconds of a numeric timestamp whose unit is guessed from its size: seconds,
 * milliseconds, microseconds or nanoseconds since 1970. `undefined` when no unit gives a date
 * between 1973 and 2200.
 */
export function epochToMillis(value: number): number | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  for (const scale of [1000, 1, 1e-3, 1e-6]) {
    const ms = value * scale;
    if (ms >= EPOCH_MIN_MS && ms <= EPOCH_MAX_MS) return ms;
  }
  return undefined;
}

function parseAt(index: number, text: string, referenceTime: number): number | undefined | false {
  const [pattern, extract] = LAYOUTS[index]!;
  const match = pattern.exec(text);
  if (!match) return false;
  const ms = build(extract(match), referenceTime);
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/**
 * Parses timestamps like {@link parseTimestamp}, trying first the layout that matched last time:
 * the lines of one file share a layout, so this saves the failed attempts at the others.
 */
export class TimestampParser {
  private last = -1;

  /** See {@link parseTimestamp}. */
  parse(text: string, referenceTime: number): number | undefined {
    const trimmed = text.trim();
    if (trimmed.length < 6 || trimmed.length > 64) return undefined;
    if (this.last >= 0) {
      const ms = parseAt(this.last, trimmed, referenceTime);
      if (ms !== false) return ms;
    }
    if (EPOCH.test(trimmed)) return epochToMillis(Number(trimmed));
    for (let i = 0; i < LAYOUTS.length; i++) {
      if (i === this.last) continue;
      const ms = parseAt(i, trimmed, referenceTime);
      if (ms !== false) {
        this.last = i;
        return ms;
      }
    }
    return undefined;
  }
}

/**
 * Epoch milliseconds of a timestamp as written in a log: ISO 8601 and its common variants,
 * `yyMMdd HHmmss`, `yy/MM/dd HH:mm:ss`, ctime and syslog forms, RFC 2822, Common Log Format,
 * compact `yyyyMMdd-HH:mm:ss:SSS`, and epoch seconds / ms / µs / ns. `referenceTime` (epoch ms)
 * supplies the year when the text has none. `undefined` when the text is not a known layout.
 */
export function parseTimestamp(text: string, referenceTime: number): number | undefined {
  return new TimestampParser().parse(text, referenceTime);
}
