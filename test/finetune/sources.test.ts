import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bglLabelledIncidents,
  createFinetuneDataset,
  DEFAULT_BGL_TAG_MAPPING,
  loadBglTagMapping,
  readBglSessions,
  syntheticLabelledIncidents,
  answerJson,
} from '../../src/finetune/index.js';
import { generateSequences } from '../../src/synthetic/index.js';
import { parseTriageOutput } from '../../src/triage/prompts/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { InputError } from '../../src/util/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const BGL = join(here, 'fixtures', 'BGL.excerpt.log');
const taxonomy = loadTaxonomy();
const root = mkdtempSync(join(tmpdir(), 'logtriage-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function valid(answer: Parameters<typeof answerJson>[0], lines: number): void {
  parseTriageOutput(answerJson(answer), { taxonomy, shownLines: Array.from({ length: lines }, (_, i) => i), backend: 'test' });
}

describe('synthetic source', () => {
  const result = syntheticLabelledIncidents(taxonomy, { anomalies: 120, seed: 5 });
  const labels = new Map(generateSequences({ seed: 5, count: 240, anomalyRatio: 0.5 }).map((s) => [s.id, s]));

  it('makes one incident per flagged failure, labelled with the injected category, with a valid answer', () => {
    expect(result.items.length + result.notFlagged).toBe(120);
    expect(result.items.length).toBeGreaterThan(110);
    for (const item of result.items) {
      const sequence = labels.get(item.id)!;
      expect(item.answer.category).toBe(sequence.category);
      expect(item.incident.lines).toEqual(sequence.lines.map((l) => l.body));
      expect(() => valid(item.answer, item.incident.lines.length)).not.toThrow();
      expect(item.answer.evidence_lines).toContain(sequence.failureIndex);
    }
  });

  it('scores with the tier-1 stand-in: flagged above its threshold, evidence most surprising first, usually at the failure line', () => {
    let atFailure = 0;
    for (const item of result.items) {
      const { incident } = item;
      expect(incident.score).toBeGreaterThan(incident.threshold);
      expect(incident.evidence).toHaveLength(3);
      const surprises = incident.evidence.map((e) => e.surprise);
      expect([...surprises].sort((a, b) => b - a)).toEqual(surprises);
      for (const e of incident.evidence) expect(e.position).toBeLessThanOrEqual(incident.lines.length);
      if (incident.evidence.some((e) => e.position === labels.get(item.id)!.failureIndex)) atFailure++;
    }
    expect(atFailure / result.items.length).toBeGreaterThan(0.9);
  });

  it('rates severity from how the request ended: failed with 4xx/5xx is high, still answered is medium', () => {
    for (const item of result.items) {
      const last = item.incident.lines.at(-1)!;
      if (item.answer.severity === 'high') expect(last).toMatch(/(?:failed|rejected) with status [45]\d\d/);
      if (item.answer.severity === 'medium') expect(last).not.toMatch(/(?:failed|rejected) with status [45]\d\d/);
    }
    expect(new Set(result.items.map((i) => i.answer.severity))).toEqual(new Set(['high', 'medium', 'critical']));
  });

  it('is deterministic for a seed', () => {
    expect(JSON.stringify(syntheticLabelledIncidents(taxonomy, { anomalies: 30, seed: 9 }).items)).toBe(JSON.stringify(syntheticLabelledIncidents(taxonomy, { anomalies: 30, seed: 9 }).items));
  });
});

describe('BGL source', () => {
  it('groups lines into sessions by node and hour, messages without the label column', async () => {
    const read = await readBglSessions(BGL);
    expect(read.lines).toBe(61);
    expect(read.skipped).toBe(0);
    expect(read.sessions).toHaveLength(38);
    const tlb = read.sessions.filter((s) => s.node === 'R30-M0-N9-C:J16-U01');
    expect(tlb.map((s) => s.alerts.length)).toEqual([6, 10, 7]);
    expect(tlb[0]!.key).toBe(`R30-M0-N9-C:J16-U01@${Math.floor(1118536327 / 3600) * 3_600_000}`);
    expect(tlb[0]!.lines[0]).toBe('data TLB error interrupt');
    expect(tlb[0]!.alerts[0]).toEqual({ position: 0, tag: 'KERNDTLB', level: 'FATAL' });
    const first = read.sessions[0]!;
    expect(first.node).toBe('R02-M1-N0-C:J12-U11');
    expect(first.lines).toEqual(['instruction cache parity error corrected', 'instruction cache parity error corrected', 'instruction cache parity error corrected', 'instruction cache parity error corrected']);
    expect(first.alerts).toEqual([]);
    for (const s of read.sessions) for (const line of s.lines) expect(line).not.toMatch(/^(?:-|[A-Z]{4,}) \d{10} /);
  });

  it('maps alert tags to the taxonomy with the default mapping; a tag it does not know becomes unknown', async () => {
    const result = await bglLabelledIncidents(BGL, taxonomy, { mapping: loadBglTagMapping(taxonomy) });
    expect(result.alertSessions).toBe(24);
    expect(result.tags).toEqual({ APPREAD: 3, KERNDTLB: 3, KERNSTOR: 2, APPCHILD: 1, KERNRTSP: 2, KERNTERM: 2, APPSEV: 2, KERNMNTF: 2, KERNREC: 2, APPTO: 2, APPRES: 2, APPOUT: 1 });
    const categoryOf = (text: RegExp): string[] => [...new Set(result.items.filter((i) => text.test(i.incident.lines.join('\n'))).map((i) => i.answer.category))];
    expect(categoryOf(/data TLB error interrupt/)).toEqual(['hardware_fault']);
    expect(categoryOf(/Connection timed out/)).toEqual(['timeout']);
    expect(categoryOf(/failed to read message prefix/)).toEqual(['connection_failure']);
    expect(categoryOf(/Lustre mount FAILED/)).toEqual(['connection_failure']);
    expect(categoryOf(/No child processes/)).toEqual(['unknown']);
    for (const item of result.items) {
      expect(() => valid(item.answer, item.incident.lines.length)).not.toThrow();
      expect(item.incident.service).toBe(item.incident.sessionKey.split('@')[0]);
      // The tag is the label: the model never sees it.
      expect(JSON.stringify(item.incident)).not.toMatch(/KERNDTLB|APPREAD|APPTO/);
    }
    const fatalHardware = result.items.find((i) => /data TLB/.test(i.incident.lines[0]!))!;
    expect(fatalHardware.answer.severity).toBe('critical');
    expect(fatalHardware.answer.evidence_lines).toEqual(fatalHardware.incident.lines.map((_, i) => i));
  });

  it('lets a YAML file override the mapping, and refuses a category the taxonomy lacks', () => {
    const file = join(root, 'mapping.yaml');
    writeFileSync(file, 'KERNDTLB: data_corruption\nAPP*: service_call_failure\n');
    const mapping = loadBglTagMapping(taxonomy, file);
    expect(mapping.categoryOf('KERNDTLB')).toBe('data_corruption');
    expect(mapping.categoryOf('APPCHILD')).toBe('service_call_failure');
    // An exact default rule still wins over the file's pattern.
    expect(mapping.categoryOf('APPTO')).toBe('timeout');
    expect(mapping.categoryOf('KERNSTOR')).toBe('hardware_fault');
    expect(mapping.categoryOf('NOSUCHTAG')).toBe('unknown');
    writeFileSync(file, 'KERNDTLB: cosmic_rays\n');
    expect(() => loadBglTagMapping(taxonomy, file)).toThrow(/KERNDTLB → cosmic_rays: the taxonomy lacks "cosmic_rays"/);
    writeFileSync(file, 'KERN DTLB: hardware_fault\n');
    expect(() => loadBglTagMapping(taxonomy, file)).toThrow(InputError);
    const small = { version: 1 as const, categories: [{ name: 'timeout', description: 'slow' }, { name: 'unknown', description: 'other' }] };
    expect(() => loadBglTagMapping(small)).toThrow(/the taxonomy lacks "hardware_fault", "connection_failure"/);
  });

  it('finetune/README.md lists exactly the default mapping', () => {
    const readme = readFileSync(join(here, '..', '..', 'finetune', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z*]+)` \| `([a-z_]+)` \|/gm)].map((m) => ({ tag: m[1], category: m[2] }));
    expect(rows).toEqual(DEFAULT_BGL_TAG_MAPPING.map((r) => ({ tag: r.tag, category: r.category })));
  });

  it('finetune-data --source file --file-format bgl writes a dataset with the BGL source in its card', async () => {
    const out = join(root, 'bgl');
    const { card } = await createFinetuneDataset({ sources: ['file'], file: { path: BGL, format: 'bgl' }, out, format: 'sharegpt', taxonomy, maxPromptTokens: 3072, quiet: true });
    expect(card.bySource.bgl!.total).toBe(card.examples);
    expect(card.examples).toBeGreaterThan(10);
    expect(card.dropped.duplicate_signature?.bgl).toBeGreaterThan(0);
    expect(card.sources.bgl).toMatchObject({ lines: 61, alertSessions: 24, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Object.keys(card.byCategory)).toEqual(expect.arrayContaining(['hardware_fault', 'connection_failure', 'timeout']));
  });

  it('refuses a file without the BGL layout, and one without alerts, saying what was expected', async () => {
    const text = join(root, 'plain.log');
    writeFileSync(text, Array.from({ length: 30 }, (_, i) => `2025-03-03 INFO line ${i}`).join('\n'));
    await expect(readBglSessions(text)).rejects.toThrow(/BGL layout/);
    const normal = join(root, 'normal.log');
    writeFileSync(normal, readFileSync(BGL, 'utf8').split('\r\n').filter((l) => l.startsWith('- ')).join('\r\n'));
    await expect(createFinetuneDataset({ sources: ['file'], file: { path: normal, format: 'bgl' }, out: join(root, 'none'), format: 'chatml', taxonomy, maxPromptTokens: 3072, quiet: true })).rejects.toThrow(/no line carries an alert tag/);
  });
});
