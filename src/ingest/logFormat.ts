import { InputError } from '../util/errors.js';

/** A line split into its header fields and its message. */
export interface ParsedLine {
  /** Header fields by name (`Date`, `Level`, `Component`…); optional fields that did not match are absent. */
  fields: Record<string, string>;
  /** The message part (the `Content` field or `content` group). */
  content: string;
}

/** Splits lines of one layout into header fields and message. */
export interface LineParser {
  /** The format as written (format string, `regex:…`, or the preset's format), for messages. */
  readonly format: string;
  /** Names of the header fields, in order, without the content field. */
  readonly fieldNames: readonly string[];
  /** Splits `line`; `undefined` when it does not match. */
  parse(line: string): ParsedLine | undefined;
}

const FIELD = /(<[^<>]+>)/;
const CONTENT = 'content';
const GROUP_PREFIX = 'ltf';
const SEPARATOR_PREFIX = 'lts';
/**
 * Longest header field (any field but Content and the last one), in characters. Real headers are
 * far shorter (OpenStack's request ids, the longest in Loghub, are ~120); the bound keeps a field
 * nested in an optional construct (Linux's `(\[<PID>\])?`) from costing O(n²) on hostile lines.
 */
const MAX_HEADER_FIELD_CHARS = 1024;

/** Python's `(?P<name>…)` and `(?P=name)`, which logparser users write, in JavaScript syntax. */
function fromPythonSyntax(source: string): string {
  return source.replace(/\(\?P</g, '(?<').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>');
}

function compile(source: string, what: string, flags = ''): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (error) {
    // V8 says "Invalid regular expression: /<source>/: <reason>"; the source is ours, not the user's.
    const reason = (error as Error).message.split(': ').at(-1);
    throw new InputError(`${what} is not a valid regular expression (${reason}); literal text between fields is regex source (logparser convention): escape [ ] ( ) | . * + ? with a backslash`, { cause: error });
  }
}

