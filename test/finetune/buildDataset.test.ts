import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerJson, buildDataset, parseRecord, toRecord, writeFinetuneDataset, type BuiltDataset, type LabelledIncident } from '../../src/finetune/index.js';
import { signatureOf } from '../../src/incidents/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import type { TriagePrompt } from '../../src/triage/types.js';

const taxonomy = loadTaxonomy();
const root = mkdtempSync(join(tmpdir(), 'logtriage-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A labelled incident of real HDFS lines; `n` varies the block id, `extra` appends template ids (another signature). */
function item(n: number, category = 'connection_failure', overrides: Partial<LabelledIncident> = {}, extra: string[] = []): LabelledIncident {
  const templateIds = ['E5', 'E5', 'E6', 'E7', 'E11', ...extra];
  const block = `blk_-16089996879198629${String(n).padStart(2, '0')}`;
  const lines = [
    `Receiving block ${block} src: /10.250.19.102:54106 dest: /10.250.19.102:50010`,
    `Receiving block ${block} src: /10.250.10.6:40524 dest: /10.250.10.6:50010`,
    `Exception in receiveBlock for block ${block} java.io.IOException: Connection reset by peer`,
    `writeBlock ${block} received exception java.io.IOException: Connection reset by peer`,
    `PacketResponder 2 for block ${block} terminating`,
    ...extra.map((id) => `event ${id} of ${block}`),
  ];
  return {
    source: 'synthetic',
    id: `item-${n}`,
    signature: signatureOf(templateIds),
    incident: {
      id: `item-${n}`,
      sessionKey: block,
      service: 'hdfs-datanode',
      lines,
      truncatedLines: 0,
      templateIds,
      templates: templateIds.map((id) => `template ${id}`),
      score: 11.2,
      threshold: 6.5,
      evidence: [{ position: 2, templateId: 'E6', surprise: 9.1, expected: [{ templateId: 'E11', probability: 0.9 }] }],
    },
    answer: {
      category,
      severity: 'high',
      confidence: 0.9,
      summary: `Block ${block} write failed: connection reset by peer`,
      explanation: 'The data node reset the connection [2] and the write failed [3].',
      evidence_lines: [2, 3],
      suggested_actions: ['Check the data node that reset the connection'],
    },
    ...overrides,
  };
}

/** `count` items of `category`, each with its own signature. */
function many(count: number, category: string, from = 0): LabelledIncident[] {
  return Array.from({ length: count }, (_, i) => item(from + i, category, {}, [`X${from + i}`]));
}

function all(built: BuiltDataset) {
  return [...built.splits.train, ...built.splits.val, ...built.splits.test];
}

describe('buildDataset', () => {
  it('keeps one example per signature, preferring reviewed incidents over synthetic ones, and counts the rest', () => {
    const reviewed = item(1, 'connection_failure', { source: 'incidents', id: 'inc_1' });
    const built = buildDataset([item(2, 'timeout'), reviewed, item(3, 'timeout')], { taxonomy, format: 'chatml', balance: 'none' });
    const kept = all(built);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.id).toBe('inc_1');
    expect(built.dropped.duplicate_signature).toEqual({ synthetic: 2 });
  });

  it('drops an answer the output schema refuses (a category outside the taxonomy, a line break in the summary) and counts why', () => {
    const outside = item(1, 'cosmic_rays', {}, ['A']);
    const twoLines = item(2, 'timeout', {}, ['B']);
    twoLines.answer = { ...twoLines.answer, summary: 'first line\nsecond line' };
    const good = item(3, 'timeout', {}, ['C']);
    const built = buildDataset([outside, twoLines, good], { taxonomy, format: 'sharegpt', balance: 'none' });
    expect(all(built).map((e) => e.id)).toEqual(['item-3']);
    expect(built.dropped.category_not_in_taxonomy).toEqual({ synthetic: 1 });
    expect(built.dropped.invalid_answer).toEqual({ synthetic: 1 });
  });

  it('removes evidence lines the prompt does not show, so the answer stays valid for its prompt', () => {
    const x = item(1, 'timeout', {}, ['A']);
    x.answer = { ...x.answer, evidence_lines: [2, 99] };
    const built = buildDataset([x], { taxonomy, format: 'chatml', balance: 'none' });
    const answer = JSON.parse(parseRecord(all(built)[0]!.record, 'chatml').answer) as { evidence_lines: number[] };
    expect(answer.evidence_lines).toEqual([2]);
    expect(built.evidenceLinesRemoved).toBe(1);
  });

  it('drops answers over the answer budget and examples over the example budget', () => {
    const long = item(1, 'timeout', {}, ['A']);
    long.answer = { ...long.answer, explanation: 'x'.repeat(1_900) };
    const short = item(2, 'timeout', {}, ['B']);
    const built = buildDataset([long, short], { taxonomy, format: 'chatml', balance: 'none', maxAnswerTokens: 300 });
    expect(all(built).map((e) => e.id)).toEqual(['item-2']);
    expect(built.dropped.answer_too_long).toEqual({ synthetic: 1 });
    const tight = buildDataset([short], { taxonomy, format: 'chatml', balance: 'none', maxExampleTokens: 500 });
    expect(all(tight)).toHaveLength(0);
    expect(tight.dropped.example_too_long).toEqual({ synthetic: 1 });
  });

  it('caps each category at maxPerClass, keeping reviewed incidents first', () => {
    const reviewed = { ...item(900, 'timeout', { source: 'incidents', id: 'inc_900' }, ['R']) };
    const built = buildDataset([...many(30, 'timeout'), reviewed, ...many(5, 'database_error', 100)], { taxonomy, format: 'chatml', maxPerClass: 10 });
    const kept = all(built);
    expect(kept.filter((e) => e.category === 'timeout')).toHaveLength(10);
    expect(kept.filter((e) => e.category === 'database_error')).toHaveLength(5);
    expect(kept.some((e) => e.id === 'inc_900')).toBe(true);
    expect(built.dropped.balanced_out).toEqual({ synthetic: 21 });
    expect(built.maxPerClass).toBe(10);
  });

  it('splits stratified by category: every category with enough examples is in train, val and test at about 80/10/10', () => {
    const built = buildDataset([...many(40, 'timeout'), ...many(20, 'database_error', 100), ...many(10, 'permission_error', 200)], { taxonomy, format: 'alpaca', balance: 'none' });
    const count = (split: keyof BuiltDataset['splits'], category: string): number => built.splits[split].filter((e) => e.category === category).length;
    expect([count('train', 'timeout'), count('val', 'timeout'), count('test', 'timeout')]).toEqual([32, 4, 4]);
    expect([count('train', 'database_error'), count('val', 'database_error'), count('test', 'database_error')]).toEqual([16, 2, 2]);
    expect([count('train', 'permission_error'), count('val', 'permission_error'), count('test', 'permission_error')]).toEqual([8, 1, 1]);
  });

  it('writes the same bytes for the same seed, and another split for another seed', async () => {
    const items = [...many(20, 'timeout'), ...many(20, 'database_error', 100)];
    const settings = (seed: number) => ({ format: 'chatml' as const, language: 'en' as const, taxonomy, tokenCounter: 'estimate', maxPromptTokens: 3072, maxAnswerTokens: 512, maxExampleTokens: 3584, balance: 'none' as const, splits: { train: 0.8, val: 0.1, test: 0.1 }, seed, sources: {} });
    const a = await writeFinetuneDataset(join(root, 'a'), buildDataset(items, { taxonomy, format: 'chatml', balance: 'none', seed: 7 }), settings(7));
    const b = await writeFinetuneDataset(join(root, 'b'), buildDataset(items, { taxonomy, format: 'chatml', balance: 'none', seed: 7 }), settings(7));
    const c = await writeFinetuneDataset(join(root, 'c'), buildDataset(items, { taxonomy, format: 'chatml', balance: 'none', seed: 8 }), settings(8));
    for (const file of ['train.jsonl', 'val.jsonl', 'test.jsonl', 'dataset_card.json', 'README.md']) {
      expect(readFileSync(join(root, 'b', file), 'utf8')).toBe(readFileSync(join(root, 'a', file), 'utf8'));
    }
    expect(a.files.map((f) => f.sha256)).toEqual(b.files.map((f) => f.sha256));
    expect(c.files.find((f) => f.split === 'train')!.sha256).not.toBe(a.files.find((f) => f.split === 'train')!.sha256);
    expect(a.card.byCategory).toEqual({ database_error: { train: 16, val: 2, test: 2, total: 20 }, timeout: { train: 16, val: 2, test: 2, total: 20 } });
    expect(a.card.bySource).toEqual({ synthetic: { train: 32, val: 4, test: 4, total: 40 } });
    expect(a.card.promptVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.parse(readFileSync(join(root, 'a', 'dataset_card.json'), 'utf8'))).toEqual(a.card);
  });
});

describe('toRecord and parseRecord', () => {
  const prompt: TriagePrompt = {
    system: 'You are logtriage.',
    examples: [
      { user: 'example incident 1', assistant: '{"category":"timeout"}' },
      { user: 'example incident 2', assistant: '{"category":"database_error"}' },
    ],
    user: 'the incident',
    version: 'abc',
    shownLines: [0],
  };

  it('writes the formats as Unsloth reads them', () => {
    expect(toRecord(prompt, 'ANSWER', 'alpaca')).toEqual({ instruction: 'You are logtriage.', input: 'the incident', output: 'ANSWER' });
    expect(toRecord(prompt, 'ANSWER', 'sharegpt')).toEqual({
      conversations: [
        { from: 'system', value: 'You are logtriage.' },
        { from: 'human', value: 'example incident 1' },
        { from: 'gpt', value: '{"category":"timeout"}' },
        { from: 'human', value: 'example incident 2' },
        { from: 'gpt', value: '{"category":"database_error"}' },
        { from: 'human', value: 'the incident' },
        { from: 'gpt', value: 'ANSWER' },
      ],
    });
    expect(toRecord(prompt, 'ANSWER', 'chatml')).toEqual({
      messages: [
        { role: 'system', content: 'You are logtriage.' },
        { role: 'user', content: 'example incident 1' },
        { role: 'assistant', content: '{"category":"timeout"}' },
        { role: 'user', content: 'example incident 2' },
        { role: 'assistant', content: '{"category":"database_error"}' },
        { role: 'user', content: 'the incident' },
        { role: 'assistant', content: 'ANSWER' },
      ],
    });
  });

  it('reads a record back into its turns, and refuses a record of another shape', () => {
    for (const format of ['sharegpt', 'chatml'] as const) {
      expect(parseRecord(toRecord(prompt, 'ANSWER', format), format)).toEqual({ system: prompt.system, examples: prompt.examples, user: prompt.user, answer: 'ANSWER' });
    }
    expect(parseRecord(toRecord(prompt, 'ANSWER', 'alpaca'), 'alpaca')).toEqual({ system: prompt.system, examples: [], user: prompt.user, answer: 'ANSWER' });
    expect(() => parseRecord(toRecord(prompt, 'ANSWER', 'chatml'), 'sharegpt')).toThrow(/not a sharegpt record/);
    expect(() => parseRecord({ messages: [{ role: 'user', content: 'x' }] }, 'chatml')).toThrow(/first turn must be system/);
  });

  it('answerJson writes the snake_case keys in the order of the few-shot answers', () => {
    const text = answerJson({ suggested_actions: [], evidence_lines: [1], explanation: 'e', summary: 's', confidence: 0.5, severity: 'low', category: 'unknown' });
    expect(text).toBe('{"category":"unknown","severity":"low","confidence":0.5,"summary":"s","explanation":"e","evidence_lines":[1],"suggested_actions":[]}');
  });
});
