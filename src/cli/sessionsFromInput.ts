import type { Config } from '../config/index.js';
import { readLogEvents } from '../ingest/index.js';
import { readIdLines, readSessionLines } from '../scoring/index.js';
import { Sessionizer } from '../sessions/index.js';
import { TemplateMiner } from '../templates/index.js';

/** How `train` and `eval` read sessions. */
export type SessionInputKind = 'log' | 'sessions' | 'idlines';

/** Labelled sessions of template ids (label 0 when the input has none). */
export interface LabelledSessions {
  sessions: string[][];
  labels: (0 | 1)[];
  /** The miner that produced the ids (only for `log` input). */
  miner?: TemplateMiner;
}

/**
 * Reads sessions: `sessions` (JSON lines `{"label":0|1,"templates":[…]}` or `{"events":[…]}`),
 * `idlines` (one session per line of space-separated event ids), or `log`: a log file mined into
 * templates and grouped into sessions with the configured key.
 */
export async function readSessions(file: string, kind: SessionInputKind, config: Config, miner?: TemplateMiner): Promise<LabelledSessions> {
  if (kind === 'idlines') {
    const sessions = readIdLines(file);
    return { sessions, labels: sessions.map(() => 0) };
  }
  if (kind === 'sessions') return readSessionLines(file, { labelRequired: false });
  const templateMiner = miner ?? new TemplateMiner(config.templates);
  const closed: string[][] = [];
  const sessionizer = new Sessionizer(config.sessions, { onClose: (s) => closed.push(s.templateIds) });
  for await (const event of readLogEvents(file, { format: config.ingest.format, maxLineBytes: config.ingest.maxLineBytes })) {
    const match = templateMiner.add(event.body);
    if (match) sessionizer.add(event, match.templateId);
  }
  await sessionizer.dispose();
  // Ids change when a template generalises: record every session with today's ids.
  const byId = templateMiner.templatesByAnyId();
  const sessions = closed.map((s) => s.map((id) => byId.get(id)?.id ?? id));
  return { sessions, labels: sessions.map(() => 0), miner: templateMiner };
}
