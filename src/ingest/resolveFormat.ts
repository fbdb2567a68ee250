import { InputError } from '../util/errors.js';
import { compileLogFormat, compileRegexFormat, type LineParser, type ParsedLine } from './logFormat.js';
import { LOG_FORMAT_PRESETS, findPresetName } from './presets.js';

const REGEX_PREFIX = 'regex:';
const HAS_FIELD = /<[^<>]+>/;

/** The `raw` format: no header, the whole line is the message. */
export const RAW_LINE_PARSER: LineParser = Object.freeze({
  format: 'raw',
  fieldNames: Object.freeze([]) as readonly string[],
  parse: (line: string): ParsedLine => ({ fields: {}, content: line }),
});

/** What a format may be, for error messages. */
export function describeFormatChoices(): string {
  return `raw, json, a preset (${Object.keys(LOG_FORMAT_PRESETS).join(', ')}), a format string such as "<Date> <Time> <Level> <Component>: <Content>", or regex:<pattern with a (?<content>…) group>`;
}

/**
 * The line parser for a header format given as a preset name (case-insensitive, e.g. `hdfs`), a
 * format string with `<Field>` placeholders, `regex:<pattern>`, or `raw`. Throws
 * {@link InputError} for anything else (including `json`, which is not a header format) and for
 * a format that does not compile.
 */
export function resolveFormat(nameOrFormat: string): LineParser {
  const trimmed = nameOrFormat.trim();
  if (trimmed.toLowerCase() === 'raw') return RAW_LINE_PARSER;
  if (trimmed.startsWith(REGEX_PREFIX)) return compileRegexFormat(trimmed.slice(REGEX_PREFIX.length));
  const preset = findPresetName(trimmed);
  if (preset !== undefined) return compileLogFormat(LOG_FORMAT_PRESETS[preset]!);
  if (HAS_FIELD.test(trimmed)) return compileLogFormat(trimmed);
  if (trimmed.toLowerCase() === 'json') {
    throw new InputError('json is not a header format: JSON lines are decoded by createLineDecoder / readLogEvents');
  }
  throw new InputError(`unknown log format "${nameOrFormat}": expected ${describeFormatChoices()}`);
}
