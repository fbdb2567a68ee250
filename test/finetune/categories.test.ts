import { describe, expect, it } from 'vitest';
import { deviationFeatures, discoverCategories, distanceMatrix, formatDiscovery, kMeans, silhouetteScore } from '../../src/finetune/index.js';
import { signatureOf, type StoredIncident } from '../../src/incidents/index.js';
import { Random } from '../../src/synthetic/index.js';
import { InputError } from '../../src/util/errors.js';

/** Points around `centres`, `n` each, seeded. */
function blobs(centres: number[][], n: number, spread: number, seed: number): { points: Float64Array[]; truth: number[] } {
  const rng = new Random(seed);
  const points: Float64Array[] = [];
  const truth: number[] = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < n; i++) {
      points.push(Float64Array.from(c, (x) => x + spread * rng.normal()));
      truth.push(k);
    }
  });
  return { points, truth };
}

/** Whether two labelings put the same points together. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const map = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const seen = map.get(a[i]!);
    if (seen === undefined) map.set(a[i]!, b[i]!);
    else if (seen !== b[i]) return false;
  }
  return new Set(map.values()).size === map.size;
}

describe('kMeans', () => {
  it('finds three well-separated groups exactly, the same for the same seed', () => {
    const { points, truth } = blobs(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      30,
      0.8,
      1,
    );
    const result = kMeans(points, 3, { seed: 7 });
    expect(samePartition(result.assignments, truth)).toBe(true);
    expect(Array.from(kMeans(points, 3, { seed: 7 }).assignments)).toEqual(Array.from(result.assignments));
    expect(result.inertia).toBeLessThan(kMeans(points, 2, { seed: 7 }).inertia);
  });

  it('never makes more clusters than distinct points, and leaves no cluster empty', () => {
    const points = [Float64Array.of(1, 1), Float64Array.of(1, 1), Float64Array.of(5, 5), Float64Array.of(5, 5)];
    const result = kMeans(points, 4);
    expect(result.k).toBe(2);
    expect(new Set(result.assignments).size).toBe(2);
  });
});

describe('silhouetteScore', () => {
  it('matches the hand-computed mean silhouette of two pairs on a line', () => {
    const points = [0, 1, 10, 11].map((x) => Float64Array.of(x));
    // a = 1 for every point; b = 10.5, 9.5, 9.5, 10.5; s = (b − a) / b.
    const expected = ((10.5 - 1) / 10.5 + (9.5 - 1) / 9.5) / 2;
    expect(silhouetteScore(distanceMatrix(points), [0, 0, 1, 1], 2)).toBeCloseTo(expected, 12);
    // Splitting a pair is worse.
    expect(silhouetteScore(distanceMatrix(points), [0, 1, 1, 1], 2)).toBeLessThan(expected);
  });
});

const SERVICES = ['order-service', 'payment-service', 'auth-service'];

/**
 * Incidents of three kinds: a deadlock in the middle of an order (template D surprised), a session
 * that stopped early (the end surprised), and a token rejected at the start (template P surprised).
 */
function incidents(perKind: number, seed = 3): StoredIncident[] {
  const rng = new Random(seed);
  const out: StoredIncident[] = [];
  const kinds = [
    { ids: ['A', 'B', 'C', 'D', 'E', 'F'], texts: ['BEGIN transaction <*>', 'UPDATE order_items <*>', 'SELECT stock <*>', 'ERROR: deadlock detected <*>', 'Transaction <*> rolled back', 'POST /orders failed with 500'], at: 3, score: 12 },
    { ids: ['A', 'B', 'C', 'G'], texts: ['BEGIN transaction <*>', 'UPDATE order_items <*>', 'SELECT stock <*>', 'Waiting for <*>'], at: 4, score: 6 },
    { ids: ['P', 'Q'], texts: ['Token <*> rejected: expired', 'GET /profile rejected with 401'], at: 0, score: 20 },
  ];
  kinds.forEach((kind, k) => {
    for (let i = 0; i < perKind; i++) {
      const extra = rng.int(0, 2);
      const ids = [...kind.ids, ...Array.from({ length: extra }, () => 'Z')];
      const texts = [...kind.texts, ...Array.from({ length: extra }, () => 'debug <*>')];
      const n = ids.length;
      const position = kind.at === 4 ? n : kind.at;
      out.push({
        id: `inc_${k}_${i}`,
        sessionKey: `s${k}-${i}`,
        service: SERVICES[k]!,
        firstTimestamp: 0,
        lastTimestamp: 0,
        detectedAt: 1_740_000_000_000 + k * 1000 + i,
        lastDetectedAt: 0,
        occurrences: 1,
        templateIds: ids,
        templates: texts,
        lines: texts.map((t) => t.replace('<*>', String(rng.int(1000, 9999)))),
        truncatedLines: 0,
        score: kind.score + rng.next(),
        threshold: 4,
        evidence: [{ position, templateId: position >= n ? '<end>' : ids[position]!, surprise: kind.score + rng.next(), expected: [{ templateId: k === 0 ? 'E' : 'A', probability: 0.8 }] }],
        modelVersion: 'v1',
        signature: signatureOf(ids),
        triage: { status: 'triaged', attempts: 1, result: { category: 'unknown', severity: 'high', confidence: 0.3, summary: `kind ${k}`, explanation: 'x', evidenceLines: [], suggestedActions: [], backend: 'heuristic' } },
        review: { state: 'unreviewed', corrections: {} },
        updatedAt: 0,
      });
    }
  });
  return out;
}

