import { describe, expect, it } from 'vitest';
import { batchWindows, windowsOf } from '../../src/scoring/batches.js';
import { percentileThreshold } from '../../src/scoring/calibrate.js';
import { LruCache } from '../../src/scoring/LruCache.js';
import { BOS, EOS, PAD, UNK, Vocabulary } from '../../src/scoring/Vocabulary.js';
import { detectionMetrics, rocAuc, rocCurve } from '../../src/scoring/metrics.js';

describe('Vocabulary', () => {
  it('reserves padding, unseen, start and end, and maps unseen templates to one index', () => {
    const vocabulary = Vocabulary.fromSessions([['a', 'b'], ['b', 'c']]);
    expect(vocabulary.size).toBe(7);
    expect(vocabulary.encode(['a', 'c', 'zzz'])).toEqual([4, 6, UNK]);
    expect(vocabulary.decode(EOS)).toBe('<end>');
    expect(vocabulary.decode(5)).toBe('b');
  });
});

describe('windowsOf', () => {
  it('predicts every event and the end from the events before it', () => {
    const [w] = windowsOf([5, 6, 7], 0, 128, 32);
    expect(w).toMatchObject({ inputs: [BOS, 5, 6, 7], targets: [5, 6, 7, EOS], offset: 0, firstScored: 0 });
  });

  it('cuts a long session into overlapping windows that score each position once', () => {
    const session = Array.from({ length: 300 }, (_, i) => 4 + (i % 10));
    const windows = windowsOf(session, 3, 128, 32);
    const scored = new Array<number>(301).fill(0);
    for (const w of windows) for (let t = w.firstScored; t < w.targets.length; t++) scored[w.offset + t]!++;
    expect(scored.every((n) => n === 1)).toBe(true);
    expect(windows.every((w) => w.inputs.length <= 128 && w.session === 3)).toBe(true);
  });
});

describe('batchWindows', () => {
  it('pads windows of similar length together and masks padding', () => {
    const windows = [[4], [4, 5, 6, 7, 8, 9], [5, 6]].flatMap((s, i) => windowsOf(s, i, 128, 32));
    const batches = batchWindows(windows, 2, 1000);
    expect(batches.map((b) => b.windows.map((w) => w.session))).toEqual([[0, 2], [1]]);
    const first = batches[0]!;
    expect(first.length).toBe(3);
    expect([...first.inputs.slice(0, 3)]).toEqual([BOS, 4, PAD]);
    expect([...first.mask.slice(0, 3)]).toEqual([1, 1, 0]);
  });
});

describe('percentileThreshold', () => {
  it('interpolates between ranks', () => {
    expect(percentileThreshold([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentileThreshold([1, 2, 3, 4, 5], 1)).toBe(5);
    expect(percentileThreshold([0, 10], 0.25)).toBe(2.5);
    expect(() => percentileThreshold([], 0.9)).toThrow(/at least one/);
  });
});

describe('LruCache', () => {
  it('forgets the least recently used entry first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.hits).toBe(2);
  });
});

describe('detection metrics', () => {
  it('computes precision, recall, F1, FPR and ROC-AUC', () => {
    const m = detectionMetrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.3);
    expect(m).toMatchObject({ tp: 2, fp: 1, fn: 0, tn: 1 });
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.falsePositiveRate).toBeCloseTo(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75);
    expect(rocAuc([1, 1], [0, 1])).toBe(0.5);
  });

  it('traces the ROC curve from (0,0) to (1,1), one point per distinct score', () => {
    const curve = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(curve.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
});
