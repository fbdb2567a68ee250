/**
 * Pairwise Euclidean distances of `points` (a symmetric matrix, row-major), computed once so that
 * the silhouettes of several clusterings of the same points are cheap.
 */
export function distanceMatrix(points: readonly Float64Array[]): Float64Array {
  const n = points.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = points[j]!;
      let sum = 0;
      for (let d = 0; d < a.length; d++) {
        const x = a[d]! - b[d]!;
        sum += x * x;
      }
      const distance = Math.sqrt(sum);
      out[i * n + j] = distance;
      out[j * n + i] = distance;
    }
  }
  return out;
}

/**
 * The mean silhouette of a clustering (Rousseeuw, 1987): for each point, a = its mean distance to
 * the other points of its cluster, b = the smallest mean distance to the points of another cluster,
 * s = (b − a) / max(a, b); 0 for a point alone in its cluster. From −1 to 1, higher is better.
 * `distances` is {@link distanceMatrix} of the points; `labels` their clusters (0…k−1).
 */
export function silhouetteScore(distances: Float64Array, labels: ArrayLike<number>, k: number): number {
  const n = labels.length;
  if (n < 2 || k < 2) return 0;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]!++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[labels[j]!]! += distances[i * n + j]!;
    const own = labels[i]!;
    if (sizes[own]! <= 1) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    if (!Number.isFinite(b)) continue;
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  }
  return total / n;
}