describe('deviationFeatures', () => {
  it('scales each block to its weight, so the surprising templates count most', () => {
    const features = deviationFeatures(incidents(5));
    expect(features.surprised.sort()).toEqual(['<end>', 'D', 'P']);
    const v = features.vectors[0]!;
    const block = (from: number, length: number) => Math.sqrt(Array.from(v.subarray(from, from + length)).reduce((s, x) => s + x * x, 0));
    expect(block(0, features.surprised.length)).toBeCloseTo(1, 12);
    expect(block(features.surprised.length, features.expected.length)).toBeCloseTo(0.5, 12);
    expect(block(features.surprised.length + features.expected.length, features.session.length)).toBeCloseTo(0.5, 12);
  });
});

describe('discoverCategories', () => {
  const all = incidents(20);

  it('finds the three kinds of deviation, picks k = 3 by silhouette, and describes each cluster', () => {
    const found = discoverCategories(all, { seed: 1 });
    expect(found.k).toBe(3);
    expect(found.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...found.candidates.map((c) => c.silhouette))).toBe(found.silhouette);
    expect(found.clusters.map((c) => c.size)).toEqual([20, 20, 20]);
    const byService = new Map(found.clusters.map((c) => [c.services[0]!.service, c]));
    expect(byService.get('order-service')!.topTemplates[0]).toMatchObject({ templateId: 'D', text: 'ERROR: deadlock detected <*>', incidents: 20, share: 1, lift: 3 });
    expect(byService.get('payment-service')!.topTemplates[0]).toMatchObject({ templateId: '<end>', text: '<end of session>' });
    expect(byService.get('auth-service')!.topTemplates[0]).toMatchObject({ templateId: 'P', text: 'Token <*> rejected: expired' });
    for (const cluster of found.clusters) {
      expect(cluster.examples).toHaveLength(3);
      expect(cluster.categories).toEqual([{ category: 'unknown', count: 20 }]);
      const kind = cluster.examples[0]!.id.split('_')[1];
      for (const e of cluster.examples) expect(e.id.split('_')[1]).toBe(kind);
    }
    expect(JSON.stringify(discoverCategories(all, { seed: 1 }))).toBe(JSON.stringify(found));
  });

  it('uses the k it is given, and needs at least three incidents', () => {
    expect(discoverCategories(all, { k: 2 }).clusters).toHaveLength(2);
    expect(() => discoverCategories(all.slice(0, 2))).toThrow(InputError);
  });

  it('formats a report that names the templates and the example incidents, without control characters from the logs', () => {
    const hostile = incidents(4);
    for (const incident of hostile.filter((i) => i.id.startsWith('inc_0_'))) incident.lines[3] = 'ERROR: deadlock detected \u001b[31mred\u001b[0m';
    const text = formatDiscovery(discoverCategories(hostile, { k: 3 }));
    expect(text).toMatch(/^12 incidents in 3 clusters/);
    expect(text).toContain('ERROR: deadlock detected <*>');
    expect(text).toContain('inc_2_0');
    expect(text).toContain('[3] ERROR: deadlock detected red');
    expect(text).not.toMatch(/\u001b/);
  });
});
