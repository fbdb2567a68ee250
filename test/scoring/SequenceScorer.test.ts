import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, seededRandom, SequenceScorer, UNSEEN_SURPRISE } from '../../src/scoring/index.js';
import { InputError } from '../../src/util/errors.js';

/** Normal sessions: open, 1–3 reads or one write, an optional flush, close. */
function normalSessions(count: number, seed: number): string[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const body = random() < 0.8 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => 'read') : ['write'];
    return ['open', ...body, ...(random() < 0.5 ? ['flush'] : []), 'close'];
  });
}

let scorer: SequenceScorer;

beforeAll(async () => {
  await initBackend();
  ({ scorer } = await SequenceScorer.train(normalSessions(300, 1), { lstm: { hidden: 16, embedding: 8 }, epochs: 150, patience: 10, seed: 7, learningRate: 0.01 }));
}, 120_000);

describe('SequenceScorer', () => {
  it('scores held-out normal sessions below the threshold and broken ones above it', () => {
    const normal = scorer.score(normalSessions(100, 99));
    // The threshold comes from 60 held-out sessions here, so a few percent of new normal ones may
    // pass it.
    const flaggedNormal = normal.filter((v) => v.anomalous).length;
    expect(flaggedNormal).toBeLessThanOrEqual(5);
    const broken = scorer.score([
      ['open', 'read', 'close', 'close'], // a second close
      ['read', 'open', 'close'], // out of order
      ['open', 'read', 'read'], // ends before close
    ]);
    for (const verdict of broken) expect(verdict.anomalous).toBe(true);
    const worstNormal = Math.max(...normal.map((v) => v.score));
    for (const verdict of broken) expect(verdict.score).toBeGreaterThan(worstNormal);
  });

  it('finds the unexpected event: the end of a session that stops early is its worst position', () => {
    const [verdict] = scorer.score([['open', 'read', 'read']]);
    const surprise = [...verdict!.positions.surprise];
    expect(surprise).toHaveLength(4);
    expect(surprise.indexOf(Math.max(...surprise))).toBe(3);
  });

  it('explains a flagged session: the surprising event and what the model expected instead', () => {
    const [first, ...rest] = scorer.explain(['open', 'read', 'close', 'close'], 2);
    expect(first).toMatchObject({ position: 3, actual: 'close', unseen: false });
    expect(first!.expected[0]!.templateId).toBe('<end>');
    expect(first!.expected[0]!.probability).toBeGreaterThan(0.5);
    expect(rest).toHaveLength(1);
    expect(rest[0]!.surprise).toBeLessThanOrEqual(first!.surprise);
    const [unseen] = scorer.explain(['open', 'kernel panic', 'close'], 1);
    expect(unseen).toMatchObject({ position: 1, actual: 'kernel panic', unseen: true });
    expect(['read', 'write']).toContain(unseen!.expected[0]!.templateId);
  });

  it('makes an unseen template maximally surprising', () => {
    const [verdict] = scorer.score([['open', 'kernel panic', 'close']]);
    expect(verdict!.score).toBe(UNSEEN_SURPRISE);
    expect(verdict!.positions.rank[1]).toBe(scorer.vocabulary.size);
    expect(scorer.score([['never', 'seen']])[0]!.anomalous).toBe(true);
  });

  it('gives an empty session a defined score: how likely a session is to end at once', () => {
    const [verdict] = scorer.score([[]]);
    expect(verdict!.positions.surprise).toHaveLength(1);
    expect(Number.isFinite(verdict!.score)).toBe(true);
    expect(verdict!.anomalous).toBe(true);
  });

  it('scores a 100,000-event session in windows', () => {
    const long = ['open', ...Array.from({ length: 100_000 }, () => 'read'), 'close'];
    const started = performance.now();
    const [verdict] = scorer.score([long]);
    expect(verdict!.positions.surprise).toHaveLength(long.length + 1);
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('scores identical sessions once', () => {
    const before = scorer.cacheStats;
    const session = ['open', 'write', 'flush', 'close'];
    const [a, b] = scorer.score([session, [...session]]);
    const [c] = scorer.score([session]);
    expect(b!.score).toBe(a!.score);
    expect(c!.score).toBe(a!.score);
    expect(scorer.cacheStats.hits).toBeGreaterThan(before.hits);
  });

  it('saves a model directory that loads back with the same scores', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'logtriage-model-')), 'model');
    await scorer.save(dir);
    const loaded = await SequenceScorer.load(dir);
    const sessions = [['open', 'read', 'close'], ['open', 'close', 'read']];
    expect(loaded.threshold).toBe(scorer.threshold);
    expect(loaded.score(sessions).map((v) => v.score)).toEqual(scorer.scoreUncached(sessions).map((v) => v.score));
    await loaded.dispose();
    await loaded.dispose();
  });

  it('refuses a missing, corrupt or inconsistent model directory with a clear error', async () => {
    await expect(SequenceScorer.load('/nonexistent/model')).rejects.toThrow(/cannot read meta\.json/);
    const dir = join(mkdtempSync(join(tmpdir(), 'logtriage-model-')), 'model');
    await scorer.save(dir);
    writeFileSync(join(dir, 'vocabulary.json'), JSON.stringify({ templateIds: ['only-one'] }));
    await expect(SequenceScorer.load(dir)).rejects.toThrow(/vocabulary has 5 entries but the model was built for/);
    writeFileSync(join(dir, 'meta.json'), '{"format": "something else"');
    await expect(SequenceScorer.load(dir)).rejects.toThrow(InputError);
  });

  it('flags unseen templates even when the calibration split holds templates training never saw', async () => {
    // Rare templates, each in one session: those in the calibration split were never trained on.
    const sessions = normalSessions(200, 3).map((s, i) => (i % 20 === 0 ? [...s.slice(0, -1), `rotate-${i}`, 'close'] : s));
    const { scorer: small } = await SequenceScorer.train(sessions, { lstm: { hidden: 8, embedding: 4 }, epochs: 5, seed: 11 });
    expect(small.threshold).toBeLessThan(UNSEEN_SURPRISE);
    expect(small.score([['open', 'segfault', 'close']])[0]!.anomalous).toBe(true);
    await small.dispose();
  }, 60_000);

  it('needs enough normal sessions to train', async () => {
    await expect(SequenceScorer.train([['a']])).rejects.toThrow(/at least 10 normal sessions/);
  });
});

