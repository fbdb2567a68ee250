import { describe, expect, it } from 'vitest';
import { jacobiEigen, NgramDetector, PcaDetector, seededRandom } from '../../src/scoring/index.js';

function normalSessions(count: number, seed: number): string[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const reads = 1 + Math.floor(random() * 3);
    return ['open', ...Array.from({ length: reads }, () => 'read'), 'close'];
  });
}

describe('jacobiEigen', () => {
  it('finds the eigenvalues and eigenvectors of a symmetric matrix', () => {
    const { values, vectors } = jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3);
    expect(values[1]).toBeCloseTo(1);
    expect(Math.abs(vectors[0]![0]!)).toBeCloseTo(Math.SQRT1_2);
    expect(vectors[0]![0]! * vectors[0]![1]!).toBeGreaterThan(0);
  });
});

describe('PcaDetector', () => {
  it('scores sessions whose event counts leave the normal subspace higher', () => {
    const pca = new PcaDetector();
    pca.fit(normalSessions(200, 1));
    const [normal, extraClose, unseen] = pca.score([['open', 'read', 'read', 'close'], ['open', 'read', 'close', 'close', 'close'], ['open', 'read', 'panic', 'close']]);
    expect(extraClose!).toBeGreaterThan(normal! + 1);
    expect(unseen!).toBeGreaterThan(normal! + 0.5);
  });
});

describe('NgramDetector', () => {
  it('counts transitions never seen in normal sessions, the end included', () => {
    const ngram = new NgramDetector();
    ngram.fit(normalSessions(200, 1));
    expect(ngram.score([['open', 'read', 'close']])).toEqual([0]);
    // close→close is new (2-gram) and so are read-close-close and close-close-<end> (3-grams)
    expect(ngram.score([['open', 'read', 'close', 'close']])[0]).toBe(3);
    // ends after read: read→<end> and open-read-<end>
    expect(ngram.score([['open', 'read']])[0]).toBe(2);
  });
});
