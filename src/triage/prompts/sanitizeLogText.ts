// ANSI/VT escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) ended by BEL or
// ST, and the two-character escapes. Removed whole, so no `[31m` residue reaches the model.
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-Z\\-_]|\u009B[0-?]*[ -/]*[@-~]/g;
// Line and paragraph breaks and tabs become spaces: one log line stays one prompt line.
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// Other C0/C1 controls and DEL, bidirectional overrides and isolates (which can make text read
// differently from how it is stored), zero-width characters and the BOM.
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Default longest log line shown in a prompt, in characters. */
export const DEFAULT_MAX_LINE_CHARS = 300;

/**
 * Log text as a prompt may show it: escape sequences, control and invisible characters removed,
 * breaks and runs of whitespace made one space, trimmed, and cut to `maxChars` characters (code
 * points, so no surrogate pair is split) with `…` at the end when it was longer.
 */
export function sanitizeLogText(text: string, maxChars: number = DEFAULT_MAX_LINE_CHARS): string {
  const clean = text.replace(ANSI, '').replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s{2,}/g, ' ').trim();
  if (clean.length <= maxChars) return clean;
  const chars = [...clean];
  return chars.length <= maxChars ? clean : `${chars.slice(0, Math.max(0, maxChars - 1)).join('').trimEnd()}…`;
}

/**
 * A string as the data block of a prompt writes it: sanitized, JSON-encoded (so it stays on one line
 * and inside its quotes), and with every run of three or more `<` or `>` broken by `\u003c` /
 * `\u003e` escapes, so no data can spell the block's delimiters. The JSON still decodes to the
 * sanitized text.
 */
export function quoteLogText(text: string, maxChars: number = DEFAULT_MAX_LINE_CHARS): string {
  return JSON.stringify(sanitizeLogText(text, maxChars))
    .replace(/<{3,}/g, (run) => `<<${'\\u003c'.repeat(run.length - 2)}`)
    .replace(/>{3,}/g, (run) => `>>${'\\u003e'.repeat(run.length - 2)}`);
}
