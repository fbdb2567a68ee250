import type { LogEvent } from '../ingest/LogEvent.js';
import type { SyntheticSequence } from './types.js';

/** One line of a flat log file: `<ISO time> <LEVEL> <service> [trace=<id>] <message>`. */
export function formatLogLine(line: LogEvent): string {
  return `${new Date(line.timestamp).toISOString()} ${line.severityText} ${String(line.resource['service.name'] ?? '-')} [trace=${line.traceId ?? '-'}] ${line.body}`;
}

/**
 * Columns of the per-line CSV. Kept lean (the JSONL has every field): the sequence's labels and,
 * per line, what a log viewer shows.
 */
export const LINE_CSV_COLUMNS = ['sequence_id', 'line', 'label', 'category', 'control', 'timestamp', 'service', 'severity', 'trace_id', 'body'] as const;

/** The CSV rows of a sequence, one per log line, in {@link LINE_CSV_COLUMNS} order. */
export function lineRows(sequence: SyntheticSequence): (string | number)[][] {
  return sequence.lines.map((line, index) => [
    sequence.id,
    index,
    sequence.label,
    sequence.category,
    sequence.control ? 1 : 0,
    new Date(line.timestamp).toISOString(),
    String(line.resource['service.name'] ?? ''),
    line.severityText,
    line.traceId ?? '',
    line.body,
  ]);
}

/** Columns of the per-sequence labels CSV that goes with a flat log file. */
export const LABEL_CSV_COLUMNS = ['sequence_id', 'trace_id', 'request_id', 'label', 'category', 'control', 'language', 'flow', 'lines', 'failure_line'] as const;

/** The labels row of a sequence, in {@link LABEL_CSV_COLUMNS} order; `failure_line` is empty when normal. */
export function labelRow(sequence: SyntheticSequence): (string | number)[] {
  const first = sequence.lines[0];
  return [
    sequence.id,
    first?.traceId ?? '',
    String(first?.attributes['request.id'] ?? ''),
    sequence.label,
    sequence.category,
    sequence.control ? 1 : 0,
    sequence.language,
    sequence.flow,
    sequence.lines.length,
    sequence.failureIndex ?? '',
  ];
}
