import { describe, expect, it } from 'vitest';
import { generateSequences, SEQUENCE_CATEGORIES, splitStratified, type SyntheticSequence } from '../../src/synthetic/index.js';
import { InputError } from '../../src/util/errors.js';

const sequences = generateSequences({ count: 2000, seed: 11 });
const perCategory = (items: readonly SyntheticSequence[], category: string): number => items.filter((s) => s.category === category).length;

describe('splitStratified', () => {
  const splits = splitStratified(sequences, { train: 0.8, val: 0.1, test: 0.1 }, 11);

  it('puts every sequence in exactly one split', () => {
    const ids = [...splits.train, ...splits.val, ...splits.test].map((s) => s.id);
    expect(ids.length).toBe(sequences.length);
    expect(new Set(ids)).toEqual(new Set(sequences.map((s) => s.id)));
  });

  it('keeps each category in 80/10/10 proportion, every split holding every category', () => {
    for (const category of SEQUENCE_CATEGORIES) {
      const total = perCategory(sequences, category);
      expect(Math.abs(perCategory(splits.train, category) - total * 0.8)).toBeLessThanOrEqual(1);
      expect(Math.abs(perCategory(splits.val, category) - total * 0.1)).toBeLessThanOrEqual(1);
      expect(Math.abs(perCategory(splits.test, category) - total * 0.1)).toBeLessThanOrEqual(1);
    }
    for (const split of [splits.train, splits.val, splits.test]) expect(new Set(split.map((s) => s.category))).toEqual(new Set(SEQUENCE_CATEGORIES));
  });

  it('spreads clean controls over the splits too', () => {
    for (const split of [splits.train, splits.val, splits.test]) expect(split.some((s) => s.control)).toBe(true);
  });

  it('keeps the original order inside each split and is deterministic per seed', () => {
    const order = new Map(sequences.map((s, i) => [s.id, i]));
    for (const split of [splits.train, splits.val, splits.test]) {
      const positions = split.map((s) => order.get(s.id) ?? -1);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(splitStratified(sequences, undefined, 11).test.map((s) => s.id)).toEqual(splits.test.map((s) => s.id));
    expect(splitStratified(sequences, undefined, 12).test.map((s) => s.id)).not.toEqual(splits.test.map((s) => s.id));
  });

  it('gives each split one item of a category with only three', () => {
    const tiny = [{ category: 'timeout' }, { category: 'timeout' }, { category: 'timeout' }];
    const result = splitStratified(tiny);
    expect([result.train.length, result.val.length, result.test.length]).toEqual([1, 1, 1]);
  });

  it('rejects ratios that do not add up to 1', () => {
    expect(() => splitStratified(sequences, { train: 0.8, val: 0.1, test: 0.2 })).toThrow(InputError);
    expect(() => splitStratified(sequences, { train: 1.1, val: -0.1, test: 0 })).toThrow(InputError);
  });
});
