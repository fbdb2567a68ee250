import { Random } from '../../synthetic/index.js';

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Seed of the k-means++ initialisation. Default 42. */
  seed?: number;
  /** Independent runs; the one with the lowest inertia wins. Default 4. */
  restarts?: number;
  /** Most Lloyd iterations per run. Default 100. */
  maxIterations?: number;
}

/** A clustering. */
export interface KMeansResult {
  k: number;
  /** Cluster of each point. */
  assignments: Int32Array;
  centroids: Float64Array[];
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  iterations: number;
}

/** Squared Euclidean distance. */
export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return sum;
}

/**
 * k-means with k-means++ seeding (Arthur & Vassilvitskii, 2007: each next centre drawn with
 * probability proportional to its squared distance from the nearest centre chosen) and Lloyd
 * iterations until no point changes cluster. An empty cluster takes the point farthest from its
 * centroid. Several seeded runs, the lowest inertia kept: deterministic for a seed.
 * `k` is clamped to the number of distinct points.
 */
export function kMeans(points: readonly Float64Array[], k: number, options: KMeansOptions = {}): KMeansResult {
  if (points.length === 0) throw new RangeError('kMeans: no points');
  const rng = new Random(options.seed ?? 42);
  const restarts = Math.max(1, options.restarts ?? 4);
  const maxIterations = options.maxIterations ?? 100;
  const distinct = new Set(points.map((p) => p.join(','))).size;
  const clusters = Math.max(1, Math.min(k, distinct));
  let best: KMeansResult | undefined;
  for (let run = 0; run < restarts; run++) {
    const result = lloyd(points, seedCentroids(points, clusters, rng.fork()), maxIterations);
    if (!best || result.inertia < best.inertia - 1e-12) best = result;
  }
  return best!;
}

function seedCentroids(points: readonly Float64Array[], k: number, rng: Random): Float64Array[] {
  const centroids = [Float64Array.from(points[Math.floor(rng.next() * points.length)]!)];
  const nearest = points.map((p) => squaredDistance(p, centroids[0]!));
  while (centroids.length < k) {
    const total = nearest.reduce((a, b) => a + b, 0);
    let index = 0;
    if (total > 0) {
      let r = rng.next() * total;
      for (index = 0; index < points.length - 1; index++) {
        r -= nearest[index]!;
        if (r < 0) break;
      }
      // Rounding may land on a point already chosen (distance 0): take the next one that is not.
      while (nearest[index] === 0 && index < points.length - 1) index++;
    }
    const centre = Float64Array.from(points[index]!);
    centroids.push(centre);
    points.forEach((p, i) => {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(p, centre));
    });
  }
  return centroids;
}

function lloyd(points: readonly Float64Array[], centroids: Float64Array[], maxIterations: number): KMeansResult {
  const n = points.length;
  const k = centroids.length;
  const dim = points[0]!.length;
  const assignments = new Int32Array(n).fill(-1);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(points[i]!, centroids[c]!);
        if (d < bestDistance) {
          bestDistance = d;
          best = c;
        }
      }
      if (assignments[i] !== best) {
        assignments[i] = best;
        changed++;
      }
    }
    if (changed === 0 && iterations > 0) break;
    const sums = Array.from({ length: k }, () => new Float64Array(dim));
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]!++;
      const sum = sums[c]!;
      const p = points[i]!;
      for (let d = 0; d < dim; d++) sum[d]! += p[d]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at the point worst served by its centroid.
        let far = 0;
        let farDistance = -1;
        for (let i = 0; i < n; i++) {
          const d = squaredDistance(points[i]!, centroids[assignments[i]!]!);
          if (d > farDistance) {
            farDistance = d;
            far = i;
          }
        }
        centroids[c] = Float64Array.from(points[far]!);
        assignments[far] = c;
        continue;
      }
      const sum = sums[c]!;
      for (let d = 0; d < dim; d++) sum[d]! /= counts[c]!;
      centroids[c] = sum;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(points[i]!, centroids[assignments[i]!]!);
  return { k, assignments, centroids, inertia, iterations };
}
