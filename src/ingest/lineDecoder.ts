import type { Attributes } from './LogEvent.js';
import { createHeaderEventBuilder } from './headerEvent.js';
import { decodeJsonLine, type DecodeResult } from './jsonLine.js';
import { findPresetName } from './presets.js';
import { RAW_LINE_PARSER, resolveFormat } from './resolveFormat.js';

/** Turns lines of one format into `LogEvent`s. */
export interface LineDecoder {
  /** The format as configured (`raw`, `json`, a preset name, a format string, `regex:…`). */
  readonly format: string;
  /** Decodes `line`; a line the format cannot decode gives `{ ok: false, reason }`, never a throw. */
  decode(line: string, observedTime: number): DecodeResult;
}

/** Options of {@link createLineDecoder}. */
export interface LineDecoderOptions {
  /** Resource attributes given to every event (e.g. `service.name`). Default none. */
  resource?: Attributes;
}

/**
 * The decoder for `format`: `raw` (the whole line is the body), `json` (JSON lines, see
 * `decodeJsonLine`), or a header format accepted by `resolveFormat` (a preset name, a format
 * string, `regex:<pattern>`), whose non-matching lines are reported as
 * `does not match format "…"`. Throws {@link InputError} for an unknown or invalid format.
 */
export function createLineDecoder(format: string, options: LineDecoderOptions = {}): LineDecoder {
  const resource = options.resource ?? {};
  if (format.trim().toLowerCase() === 'json') {
    return { format, decode: (line, observedTime) => decodeJsonLine(line, observedTime, resource) };
  }
  const parser = resolveFormat(format);
  const build = createHeaderEventBuilder(parser, resource);
  if (parser === RAW_LINE_PARSER) {
    return { format, decode: (line, observedTime) => ({ ok: true, event: build({ fields: {}, content: line }, observedTime) }) };
  }
  const preset = findPresetName(format);
  const mismatch = `does not match ${preset === undefined ? 'format' : `the ${preset} format`} "${parser.format}"`;
  return {
    format,
    decode(line, observedTime) {
      const parsed = parser.parse(line);
      return parsed ? { ok: true, event: build(parsed, observedTime) } : { ok: false, reason: mismatch };
    },
  };
}
