import { describe, expect, it } from 'vitest';
import { TemplateMiner, templateIdOf } from '../../src/templates/index.js';
import { loghubExcerpt, type LoghubRow } from './loghubExcerpt.js';

const EXCERPT = loghubExcerpt();
const SYSTEMS = Object.keys(EXCERPT);

// Events whose template text the miner writes differently from Loghub, though it groups their
// messages right: the duration mask takes the unit (`10000ms` and `14 ms` → `<*>`, Loghub `<*>ms`
// and `<*> ms`), the float
// mask keeps the dot (`0.0` → `<*>.<*>`, Loghub `<*>`), and the miner keeps the literal
// `HTTP/<*>.<*>` that Loghub folds into the request wildcard.
const TEXT_DIFFERS: Readonly<Record<string, readonly string[]>> = {
  Zookeeper: ['E15'],
  OpenStack: ['E25', 'E26'],
  Spark: ['E24', 'E9', 'E20'],
};

interface Mined {
  row: LoghubRow;
  /** The id of the message's template after all messages were mined (ids change on generalising). */
  id: string;
  text: string;
}

function mine(rows: readonly LoghubRow[], miner = new TemplateMiner()): Mined[] {
  const ids = rows.map((row) => {
    const result = miner.add(row.content);
    expect(result, row.content).toBeDefined();
    return result!.templateId;
  });
  return rows.map((row, i) => {
    const template = miner.get(ids[i]!);
    expect(template, row.content).toBeDefined();
    return { row, id: template!.id, text: template!.text };
  });
}

function byEvent(mined: readonly Mined[]): Map<string, Mined[]> {
  const groups = new Map<string, Mined[]>();
  for (const m of mined) groups.set(m.row.eventId, [...(groups.get(m.row.eventId) ?? []), m]);
  return groups;
}

describe('TemplateMiner on Loghub excerpts', () => {
  it('has 12 to 15 lines of 6 to 10 events for each of the 6 systems', () => {
    expect(SYSTEMS.sort()).toEqual(['HDFS', 'Linux', 'OpenStack', 'Proxifier', 'Spark', 'Zookeeper']);
    for (const rows of Object.values(EXCERPT)) {
      expect(rows.length).toBeGreaterThanOrEqual(12);
      expect(rows.length).toBeLessThanOrEqual(15);
      const events = new Set(rows.map((r) => r.eventId)).size;
      expect(events).toBeGreaterThanOrEqual(6);
      expect(events).toBeLessThanOrEqual(10);
    }
  });

  it.each(SYSTEMS)('gives all %s messages of one Loghub event the same template id', (system) => {
    for (const [eventId, group] of byEvent(mine(EXCERPT[system]!))) {
      expect(new Set(group.map((m) => m.id)).size, `${system} ${eventId}: ${group.map((m) => m.row.content).join(' | ')}`).toBe(1);
    }
  });

  it.each(SYSTEMS)('gives different %s events different template ids', (system) => {
    const groups = byEvent(mine(EXCERPT[system]!));
    const idOfEvent = new Map([...groups].map(([eventId, group]) => [eventId, group[0]!.id]));
    expect(new Set(idOfEvent.values()).size, JSON.stringify(Object.fromEntries(idOfEvent))).toBe(groups.size);
  });

  it.each(SYSTEMS)('writes the template text of Loghub for the %s events it agrees on', (system) => {
    const differs = TEXT_DIFFERS[system] ?? [];
    let checked = 0;
    for (const [eventId, group] of byEvent(mine(EXCERPT[system]!))) {
      if (differs.includes(eventId)) continue;
      expect(group[0]!.text, `${system} ${eventId}`).toBe(group[0]!.row.eventTemplate);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('keeps the events of all six systems apart when one miner reads them all', () => {
    const mined = mine(Object.values(EXCERPT).flat());
    // Loghub template texts are unique across these six systems, so they name the events.
    const idsByTruth = new Map<string, Set<string>>();
    for (const m of mined) idsByTruth.set(m.row.eventTemplate, (idsByTruth.get(m.row.eventTemplate) ?? new Set()).add(m.id));
    for (const [truth, ids] of idsByTruth) expect(ids.size, truth).toBe(1);
    expect(new Set(mined.map((m) => m.id)).size).toBe(idsByTruth.size);
  });

  it('merges lines that differ only in a block id', () => {
    const miner = new TemplateMiner();
    const first = miner.add('PacketResponder 1 for block blk_38865049064139660 terminating');
    const second = miner.add('PacketResponder 0 for block blk_-6952295868487656571 terminating');
    expect(first).toEqual({ templateId: second!.templateId, template: 'PacketResponder <*> for block blk_<*> terminating', change: 'created' });
    expect(second!.change).toBe('matched');
    expect(miner.size).toBe(1);
  });

  it('masks block ids, addresses and ports of HDFS Receiving lines so that no generalising is needed', () => {
    const miner = new TemplateMiner();
    const rows = EXCERPT.HDFS!.filter((r) => r.eventId === 'E13');
    expect(rows).toHaveLength(3);
    const results = rows.map((r) => miner.add(r.content)!);
    expect(results.map((r) => r.change)).toEqual(['created', 'matched', 'matched']);
    expect(results[2]!.template).toBe('Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>');
    expect(results[2]!.templateId).toBe(templateIdOf('Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>'));
  });

  it('tells Zookeeper socket closes with and without a session apart', () => {
    const miner = new TemplateMiner();
    const withSession = miner.add('Closed socket connection for client /10.10.34.18:42772 which had sessionid 0x14ed93111f20005')!;
    const without = miner.add('Closed socket connection for client /10.10.34.11:56471 (no session established for client)')!;
    expect(withSession.template).toBe('Closed socket connection for client /<*>:<*> which had sessionid <*>');
    expect(without.template).toBe('Closed socket connection for client /<*>:<*> (no session established for client)');
    expect(without.templateId).not.toBe(withSession.templateId);
  });

  it('counts the messages of each template', () => {
    const miner = new TemplateMiner();
    mine(EXCERPT.HDFS!, miner);
    const counts = Object.fromEntries(miner.templates().map((t) => [t.text, t.count]));
    expect(counts['Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>']).toBe(3);
    expect(counts['Verification succeeded for blk_<*>']).toBe(1);
    expect(miner.templates().reduce((sum, t) => sum + t.count, 0)).toBe(EXCERPT.HDFS!.length);
    // most frequent first
    expect(miner.templates()[0]!.count).toBe(3);
  });
});
