import { calibrationSplit, detectionMetrics, initBackend, NgramDetector, PcaDetector, percentileThreshold, readIdLines, readSessionLines, seededRandom, SequenceScorer, shuffle, type SessionDetector } from '../src/scoring/index.js';

/** A labelled test set and normal training sessions, as template-id sequences. */
export interface DetectDataset {
  train: string[][];
  test: { session: string[]; label: 0 | 1 }[];
  description: Record<string, unknown>;
}

function parseSessions(path: string): { session: string[]; label: 0 | 1 }[] {
  const { sessions, labels } = readSessionLines(path, { labelRequired: true });
  return sessions.map((session, i) => ({ session, label: labels[i]! }));
}

/** `sessions` form: JSON lines with labels; train on the label-0 sessions of the train file. */
export function sessionsDataset(trainPath: string, testPath: string): DetectDataset {
  const all = parseSessions(trainPath);
  const test = parseSessions(testPath);
  const train = all.filter((s) => s.label === 0).map((s) => s.session);
  return {
    train,
    test,
    description: { form: 'sessions', trainNormal: train.length, trainAnomalousIgnored: all.length - train.length, testNormal: test.filter((t) => t.label === 0).length, testAnomalous: test.filter((t) => t.label === 1).length },
  };
}

/**
 * `idlines` form (DeepLog): one session per line of space-separated event ids. Without a normal
 * test file, 20 % of the training file (seeded shuffle) is held out as normal test data.
 */
export function idlinesDataset(trainPath: string, abnormalPath: string, normalPath?: string): DetectDataset {
  let train = readIdLines(trainPath);
  let normal: string[][];
  let heldOut = false;
  if (normalPath) normal = readIdLines(normalPath);
  else {
    const order = shuffle(train.map((_, i) => i), seededRandom(2024));
    const hold = Math.round(train.length * 0.2);
    normal = order.slice(0, hold).map((i) => train[i]!);
    train = order.slice(hold).map((i) => train[i]!);
    heldOut = true;
  }
  const abnormal = readIdLines(abnormalPath);
  return {
    train,
    test: [...normal.map((session) => ({ session, label: 0 as const })), ...abnormal.map((session) => ({ session, label: 1 as const }))],
    description: {
      form: 'idlines',
      trainNormal: train.length,
      testNormal: normal.length,
      testAnomalous: abnormal.length,
      ...(heldOut ? { note: '20% of the train file (seeded shuffle) held out as normal test data; the model never saw them' } : {}),
    },
  };
}

/** Model names `detect` knows, in the order `all` runs them. */
export const DETECT_MODELS = ['lstm', 'transformer', 'pca', 'ngram'] as const;

/** Runs one model on a dataset: train, calibrate, score uncached and cached, and the figures. */
export async function runDetect(dataset: DetectDataset, model: string, onProgress?: (line: string) => void) {
  const sessions = dataset.test.map((t) => t.session);
  const labels = dataset.test.map((t) => t.label);
  if (model === 'pca' || model === 'ngram') {
    const detector: SessionDetector = model === 'pca' ? new PcaDetector() : new NgramDetector();
    const { fit, calibration } = calibrationSplit(dataset.train);
    let started = performance.now();
    detector.fit(fit);
    const threshold = percentileThreshold(detector.score(calibration), 0.998);
    const trainSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const scores = detector.score(sessions);
    const scoreSeconds = (performance.now() - started) / 1000;
    onProgress?.(`fitted ${model} in ${trainSeconds.toFixed(1)} s, threshold ${threshold.toFixed(3)}`);
    return { backend: 'none', result: resultOf(model, scores, labels, threshold, trainSeconds, sessions.length / scoreSeconds, undefined) };
  }
  if (model !== 'lstm' && model !== 'transformer') throw new Error(`unknown model "${model}"; available: ${DETECT_MODELS.join(', ')}, all`);
  const backend = await initBackend();
  const { scorer, report } = await SequenceScorer.train(dataset.train, { architecture: model, seed: 42, epochs: 60 });
  onProgress?.(`trained ${model} in ${report.seconds.toFixed(1)} s (best epoch ${report.bestEpoch}), threshold ${scorer.threshold.toFixed(3)}`);
  let started = performance.now();
  const verdicts = scorer.scoreUncached(sessions);
  const uncachedSeconds = (performance.now() - started) / 1000;
  scorer.score(sessions); // fills the cache
  started = performance.now();
  scorer.score(sessions);
  const cachedSeconds = (performance.now() - started) / 1000;
  const threshold = scorer.threshold;
  await scorer.dispose();
  return {
    backend: backend.name,
    result: resultOf(model, verdicts.map((v) => v.score), labels, threshold, report.seconds, sessions.length / uncachedSeconds, sessions.length / cachedSeconds),
  };
}

function resultOf(model: string, scores: number[], labels: number[], threshold: number, trainSeconds: number, perSecond: number, cachedPerSecond: number | undefined) {
  const metrics = detectionMetrics(scores, labels, threshold);
  return {
    model,
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
    falsePositiveRate: metrics.falsePositiveRate,
    rocAuc: metrics.rocAuc,
    threshold,
    trainSeconds,
    scoreSessionsPerSecond: perSecond,
    // Baselines keep no cache: their cached figure is their plain one.
    scoreSessionsPerSecondCached: cachedPerSecond ?? perSecond,
    confusion: { tp: metrics.tp, fp: metrics.fp, fn: metrics.fn, tn: metrics.tn },
  };
}
