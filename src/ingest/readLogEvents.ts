import { ingestConfigSchema } from '../config/ingest.js';
import type { ByteSource } from './byteSource.js';
import type { Attributes, LogEvent } from './LogEvent.js';
import { createLineDecoder, type LineDecoder } from './lineDecoder.js';
import { readLineBatches, withStats, type ReadLinesOptions, type WithStats } from './readLines.js';
import { createReadStats, recordIssue, type ReadStats } from './readStats.js';

/** Options of {@link readLogEvents}. */
export interface ReadLogEventsOptions extends ReadLinesOptions {
  /** `raw`, `json`, a preset name, a format string or `regex:<pattern>`. Default: the config default (`raw`). */
  format?: string;
  /** Resource attributes given to every event (e.g. `service.name`). Default none. */
  resource?: Attributes;
  /** Clock for `observedTime`, in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** An event with the line it came from. */
export interface NumberedLogEvent {
  event: LogEvent;
  /** 1-based number of the physical line in the source. */
  lineNumber: number;
}

const DEFAULT_FORMAT = ingestConfigSchema.parse({}).format;

async function* decodeLines(source: ByteSource, options: ReadLogEventsOptions, decoder: LineDecoder, stats: ReadStats): AsyncGenerator<NumberedLogEvent[], void, undefined> {
  const now = options.now ?? Date.now;
  for await (const batch of readLineBatches(source, options, stats)) {
    const decoded: NumberedLogEvent[] = [];
    for (const { line, lineNumber } of batch) {
      const result = decoder.decode(line, now());
      if (result.ok) decoded.push({ event: result.event, lineNumber });
      else recordIssue(stats, 'malformed', lineNumber, result.reason);
    }
    yield decoded;
  }
}

/** Resolves the format now, not on the first iteration, so a bad format fails where it is given. */
function prepare(options: ReadLogEventsOptions): { decoder: LineDecoder; stats: ReadStats } {
  const decoder = createLineDecoder(options.format ?? DEFAULT_FORMAT, options.resource ? { resource: options.resource } : {});
  return { decoder, stats: options.stats ?? createReadStats() };
}

/**
 * Reads `LogEvent`s from a file (plain or gzip), `-` (standard input) or a byte stream, one per
 * line, in the given format. Lines the format cannot decode are counted in `stats.malformed` and
 * skipped (as logparser does); see {@link readLines} for what else is counted. The counters are
 * on `.stats` of the result (and in `options.stats` when given); `describeReadStats` turns them
 * into a sentence. Throws {@link InputError} at once for a bad format, and from the iteration
 * for a source that cannot be read.
 */
export function readLogEvents(source: ByteSource, options: ReadLogEventsOptions = {}): WithStats<LogEvent> {
  const { decoder, stats } = prepare(options);
  async function* events(): AsyncGenerator<LogEvent, void, undefined> {
    for await (const batch of decodeLines(source, options, decoder, stats)) {
      for (const { event } of batch) {
        stats.events++;
        yield event;
      }
    }
  }
  return withStats(events(), stats);
}

/** Like {@link readLogEvents}, with each event's line number (to line events up with labels). */
export function readNumberedLogEvents(source: ByteSource, options: ReadLogEventsOptions = {}): WithStats<NumberedLogEvent> {
  const { decoder, stats } = prepare(options);
  async function* numbered(): AsyncGenerator<NumberedLogEvent, void, undefined> {
    for await (const batch of decodeLines(source, options, decoder, stats)) {
      for (const item of batch) {
        stats.events++;
        yield item;
      }
    }
  }
  return withStats(numbered(), stats);
}
