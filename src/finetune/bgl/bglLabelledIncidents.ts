import type { ByteSource } from '../../ingest/index.js';
import { signatureOf } from '../../incidents/ids.js';
import type { PromptIncident } from '../../triage/prompts/index.js';
import type { Taxonomy } from '../../triage/taxonomy.js';
import { TransitionScorer } from '../TransitionScorer.js';
import type { LabelledIncident } from '../types.js';
import { bglAnswer } from './bglAnswer.js';
import type { BglTagMapping } from './bglTagMapping.js';
import { readBglSessions, type BglSession, type ReadBglOptions } from './readBglSessions.js';

/** Options of {@link bglLabelledIncidents}. */
export interface BglSourceOptions extends ReadBglOptions {
  mapping: BglTagMapping;
  /** Most surprising positions kept as evidence (`pipeline.evidence`). Default 3. */
  evidence?: number;
}

/** What {@link bglLabelledIncidents} made, and what it saw. */
export interface BglSourceResult {
  items: LabelledIncident[];
  lines: number;
  skippedLines: number;
  sessions: number;
  alertSessions: number;
  /** Alert sessions the stand-in sequence model did not flag. */
  notFlagged: number;
  /** Alert sessions per tag (the session's most frequent tag). */
  tags: Record<string, number>;
}

/**
 * Labelled incidents from BGL-style lines: sessions by node and time window
 * ({@link readBglSessions}); sessions without alert lines train a {@link TransitionScorer} (the tier-1
 * stand-in); each session with alert lines that it flags becomes an incident whose category is its
 * most frequent tag (ties: the first seen) mapped through `mapping`, with a written answer
 * ({@link bglAnswer}).
 */
export async function bglLabelledIncidents(source: ByteSource, taxonomy: Taxonomy, options: BglSourceOptions): Promise<BglSourceResult> {
  const read = await readBglSessions(source, options);
  const normal = read.sessions.filter((s) => s.alerts.length === 0);
  const scorer = new TransitionScorer(
    normal.map((s) => s.templateIds),
    { evidence: options.evidence ?? 3 },
  );
  const items: LabelledIncident[] = [];
  const tags: Record<string, number> = {};
  let alertSessions = 0;
  let notFlagged = 0;
  for (const session of read.sessions) {
    if (session.alerts.length === 0) continue;
    alertSessions++;
    const tag = primaryTag(session);
    tags[tag] = (tags[tag] ?? 0) + 1;
    const scored = scorer.score(session.templateIds, (id) => read.templates.get(id));
    if (!(scored.score > scorer.threshold)) {
      notFlagged++;
      continue;
    }
    const incident: PromptIncident = {
      id: `bgl:${session.key}`,
      sessionKey: session.key,
      service: session.node,
      lines: session.lines,
      truncatedLines: session.truncatedLines,
      templateIds: session.templateIds,
      templates: session.templateIds.map((id) => read.templates.get(id) ?? id),
      score: scored.score,
      threshold: scorer.threshold,
      evidence: scored.evidence,
    };
    const category = options.mapping.categoryOf(tag);
    items.push({ source: 'bgl', id: incident.id, signature: signatureOf(session.templateIds), incident, answer: bglAnswer(session, category, incident, taxonomy) });
  }
  return { items, lines: read.lines, skippedLines: read.skipped, sessions: read.sessions.length, alertSessions, notFlagged, tags };
}

function primaryTag(session: BglSession): string {
  const counts = new Map<string, number>();
  for (const a of session.alerts) counts.set(a.tag, (counts.get(a.tag) ?? 0) + 1);
  let best = session.alerts[0]!.tag;
  for (const [tag, n] of counts) if (n > counts.get(best)!) best = tag;
  return best;
}
