import { InputError } from '../util/errors.js';

/** The wildcard that stands for a variable in a template. */
export const WILDCARD = '<*>';

/** A compiled masking rule. */
export interface Mask {
  readonly name: string;
  /**
   * `token`: rewrites one whitespace-separated token at a time (the built-ins);
   * `message`: rewrites the whole message before it is split (sizes such as `2.1 KB`, user rules).
   */
  readonly scope: 'token' | 'message';
  /** Character classes (see {@link charClasses}) a token must contain for the mask to apply; 0 for any. */
  readonly needs: number;
  /** For message masks: a cheap test that is false when the mask cannot match (skips the regex). */
  readonly mayApply: (text: string) => boolean;
  /** Returns the text with its variable parts replaced, or the text itself when nothing matched. */
  apply(text: string): string;
}

/** Character-class bits of {@link charClasses}. */
export const CH = { digit: 1, dot: 2, colon: 4, slash: 8, at: 16, dash: 32, upper3: 64, letterB: 128 } as const;

/**
 * The character classes present in a token, as {@link CH} bits: a cheap first test that spares
 * most tokens most regular expressions.
 */
export function charClasses(token: string): number {
  let bits = token.length === 3 && token.charCodeAt(0) >= 65 && token.charCodeAt(0) <= 90 ? CH.upper3 : 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) bits |= CH.digit;
    else if (c === 46) bits |= CH.dot;
    else if (c === 58) bits |= CH.colon;
    else if (c === 47 || c === 92) bits |= CH.slash;
    else if (c === 64) bits |= CH.at;
    else if (c === 45) bits |= CH.dash;
    else if (c === 66 || c === 98) bits |= CH.letterB;
  }
  return bits;
}

/** A regex masking rule as written in config: every match becomes `replacement`. */
export interface MaskRuleInput {
  name: string;
  pattern: string;
  replacement?: string;
}

function regexMask(name: string, source: string, replacement = WILDCARD, scope: Mask['scope'] = 'token', needs = 0, mayApply: (text: string) => boolean = always): Mask {
  let re: RegExp;
  try {
    re = new RegExp(source, 'g');
  } catch (error) {
    throw new InputError(`mask "${name}": invalid regular expression /${source}/: ${(error as Error).message}`, { cause: error });
  }
  return {
    name,
    scope,
    needs,
    mayApply,
    apply: (text) => {
      re.lastIndex = 0;
      return re.test(text) ? text.replace(re, replacement) : text;
    },
  };
}

const HEX4 = '[0-9a-fA-F]{1,4}';

/**
 * Built-in masks, in the order they run by default. Each rewrites only the variable part of a
 * token (`blk_-562` → `blk_<*>`, `10.0.0.1:50010` → `<*>:<*>`), so a template keeps the literal
 * prefixes and punctuation a reader needs.
 */
