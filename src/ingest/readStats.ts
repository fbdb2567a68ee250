/** A line the reader skipped, cut or could not decode: where it was and why. */
export interface ReadIssue {
  /** 1-based number of the physical line in the source. */
  lineNumber: number;
  /** What was wrong, e.g. `does not match format "<Date> <Time> <Content>"`. */
  reason: string;
}

/** The kinds of line that are counted rather than passed on unchanged. */
export type ReadIssueKind = 'emptySkipped' | 'binarySkipped' | 'truncated' | 'invalidUtf8' | 'malformed';

/**
 * What a reader saw. Counters only grow; `samples` keeps the first few lines of each kind so a
 * message can point at them without holding the whole input.
 */
export interface ReadStats {
  /** Physical lines read, kept or not (the last line counts even without a final newline). */
  lines: number;
  /** Lines turned into events (or, for the line reader alone, lines passed on). */
  events: number;
  /** Empty or whitespace-only lines, skipped. */
  emptySkipped: number;
  /** Lines that look like binary data (a NUL byte, or mostly control characters), skipped. */
  binarySkipped: number;
  /** Lines longer than `maxLineBytes`, kept cut to that size. */
  truncated: number;
  /** Lines with invalid UTF-8, kept with U+FFFD in place of the bad bytes. */
  invalidUtf8: number;
  /** Lines the format could not decode (not matching the header format, not JSON), skipped. */
  malformed: number;
  /** The first `maxSamples` issues of each kind, in line order. */
  samples: Record<ReadIssueKind, ReadIssue[]>;
  /** How many issues of each kind `samples` keeps. Default 5. */
  maxSamples: number;
}

/** A fresh, all-zero {@link ReadStats}. */
export function createReadStats(maxSamples = 5): ReadStats {
  return {
    lines: 0,
    events: 0,
    emptySkipped: 0,
    binarySkipped: 0,
    truncated: 0,
    invalidUtf8: 0,
    malformed: 0,
    samples: { emptySkipped: [], binarySkipped: [], truncated: [], invalidUtf8: [], malformed: [] },
    maxSamples,
  };
}

/** Counts one issue of `kind` and keeps it as a sample while there is room. */
export function recordIssue(stats: ReadStats, kind: ReadIssueKind, lineNumber: number, reason: string): void {
  stats[kind] += 1;
  const samples = stats.samples[kind];
  if (samples.length < stats.maxSamples) samples.push({ lineNumber, reason });
}

const MAX_REASON_CHARS = 120;

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function shorten(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}

/** `(lines 17, 902: does not match …; line 950: not valid JSON …)`, grouping samples by reason. */
function describeSamples(samples: ReadIssue[], total: number, withReasons: boolean): string {
  if (samples.length === 0) return '';
  const groups = new Map<string, number[]>();
  for (const sample of samples) {
    const key = withReasons ? sample.reason : '';
    const lines = groups.get(key);
    if (lines) lines.push(sample.lineNumber);
    else groups.set(key, [sample.lineNumber]);
  }
  const more = total > samples.length ? ', …' : '';
  const parts = [...groups].map(([reason, lines], index) => {
    const numbers = `${lines.length === 1 ? 'line' : 'lines'} ${lines.map(count).join(', ')}`;
    const tail = index === groups.size - 1 ? more : '';
    return reason ? `${numbers}${tail}: ${shorten(reason)}` : `${numbers}${tail}`;
  });
  return ` (${parts.join('; ')})`;
}

/**
 * One line for a person: `read 2,000 lines: 1,998 events, 2 malformed (lines 17, 902: does not
 * match format "<Date> <Time> …"), 0 truncated`. Malformed and truncated are always shown; the
 * other kinds only when they occurred.
 */
export function describeReadStats(stats: ReadStats): string {
  const parts = [
    `${count(stats.events)} ${stats.events === 1 ? 'event' : 'events'}`,
    `${count(stats.malformed)} malformed${describeSamples(stats.samples.malformed, stats.malformed, true)}`,
    `${count(stats.truncated)} truncated${describeSamples(stats.samples.truncated, stats.truncated, false)}`,
  ];
  if (stats.invalidUtf8 > 0) {
    parts.push(`${count(stats.invalidUtf8)} with invalid UTF-8${describeSamples(stats.samples.invalidUtf8, stats.invalidUtf8, false)}`);
  }
  if (stats.binarySkipped > 0) {
    parts.push(`${count(stats.binarySkipped)} binary skipped${describeSamples(stats.samples.binarySkipped, stats.binarySkipped, false)}`);
  }
  if (stats.emptySkipped > 0) parts.push(`${count(stats.emptySkipped)} empty skipped`);
  return `read ${count(stats.lines)} ${stats.lines === 1 ? 'line' : 'lines'}: ${parts.join(', ')}`;
}