/** Whether a piece of regex source compiles on its own (it does not open or close a construct around a field). */
function selfContained(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** Names of the named groups of `regex`, in order: a match of the empty alternative lists them all. */
function groupNames(regex: RegExp): string[] {
  const probe = new RegExp(`(?:${regex.source})|`).exec('');
  return Object.keys(probe?.groups ?? {});
}

class RegexLineParser implements LineParser {
  constructor(
    readonly format: string,
    private readonly regex: RegExp,
    /** [field name, group name] of the header fields. */
    private readonly fieldGroups: readonly (readonly [string, string])[],
    private readonly contentGroup: string,
    /** Trim the line before matching (logparser strips each line). */
    private readonly trim: boolean,
  ) {}

  get fieldNames(): readonly string[] {
    return this.fieldGroups.map(([field]) => field);
  }

  parse(line: string): ParsedLine | undefined {
    const match = this.regex.exec(this.trim ? line.trim() : line);
    const groups = match?.groups;
    if (!groups) return undefined;
    const fields: Record<string, string> = {};
    for (const [field, group] of this.fieldGroups) {
      const value = groups[group];
      if (value !== undefined) fields[field] = value;
    }
    return { fields, content: groups[this.contentGroup] ?? '' };
  }
}

/**
 * Compiles a logparser-style format string such as `<Date> <Time> <Level> <Component>: <Content>`,
 * as logparser's `generate_logformat_regex` does: each `<Field>` becomes a lazy group (the last
 * one greedy), the text between fields is used as regex source with every run of spaces turned
 * into `\s+`, and the whole is anchored. Lines are trimmed before matching. One field must be
 * `<Content>` (any case): the message. Unlike logparser, a field is matched atomically up to the
 * first place its separator matches, so a line that does not fit costs time about linear in its
 * length, not exponential in the number of fields (hostile input cannot stall the reader); the
 * split is logparser's except where logparser would cut a run of spaces into an empty field or
 * find a header field longer than 1,024 characters. Throws {@link InputError} when the format has no fields,
 * no Content, a repeated field, or does not compile.
 */
export function compileLogFormat(format: string): LineParser {
  const pieces = format.split(FIELD);
  if (pieces.length < 3) {
    throw new InputError(`log format "${format}" has no <Field> placeholders; write e.g. "<Date> <Time> <Level> <Component>: <Content>"`);
  }
  const fieldCount = (pieces.length - 1) / 2;
  const literals = pieces.filter((_, i) => i % 2 === 0).map((piece) => fromPythonSyntax(piece).replace(/ +/g, '\\s+'));
  const fieldGroups: [string, string][] = [];
  const seen = new Set<string>();
  let contentGroup: string | undefined;
  // `plain` is logparser's regex, compiled to check the format; `source` the one that is used.
  let plain = `^${literals[0]}`;
  let source = plain;
  for (let index = 0; index < fieldCount; index++) {
    const name = pieces[2 * index + 1]!.slice(1, -1).trim();
    if (seen.has(name)) throw new InputError(`log format "${format}" names the field <${name}> twice; give each field its own name`);
    seen.add(name);
    const group = `${GROUP_PREFIX}${index}`;
    const separator = literals[index + 1]!;
    const isContent = name.toLowerCase() === CONTENT && contentGroup === undefined;
    const lazy = isContent ? '.*?' : `.{0,${MAX_HEADER_FIELD_CHARS}}?`;
    plain += `(?<${group}>.*${index === fieldCount - 1 ? '' : '?'})${separator}`;
    if (index === fieldCount - 1) {
      source += `(?<${group}>.*)${separator}`;
    } else if (separator !== '' && selfContained(separator)) {
      // Field and separator are matched atomically (a lookahead, then backreferences): the field
      // ends at the first place the separator matches and is never revisited. logparser's plain
      // lazy groups backtrack through every split of a line that does not fit: O(n^fields), 12 s
      // for one 200-word line against HDFS. The split is the same whenever logparser's would be
      // found too (a lazy field absorbs whatever a later split would leave to the fields after
      // it); only lines that logparser fits by cutting a run of spaces into empty fields fail here.
      const sep = `${SEPARATOR_PREFIX}${index}`;
      source += `(?=(?<${group}>${lazy})(?<${sep}>${separator}))\\k<${group}>\\k<${sep}>`;
    } else {
      // The separator opens or closes a construct around the next field (Linux's `(\[<PID>\])?`).
      source += `(?<${group}>${lazy})${separator}`;
    }
    if (isContent) contentGroup = group;
    else fieldGroups.push([name, group]);
  }
  plain += '$';
  source += '$';
  if (contentGroup === undefined) {
    throw new InputError(`log format "${format}" has no <Content> field; mark the message part, e.g. "<Date> <Time> <Level>: <Content>"`);
  }
  const present = new Set(groupNames(compile(plain, `log format "${format}"`)));
  for (const [name, group] of [...fieldGroups, ['Content', contentGroup] as const]) {
    if (!present.has(group)) {
      throw new InputError(`log format "${format}": the field <${name}> ended up inside a regex construct (an unescaped "[" before it?); write literal brackets as \\[ and \\]`);
    }
  }
  // dotAll: a line may hold a lone \r or U+2028, which `.` must not stop at.
  const regex = compile(source, `log format "${format}"`, 's');
  return new RegexLineParser(format, regex, fieldGroups, contentGroup, true);
}

/**
 * Compiles a regular expression with named groups (`(?<name>…)`, Python's `(?P<name>…)` also
 * accepted) into a line parser. The `content` group (any case) is the message; the other named
 * groups are the header fields. The pattern is used as written: add `^…$` to anchor it. Throws
 * {@link InputError} when it does not compile or has no content group.
 */
export function compileRegexFormat(pattern: string): LineParser {
  const regex = compile(fromPythonSyntax(pattern), `regex format "${pattern}"`);
  const names = groupNames(regex);
  const contentGroup = names.find((name) => name.toLowerCase() === CONTENT);
  if (contentGroup === undefined) {
    throw new InputError(`regex format "${pattern}" has no named group "content"; mark the message part, e.g. ^(?<level>\\w+): (?<content>.*)$`);
  }
  const fieldGroups = names.filter((name) => name !== contentGroup).map((name) => [name, name] as const);
  return new RegexLineParser(`regex:${pattern}`, regex, fieldGroups, contentGroup, false);
}
