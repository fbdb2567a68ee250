/** OpenTelemetry severity numbers of the six ranges' first steps. */
export const SEVERITY = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const;

// Syslog words follow the OTel data model's mapping table (notice → INFO2, crit → ERROR2, alert →
// ERROR3, emerg → FATAL); java.util.logging's SEVERE is ERROR, FINE/FINER/FINEST are DEBUG/TRACE;
// single letters are glog / Android (V D I W E F A).
const BY_NAME: ReadonlyMap<string, number> = new Map([
  ['trace', 1],
  ['finest', 1],
  ['finer', 2],
  ['verbose', 1],
  ['v', 1],
  ['debug', 5],
  ['dbg', 5],
  ['fine', 5],
  ['d', 5],
  ['info', 9],
  ['inf', 9],
  ['information', 9],
  ['informational', 9],
  ['i', 9],
  ['notice', 10],
  ['warn', 13],
  ['warning', 13],
  ['wrn', 13],
  ['w', 13],
  ['error', 17],
  ['err', 17],
  ['e', 17],
  ['severe', 17],
  ['failure', 17],
  ['fail', 17],
  ['crit', 18],
  ['critical', 18],
  ['alert', 19],
  ['fatal', 21],
  ['f', 21],
  ['panic', 21],
  ['emerg', 21],
  ['emergency', 21],
  ['a', 21],
]);

// Decoration seen around levels: `[INFO]`, `<warn>`, `ERROR:`.
const DECORATION = /^[\s[(<{"']+|[\s\])>}"':]+$/g;

/**
 * The OTel severity number (1–24) of a level as written in a log (`INFO`, `warning`, `err`,
 * `crit`, `E`, `[WARN]`…), case-insensitive; 0 when the text is not a known level.
 */
export function severityNumberOf(text: string): number {
  const key = text.replace(DECORATION, '').toLowerCase();
  return BY_NAME.get(key) ?? 0;
}

/** pino / bunyan numeric levels (10 trace … 60 fatal) as OTel severity numbers. */
const PINO_LEVELS: ReadonlyMap<number, number> = new Map([
  [10, 1],
  [20, 5],
  [30, 9],
  [40, 13],
  [50, 17],
  [60, 21],
]);

/**
 * The OTel severity number of a numeric level: with `pino` (default), a pino / bunyan level (10,
 * 20, … 60) first; otherwise, or for other numbers, an OTel number (1–24) as is; 0 for anything else.
 */
export function severityNumberOfNumber(level: number, pino = true): number {
  const mapped = pino ? PINO_LEVELS.get(level) : undefined;
  if (mapped !== undefined) return mapped;
  return Number.isInteger(level) && level >= 1 && level <= 24 ? level : 0;
}
