import { describe, expect, it } from 'vitest';
import { groupingAccuracy, normaliseTemplate, parsingAccuracy } from '../../bench/parseAccuracy.js';

describe('groupingAccuracy', () => {
  it('counts a line right only when its parsed group equals its true group', () => {
    // truth: A A B B C; parsed merges B and C, splits nothing else
    expect(groupingAccuracy(['x', 'x', 'y', 'y', 'y'], ['A', 'A', 'B', 'B', 'C'])).toBeCloseTo(2 / 5);
    // splitting a true group makes all its lines wrong
    expect(groupingAccuracy(['x', 'z', 'y', 'y'], ['A', 'A', 'B', 'B'])).toBeCloseTo(2 / 4);
    expect(groupingAccuracy(['p', 'p', 'q'], ['A', 'A', 'B'])).toBe(1);
  });
});

describe('parsingAccuracy', () => {
  it('compares templates after collapsing adjacent wildcards', () => {
    expect(normaliseTemplate('size <*><*> KB ')).toBe('size <*> KB');
    expect(parsingAccuracy(['blk_<*><*> ok', 'a <*>'], ['blk_<*> ok', 'a b'])).toBeCloseTo(0.5);
  });
});