describe('SequenceScorer with the causal Transformer', () => {
  it('learns the same grammar, flags broken sessions, and saves and loads', async () => {
    const { scorer: transformer } = await SequenceScorer.train(normalSessions(300, 1), {
      architecture: 'transformer',
      transformer: { width: 16, heads: 2 },
      epochs: 150,
      patience: 10,
      seed: 7,
      learningRate: 0.01,
    });
    const normal = transformer.score(normalSessions(100, 99));
    const worstNormal = Math.max(...normal.map((v) => v.score));
    const broken = transformer.score([['open', 'read', 'close', 'close'], ['read', 'open', 'close'], ['open', 'read', 'read']]);
    for (const verdict of broken) {
      expect(verdict.anomalous).toBe(true);
      expect(verdict.score).toBeGreaterThan(worstNormal);
    }
    // Causal: the scores of a prefix do not depend on what follows it.
    const [short, long] = transformer.scoreUncached([['open', 'read'], ['open', 'read', 'write', 'close']]);
    expect(long!.positions.surprise[1]).toBeCloseTo(short!.positions.surprise[1]!, 4);
    const dir = join(mkdtempSync(join(tmpdir(), 'logtriage-transformer-')), 'model');
    await transformer.save(dir);
    const loaded = await SequenceScorer.load(dir);
    expect(loaded.meta.architecture).toBe('transformer');
    expect(loaded.score([['read', 'open', 'close']])[0]!.score).toBeCloseTo(broken[1]!.score, 4);
    await loaded.dispose();
    await transformer.dispose();
  }, 120_000);
});
