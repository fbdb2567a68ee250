import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlIncidentSink, MemoryIncidentSink, signatureOf, type NewIncident } from '../../src/incidents/index.js';

function incident(templateIds: string[], detectedAt = 1_700_000_000_000): NewIncident {
  return {
    sessionKey: 'trace-1',
    service: 'shop',
    firstTimestamp: detectedAt - 1000,
    lastTimestamp: detectedAt - 10,
    detectedAt,
    templateIds,
    templates: templateIds.map((id) => `template ${id}`),
    lines: templateIds.map((id) => `line ${id}`),
    truncatedLines: 0,
    score: 12,
    threshold: 7,
    evidence: [],
    modelVersion: 'v1',
    signature: signatureOf(templateIds),
  };
}

describe('JsonlIncidentSink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logtriage-sink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends new incidents and occurrences, and restores both after a restart', async () => {
    const path = join(dir, 'sub', 'incidents.jsonl');
    const sink = new JsonlIncidentSink(path);
    const a = await sink.record(incident(['a', 'b']));
    const again = await sink.record(incident(['a', 'b'], 1_700_000_100_000));
    const c = await sink.record(incident(['c']));
    expect(again).toEqual({ id: a.id, occurrences: 2 });
    expect(c.id).not.toBe(a.id);
    await sink.dispose();
    await sink.dispose();
    await expect(sink.record(incident(['d']))).rejects.toThrow(/closed/);
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['incident', 'occurrence', 'incident']);

    const restored = new JsonlIncidentSink(path);
    expect((await restored.recent()).map((i) => [i.id, i.occurrences])).toEqual([
      [a.id, 2],
      [c.id, 1],
    ]);
    expect(await restored.record(incident(['a', 'b']))).toEqual({ id: a.id, occurrences: 3 });
  });

  it('tolerates a last line cut short by a crash, and refuses a corrupt line in the middle', async () => {
    const path = join(dir, 'incidents.jsonl');
    const sink = new JsonlIncidentSink(path);
    await sink.record(incident(['a']));
    appendFileSync(path, '{"type":"incid');
    expect(await new JsonlIncidentSink(path).recent()).toHaveLength(1);
    writeFileSync(path, `not json\n${readFileSync(path, 'utf8')}`);
    expect(() => new JsonlIncidentSink(path)).toThrow(/line 1 is not JSON/);
  });
});

describe('MemoryIncidentSink', () => {
  it('keeps at most its capacity, dropping the least recently seen signature', async () => {
    const sink = new MemoryIncidentSink(2);
    await sink.record(incident(['a'], 1));
    await sink.record(incident(['b'], 2));
    await sink.record(incident(['a'], 3));
    await sink.record(incident(['c'], 4));
    expect((await sink.recent()).map((i) => i.templateIds[0])).toEqual(['c', 'a']);
  });
});
