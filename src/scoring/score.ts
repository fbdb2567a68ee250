import { tf } from './backend.js';
import { batchWindows, windowsOf } from './batches.js';
import { UNK } from './Vocabulary.js';

/**
 * Surprise given to a position whose template the model never saw: more than any seen template
 * can get (−log of the smallest float32 softmax output is about 104 nats; clipped logits stay far
 * below), so an unseen event is always the worst event of its session.
 */
export const UNSEEN_SURPRISE = 1000;

/** Per-position results for one session: positions 0…n-1 are its events, position n its end. */
export interface PositionScores {
  /** −log p(actual event | events before it), in nats. */
  surprise: Float32Array;
  /** How many events the model found more likely than the actual one (0: its first guess). */
  rank: Int32Array;
}

/** Options of {@link scorePositions}. */
export interface ScoreOptions {
  /** Windows per batch. Default 256. */
  batchSize?: number;
  /** Window length and overlap for long sessions. Defaults 128 and 32 (as in training). */
  windowLength?: number;
  windowOverlap?: number;
}

/**
 * Scores every position of every session in one forward pass per batch: sessions are cut into
 * windows, grouped by length and padded, and the surprise and rank of each actual next event are
 * computed on the backend, so only two numbers per position come back.
 */
export function scorePositions(model: tf.LayersModel, sessions: readonly (readonly number[])[], vocabSize: number, options: ScoreOptions = {}): PositionScores[] {
  const length = options.windowLength ?? 128;
  const overlap = options.windowOverlap ?? 32;
  const batchSize = options.batchSize ?? 256;
  const results = sessions.map((s) => ({ surprise: new Float32Array(s.length + 1), rank: new Int32Array(s.length + 1) }));
  const windows = sessions.flatMap((s, i) => windowsOf(s, i, length, overlap));
  for (const batch of batchWindows(windows, batchSize, batchSize * length)) {
    const shape: [number, number] = [batch.windows.length, batch.length];
    const [surprise, rank] = tf.tidy(() => {
      const logits = model.predict(tf.oneHot(tf.tensor2d(batch.inputs, shape, 'int32'), vocabSize).toFloat()) as tf.Tensor3D;
      const logProbs = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor2d(batch.targets, shape, 'int32'), vocabSize)), -1);
      const higher = tf.sum(tf.cast(tf.greater(logProbs, tf.expandDims(picked, -1)), 'int32'), -1);
      return [tf.neg(picked).dataSync() as Float32Array, higher.dataSync() as Int32Array];
    });
    batch.windows.forEach((w, b) => {
      const out = results[w.session]!;
      for (let t = w.firstScored; t < w.targets.length; t++) {
        const at = w.offset + t;
        const unseen = w.targets[t] === UNK;
        out.surprise[at] = unseen ? UNSEEN_SURPRISE : surprise[b * batch.length + t]!;
        out.rank[at] = unseen ? vocabSize : rank[b * batch.length + t]!;
      }
    });
  }
  return results;
}

/** How a session's position scores become one score. */
export type SessionScoreStrategy = 'max' | 'mean' | 'topg';

/**
 * One score per session. `max` (default): the worst event, so one fatal event among fifty normal
 * ones is not averaged away. `mean`: the average surprise. `topg`: DeepLog's count of events
 * outside the model's `g` most likely ones.
 */
export function sessionScore(scores: PositionScores, strategy: SessionScoreStrategy = 'max', g = 9): number {
  const { surprise, rank } = scores;
  if (strategy === 'max') return surprise.reduce((a, b) => (b > a ? b : a), 0);
  if (strategy === 'mean') return surprise.length === 0 ? 0 : surprise.reduce((a, b) => a + b, 0) / surprise.length;
  let misses = 0;
  for (const r of rank) if (r >= g) misses++;
  return misses;
}