export const BUILTIN_MASK_SOURCES: Readonly<Record<string, string>> = {
  // scheme://anything up to whitespace or a quote
  url: String.raw`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>\])]+`,
  email: String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`,
  uuid: String.raw`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`,
  // eight groups, or a compressed form with "::" and at least one group, not inside a word
  ipv6: String.raw`(?<![\w:])(?:(?:${HEX4}:){7}${HEX4}|(?:${HEX4}(?::${HEX4})*)?::(?:${HEX4}(?::${HEX4})*)?)(?![\w:])(?<=[0-9a-fA-F:]*\d[0-9a-fA-F:]*)`,
  ipv4: String.raw`(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.]*\d)`,
  mac: String.raw`(?<![\w:])[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}(?![\w:])`,
  // a host name right before :port
  hostPort: String.raw`(?<![\w.-])[A-Za-z][\w-]*(?:\.[\w-]+)+(?=:\d+(?!\d))`,
  // a DNS name: ends in a common top-level domain, or has a digit and ends in a letter label
  hostname: String.raw`(?<![\w.-])(?:[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:com|net|org|edu|gov|mil|int|info|biz|io|local|internal|lan|localdomain|[a-z]{2}(?<!\.(?:js|ts|py|go|rs|sh|md|so|db|gz|xz|cc|rb|pm|el|hs|ml|kt|cs|fs|vb|ps|in|is|it|do|am|as|at|by|to|me|my|no|on|or|up|us|we|be|he|id|if|of|an|so)))|(?=[\w.-]*\d)[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,6})(?![\w.-])`,
  // weekday and month names: parts of a date written into the message
  dateWord: String.raw`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$`,
  hex: String.raw`(?<![\w])(?:0[xX][0-9a-fA-F]+|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,})(?![\w])`,
  // absolute Unix paths of two or more segments, and Windows paths
  path: String.raw`(?<![\w:/.])(?:(?:/(?:<\*>|[^\s/"'()<>,;])+){2,}/?|[A-Za-z]:\\[^\s"']+)`,
  // key=value: the value up to a separator
  keyValue: String.raw`(?<==)[^\s,;&)\]}]+`,
};

/** Prefilters of the built-in masks: the character classes a match needs (see {@link charClasses}). */
const BUILTIN_NEEDS: Readonly<Record<string, number>> = {
  size: CH.digit | CH.letterB,
  url: CH.colon | CH.slash,
  email: CH.at | CH.dot,
  uuid: CH.dash | CH.digit,
  ipv6: CH.colon,
  ipv4: CH.dot | CH.digit,
  mac: CH.digit | CH.colon,
  hostPort: CH.dot | CH.colon | CH.digit,
  hostname: CH.dot,
  hex: CH.digit,
  path: CH.slash,
  duration: 0,
  dateWord: CH.upper3,
  keyValue: 0,
  user: 0,
};

function always(): boolean {
  return true;
}

/** A set of characters as a lookup table over UTF-16 code units below 256. */
function charSet(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of chars) table[c.charCodeAt(0) & 0xff] = 1;
  return table;
}

/** True when some digit in `text` is followed (after at most one space) by a character of `next`. */
function digitThen(text: string, next: Uint8Array): boolean {
  const n = text.length;
  for (let i = 0; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = text.charCodeAt(i + 1);
    if (d === 32 && i + 2 < n) d = text.charCodeAt(i + 2);
    if (d < 256 && next[d] === 1) return true;
  }
  return false;
}

const DURATION_UNITS = charSet('nuµmsh');
const SIZE_UNITS = charSet('KMGTPEBkb');

const MESSAGE_PREFILTERS: Readonly<Record<string, (text: string) => boolean>> = {
  user: (text) => text.includes('ser') || text.includes('SER') || text.includes('ogin'),
  duration: (text) => digitThen(text, DURATION_UNITS),
  size: (text) => digitThen(text, SIZE_UNITS),
};

/** Built-in masks that rewrite the whole message because their values span tokens. */
export const BUILTIN_MESSAGE_MASK_SOURCES: Readonly<Record<string, string>> = {
  // the name after the word "user" in prose (`for user alice`, `Invalid user admin`): account
  // names are values, and personal data. `user=alice` is key=value, left to the keyValue mask.
  user: String.raw`(?<=\b(?:[Uu]ser|USER|[Uu]sername|[Ll]ogin(?: name)?):? )(?=[A-Za-z_])(?!(?:unknown|name|id|is|has|was|not|with|from|for|to|in|on|the|a)\b)[A-Za-z_][\w.$-]*(?![\w(])`,
  // a duration with a unit symbol, `35ms`, `1.5 s`, `<1 sec`; unit words (`12 seconds`) stay prose
  duration: String.raw`(?<![\w.])\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|min|mins|h|hrs)(?![\w])`,
  // a data size with its unit, `2.1 KB`, `512MiB`: one value although often written as two tokens
  size: String.raw`(?<![\w.])\d+(?:\.\d+)?\s?(?:[KMGTPE]i?B|B|[kKMGTP]b)(?![\w])`,
};

/** Names of the built-in masks that run by default, in order. `keyValue` is available but off. */
export const DEFAULT_MASKS: readonly string[] = ['size', 'user', 'url', 'email', 'uuid', 'hostPort', 'hostname', 'ipv6', 'ipv4', 'mac', 'path', 'dateWord', 'hex', 'duration', 'number'];

/**
 * The `number` mask, written as code because its rule depends on context. A token is cut into
 * segments at punctuation that separates values (`=`, `:`, `,`, `/`, brackets, quotes). In each
 * segment:
 * - an identifier with digits glued to letters in several places (`R02-M1-N0`, `v6.1.7601`) is one
 *   variable and becomes `<*>` whole;
 * - a name with one or two digits after letters (`utf8`, `jk2_init`, `SOCKS5`) stays: it is a name;
 * - otherwise each run of digits (with its sign) becomes `<*>` and the literal around it stays
 *   (`blk_-562` → `blk_<*>`, `64GB` → `<*>GB`, `part-00001` → `part-<*>`).
 */
export const numberMask: Mask = {
  name: 'number',
  scope: 'token',
  needs: CH.digit,
  mayApply: always,
  apply(token: string): string {
    let out = '';
    let start = 0;
    for (let i = 0; i <= token.length; i++) {
      if (i === token.length || isValueSeparator(token.charCodeAt(i))) {
        if (i > start) out += maskSegment(token.slice(start, i));
        if (i < token.length) out += token[i];
        start = i + 1;
      }
    }
    return out;
  },
};

function isValueSeparator(c: number): boolean {
  // = : , ; / \ ( ) [ ] { } " ' < > | @ *
  return (
    c === 61 || c === 58 || c === 44 || c === 59 || c === 47 || c === 92 || c === 40 || c === 41 || c === 91 ||
    c === 93 || c === 123 || c === 125 || c === 34 || c === 39 || c === 60 || c === 62 || c === 124 || c === 64 || c === 42
  );
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function maskSegment(segment: string): string {
  let digits = 0;
  let groups = 0;
  let letterThenDigit = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (!isDigit(c)) continue;
    digits++;
    if (i === 0 || !isDigit(segment.charCodeAt(i - 1))) {
      groups++;
      if (i > 0 && isLetter(segment.charCodeAt(i - 1))) letterThenDigit++;
    }
  }
  if (digits === 0) return segment;
  if (letterThenDigit > 0 && groups >= 2) return WILDCARD;
  if (letterThenDigit === 1 && groups === 1 && digits <= 2) return segment;
  return segment.replace(NUMBER_RUN, WILDCARD);
}

const NUMBER_RUN = /(?<![A-Za-z0-9])-(?=\d)\d+|\d+/g;

/** A mask given in config: a built-in name or a regex rule. */
export type MaskSpec = string | MaskRuleInput;

/** Compiles mask specs (built-in names or regex rules) into masks, in order. */
export function compileMasks(specs: readonly MaskSpec[]): Mask[] {
  return specs.map((spec) => {
    if (typeof spec === 'string') {
      if (spec === 'number') return numberMask;
      const messageSource = BUILTIN_MESSAGE_MASK_SOURCES[spec];
      if (messageSource !== undefined) return regexMask(spec, messageSource, WILDCARD, 'message', BUILTIN_NEEDS[spec] ?? 0, MESSAGE_PREFILTERS[spec]);
      const source = BUILTIN_MASK_SOURCES[spec];
      if (source === undefined) {
        const known = [...Object.keys(BUILTIN_MESSAGE_MASK_SOURCES), ...Object.keys(BUILTIN_MASK_SOURCES), 'number'].join(', ');
        throw new InputError(`unknown built-in mask "${spec}"; known masks: ${known}`);
      }
      return regexMask(spec, source, WILDCARD, 'token', BUILTIN_NEEDS[spec] ?? 0);
    }
    // A rule from config rewrites the whole message, as Drain3's masking instructions do.
    return regexMask(spec.name, spec.pattern, spec.replacement, 'message');
  });
}
