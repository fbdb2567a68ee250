import type { Progress } from '../util/progress.js';
import { tf } from './backend.js';
import { batchWindows, windowsOf, type Batch, type Window } from './batches.js';
import { seededRandom, shuffle } from './random.js';

/** Options of {@link trainModel}; every field has a default. */
export interface TrainOptions {
  /** Most passes over the training sessions. Default 30. */
  epochs?: number;
  /** Windows per batch. Default 64. */
  batchSize?: number;
  /** Adam's initial learning rate. Default 0.003. */
  learningRate?: number;
  /** Epochs without a better validation loss before stopping; the rate halves after each. Default 3. */
  patience?: number;
  /** Share of the sessions held out for validation. Default 0.1. */
  validationShare?: number;
  /** Seed of the split, the shuffles and the initial weights. Default 42. */
  seed?: number;
  /** Window length for long sessions, and the overlap of consecutive windows. Defaults 128 and 32. */
  windowLength?: number;
  windowOverlap?: number;
  /** Stop after this many seconds (the best weights so far are kept). Default none. */
  maxSeconds?: number;
  progress?: Progress;
}

/** What training did. */
export interface TrainReport {
  epochs: { epoch: number; loss: number; validationLoss: number; learningRate: number; seconds: number }[];
  bestEpoch: number;
  bestValidationLoss: number;
  seconds: number;
  /** Sessions used for training and validation, and distinct sequences among them. */
  trainSessions: number;
  validationSessions: number;
  distinctSequences: number;
}

/** Identical sessions become one window list with their count as weight: same gradient, less work. */
function weightedWindows(sessions: readonly (readonly number[])[], length: number, overlap: number): Window[] {
  const counts = new Map<string, { session: readonly number[]; count: number }>();
  for (const s of sessions) {
    const key = s.join(',');
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { session: s, count: 1 });
  }
  const windows: Window[] = [];
  let i = 0;
  for (const { session, count } of counts.values()) {
    for (const w of windowsOf(session, i++, length, overlap)) windows.push({ ...w, weight: count });
  }
  return windows;
}

/** Mean cross-entropy of the scored positions of a batch, weighted by the mask. */
function batchLoss(model: tf.LayersModel, batch: Batch, vocabSize: number, training: boolean): tf.Scalar {
  const shape: [number, number] = [batch.windows.length, batch.length];
  const inputs = tf.oneHot(tf.tensor2d(batch.inputs, shape, 'int32'), vocabSize).toFloat();
  const logits = model.apply(inputs, { training }) as tf.Tensor3D;
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor2d(batch.targets, shape, 'int32'), vocabSize)), -1);
  const mask = tf.tensor2d(batch.mask, shape);
  return tf.neg(tf.div(tf.sum(tf.mul(picked, mask)), tf.maximum(tf.sum(mask), 1))) as tf.Scalar;
}

function evaluate(model: tf.LayersModel, batches: Batch[], vocabSize: number): number {
  let total = 0;
  let weight = 0;
  for (const batch of batches) {
    const w = batch.mask.reduce((a, b) => a + b, 0);
    total += tf.tidy(() => batchLoss(model, batch, vocabSize, false).dataSync()[0]!) * w;
    weight += w;
  }
  return weight === 0 ? 0 : total / weight;
}

/**
 * Trains a next-event model on normal sessions (encoded template indices): a seeded validation
 * split, Adam, the learning rate halved when validation loss stops improving, early stopping with
 * the best weights restored.
 */
export async function trainModel(model: tf.LayersModel, sessions: readonly (readonly number[])[], vocabSize: number, options: TrainOptions = {}): Promise<TrainReport> {
  const epochs = options.epochs ?? 30;
  const patience = options.patience ?? 3;
  const seed = options.seed ?? 42;
  const length = options.windowLength ?? 128;
  const overlap = options.windowOverlap ?? 32;
  const random = seededRandom(seed);
  const order = shuffle(sessions.map((_, i) => i), random);
  const validationCount = Math.min(Math.max(1, Math.round(sessions.length * (options.validationShare ?? 0.1))), sessions.length - 1);
  const validation = order.slice(0, validationCount).map((i) => sessions[i]!);
  const training = order.slice(validationCount).map((i) => sessions[i]!);
  const trainWindows = weightedWindows(training, length, overlap);
  // Identical sessions collapse into one weighted window, so a small or repetitive training set
  // can leave a single batch per epoch; smaller batches keep at least 8 updates per epoch.
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 64, Math.ceil(trainWindows.length / 8)));
  const validationBatches = batchWindows(weightedWindows(validation, length, overlap), 256, 256 * 64);
  const distinct = new Set(sessions.map((s) => s.join(','))).size;

  let learningRate = options.learningRate ?? 0.003;
  const optimizer = tf.train.adam(learningRate);
  const started = Date.now();
  const report: TrainReport = { epochs: [], bestEpoch: 0, bestValidationLoss: Infinity, seconds: 0, trainSessions: training.length, validationSessions: validation.length, distinctSequences: distinct };
  let best: tf.Tensor[] | undefined;
  let sinceBest = 0;
  options.progress?.setTotal(epochs);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batches = shuffle(batchWindows(shuffle([...trainWindows], random), batchSize, batchSize * length), random);
    let lossSum = 0;
    let weightSum = 0;
    for (const batch of batches) {
      const loss = optimizer.minimize(() => batchLoss(model, batch, vocabSize, true), true);
      const w = batch.mask.reduce((a, b) => a + b, 0);
      lossSum += (await loss!.data())[0]! * w;
      weightSum += w;
      loss!.dispose();
    }
    const validationLoss = evaluate(model, validationBatches, vocabSize);
    const seconds = (Date.now() - started) / 1000;
    report.epochs.push({ epoch, loss: lossSum / Math.max(weightSum, 1), validationLoss, learningRate, seconds });
    options.progress?.tick(1, `loss ${(lossSum / Math.max(weightSum, 1)).toFixed(4)} val ${validationLoss.toFixed(4)}`);
    if (validationLoss < report.bestValidationLoss - 1e-4) {
      report.bestValidationLoss = validationLoss;
      report.bestEpoch = epoch;
      best?.forEach((t) => t.dispose());
      best = model.getWeights().map((w) => w.clone());
      sinceBest = 0;
    } else {
      sinceBest++;
      if (sinceBest >= patience) break;
      learningRate /= 2;
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    }
    if (options.maxSeconds !== undefined && seconds >= options.maxSeconds) break;
  }
  if (best) {
    model.setWeights(best);
    best.forEach((t) => t.dispose());
  }
  optimizer.dispose();
  options.progress?.stop();
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
