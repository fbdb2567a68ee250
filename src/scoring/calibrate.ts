/**
 * The threshold above which a session is flagged: the `percentile` (0–1) of the scores of normal
 * sessions the model was not trained on, interpolated between neighbouring ranks.
 */
export function percentileThreshold(normalScores: readonly number[], percentile: number): number {
  if (normalScores.length === 0) throw new RangeError('calibration needs at least one normal session');
  const sorted = [...normalScores].sort((a, b) => a - b);
  const rank = Math.min(Math.max(percentile, 0), 1) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}
