import { seededRandom, shuffle } from './random.js';

/**
 * The seeded split of normal sessions into those a model is fitted on and the `share` held out
 * to calibrate its threshold. Every detector uses it, so all are calibrated alike.
 */
export function calibrationSplit<T>(sessions: readonly T[], share = 0.2, seed = 42): { fit: T[]; calibration: T[] } {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const order = shuffle(sessions.map((_, i) => i), random);
  const count = Math.max(1, Math.round(sessions.length * share));
  return { calibration: order.slice(0, count).map((i) => sessions[i]!), fit: order.slice(count).map((i) => sessions[i]!) };
}

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
