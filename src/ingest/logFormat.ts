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

/** Python's `(?P<name>…)` and `(?P=name)`, which logparser users write, in JavaScript syntax. */
function fromPythonSyntax(source: string): string {
  return source.replace(/\(\?P</g, '(?<').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>');
}

function compile(source: string, what: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new InputError(`${what} is not a valid regular expression: ${(error as Error).message}. Literal text between fields is regex source (logparser convention): escape [ ] ( ) | . * + ? with a backslash`, { cause: error });
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
 * `<Content>` (any case): the message. Throws {@link InputError} when the format has no fields,
 * no Content, a repeated field, or does not compile.
 */
export function compileLogFormat(format: string): LineParser {
  const pieces = format.split(FIELD);
  if (pieces.length < 3) {
    throw new InputError(`log format "${format}" has no <Field> placeholders; write e.g. "<Date> <Time> <Level> <Component>: <Content>"`);
  }
  const fieldCount = (pieces.length - 1) / 2;
  const fieldGroups: [string, string][] = [];
  const seen = new Set<string>();
  let contentGroup: string | undefined;
  let source = '^';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (i % 2 === 0) {
      source += fromPythonSyntax(piece).replace(/ +/g, '\\s+');
      continue;
    }
    const name = piece.slice(1, -1).trim();
    if (seen.has(name)) throw new InputError(`log format "${format}" names the field <${name}> twice; give each field its own name`);
    seen.add(name);
    const index = (i - 1) / 2;
    const group = `${GROUP_PREFIX}${index}`;
    source += `(?<${group}>.*${index === fieldCount - 1 ? '' : '?'})`;
    if (name.toLowerCase() === CONTENT && contentGroup === undefined) contentGroup = group;
    else fieldGroups.push([name, group]);
  }
  source += '$';
  if (contentGroup === undefined) {
    throw new InputError(`log format "${format}" has no <Content> field; mark the message part, e.g. "<Date> <Time> <Level>: <Content>"`);
  }
  const regex = compile(source, `log format "${format}"`);
  const present = new Set(groupNames(regex));
  for (const [name, group] of [...fieldGroups, ['Content', contentGroup] as const]) {
    if (!present.has(group)) {
      throw new InputError(`log format "${format}": the field <${name}> ended up inside a regex construct (an unescaped "[" before it?); write literal brackets as \\[ and \\]`);
    }
  }
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
