import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { readLogEvents } from '../ingest/index.js';
import { Sessionizer } from '../sessions/index.js';
import { TemplateMiner } from '../templates/index.js';
import { InputError } from '../util/errors.js';

/** How `train` and `eval` read sessions. */
export type SessionInputKind = 'log' | 'sessions' | 'idlines';

/** Labelled sessions of template ids (label 0 when the input has none). */
export interface LabelledSessions {
  sessions: string[][];
  labels: (0 | 1)[];
  /** The miner that produced the ids (only for `log` input). */
  miner?: TemplateMiner;
}

const sessionLine = z.union([
  z.object({ label: z.union([z.literal(0), z.literal(1)]).default(0), templates: z.array(z.string()) }),
  z.object({ label: z.union([z.literal(0), z.literal(1)]).default(0), events: z.array(z.union([z.string(), z.number()])) }),
]);

/**
 * Reads sessions: `sessions` (JSON lines `{"label":0|1,"templates":[…]}` or `{"events":[…]}`),
 * `idlines` (one session per line of space-separated event ids), or `log`: a log file mined into
 * templates and grouped into sessions with the configured key.
 */
export async function readSessions(file: string, kind: SessionInputKind, config: Config, miner?: TemplateMiner): Promise<LabelledSessions> {
  if (kind === 'idlines' || kind === 'sessions') {
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    if (kind === 'idlines') return { sessions: lines.map((l) => l.split(/\s+/)), labels: lines.map(() => 0) };
    const sessions: string[][] = [];
    const labels: (0 | 1)[] = [];
    lines.forEach((line, i) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new InputError(`${file}:${i + 1}: not JSON`);
      }
      const parsed = sessionLine.safeParse(json);
      if (!parsed.success) throw new InputError(`${file}:${i + 1}: expected {"label":0|1,"templates":[…]} or {"label":0|1,"events":[…]}`);
      sessions.push('templates' in parsed.data ? parsed.data.templates : parsed.data.events.map(String));
      labels.push(parsed.data.label);
    });
    return { sessions, labels };
  }
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
