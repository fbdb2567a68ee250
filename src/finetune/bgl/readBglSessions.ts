import { compileLogFormat, LOG_FORMAT_PRESETS, readLines, type ByteSource } from '../../ingest/index.js';
import { TemplateMiner } from '../../templates/index.js';
import { InputError } from '../../util/errors.js';

/** An alert line of a session: where it is and its tag. */
export interface BglAlert {
  /** Index of the event in the session. */
  position: number;
  tag: string;
  /** The `Level` column: INFO, WARNING, SEVERE, ERROR, FATAL, FAILURE. */
  level: string;
}

/** The events of one node in one time window. */
export interface BglSession {
  node: string;
  /** Window start, epoch ms. */
  windowStart: number;
  /** `<node>@<window start ms>`, as a `window` session key reads. */
  key: string;
  /** Messages (the `Content` column), at most `maxLines`, each cut to `maxLineChars`. */
  lines: string[];
  /** Events past `maxLines`. */
  truncatedLines: number;
  /** Template id of every event, in order. */
  templateIds: string[];
  alerts: BglAlert[];
  firstTimestamp: number;
  lastTimestamp: number;
}

/** Options of {@link readBglSessions}. */
export interface ReadBglOptions {
  /** Session window per node, ms. Default one hour. */
  windowMs?: number;
  /** Most events of one session; a fuller window continues in a new session (`#2`, …). Default 1,000 (`sessions.maxEvents`). */
  maxEvents?: number;
  /** Messages kept per session (`pipeline.incidents.maxRawLines`). Default 200. */
  maxLines?: number;
  /** Longest message kept (`pipeline.incidents.maxLineChars`). Default 2,000. */
  maxLineChars?: number;
  /** Told of every 10,000 lines read. */
  onLines?: (lines: number) => void;
}

/** What {@link readBglSessions} read. */
export interface BglSessions {
  sessions: BglSession[];
  /** Template texts by id. */
  templates: Map<string, string>;
  lines: number;
  /** Lines that do not have the BGL layout (skipped). */
  skipped: number;
}

const PARSER = compileLogFormat(LOG_FORMAT_PRESETS.BGL!);

/**
 * Reads BGL-style lines (`<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component>
 * <Level> <Content>`, Loghub's BGL layout; the label is `-` for a normal line, else the alert tag)
 * and groups them into sessions by node and tumbling time window (aligned to the epoch, from the
 * epoch-seconds `Timestamp` column). Templates are mined online from the messages, as the pipeline
 * does; ids are resolved to the final templates at the end. The label never enters a message.
 */
export async function readBglSessions(source: ByteSource, options: ReadBglOptions = {}): Promise<BglSessions> {
  const windowMs = options.windowMs ?? 3_600_000;
  const maxEvents = options.maxEvents ?? 1_000;
  const maxLines = options.maxLines ?? 200;
  const maxLineChars = options.maxLineChars ?? 2_000;
  const miner = new TemplateMiner();
  const open = new Map<string, BglSession>();
  const parts = new Map<string, number>();
  const sessions: BglSession[] = [];
  let lines = 0;
  let skipped = 0;
  for await (const { line, lineNumber } of readLines(source)) {
    lines++;
    if (lines % 10_000 === 0) options.onLines?.(lines);
    const parsed = PARSER.parse(line);
    const seconds = Number(parsed?.fields.Timestamp);
    const node = parsed?.fields.Node;
    if (!parsed || !node || !Number.isFinite(seconds)) {
      skipped++;
      if (skipped === lines && lines >= 20) {
        throw new InputError(`${typeof source === 'string' ? source : 'input'}: none of the first ${lines} lines has the BGL layout (line ${lineNumber} reads ${JSON.stringify(line.slice(0, 80))}); expected "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>", the label "-" or an alert tag`);
      }
      continue;
    }
    const at = seconds * 1000;
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const base = `${node}@${windowStart}`;
    let session = open.get(base);
    if (session && session.templateIds.length >= maxEvents) {
      open.delete(base);
      session = undefined;
    }
    if (!session) {
      const part = (parts.get(base) ?? 0) + 1;
      parts.set(base, part);
      session = { node, windowStart, key: part === 1 ? base : `${base}#${part}`, lines: [], truncatedLines: 0, templateIds: [], alerts: [], firstTimestamp: at, lastTimestamp: at };
      open.set(base, session);
      sessions.push(session);
    }
    const content = parsed.content;
    const match = miner.add(content);
    const position = session.templateIds.length;
    session.templateIds.push(match?.templateId ?? '<empty>');
    if (session.lines.length < maxLines) session.lines.push(content.length > maxLineChars ? `${content.slice(0, maxLineChars)}…` : content);
    else session.truncatedLines++;
    session.lastTimestamp = Math.max(session.lastTimestamp, at);
    const label = parsed.fields.Label ?? '-';
    if (label !== '-') session.alerts.push({ position, tag: label, level: parsed.fields.Level ?? '' });
  }
  if (lines > 0 && skipped === lines) throw new InputError(`${typeof source === 'string' ? source : 'input'}: no line has the BGL layout ("<Label> <Timestamp> <Date> <Node> … <Level> <Content>")`);

  // A template generalised after an event was mined has a new id; every event gets the final one.
  const byAnyId = miner.templatesByAnyId();
  const templates = new Map<string, string>();
  for (const session of sessions) {
    session.templateIds = session.templateIds.map((id) => {
      const template = byAnyId.get(id);
      if (!template) return id;
      templates.set(template.id, template.text);
      return template.id;
    });
  }
  return { sessions, templates, lines, skipped };
}
