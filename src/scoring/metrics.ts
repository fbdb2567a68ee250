/** Detection figures from scores, labels (1 = anomalous) and a threshold (flag when score > threshold). */
export function detectionMetrics(scores: readonly number[], labels: readonly number[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const flagged = s > threshold;
    if (labels[i] === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, tn, precision, recall, f1, falsePositiveRate: fp + tn === 0 ? 0 : fp / (fp + tn), rocAuc: rocAuc(scores, labels) };
}

/** Points of the ROC curve (false-positive rate, true-positive rate), one per distinct score, from (0,0) to (1,1). */
export function rocCurve(scores: readonly number[], labels: readonly number[]): { fpr: number; tpr: number; threshold: number }[] {
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => b[0] - a[0]);
  const points = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const score = order[i]![0];
    while (i < order.length && order[i]![0] === score) {
      if (order[i]![1] === 1) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0, threshold: score });
  }
  return points;
}

/** Area under the ROC curve as the Mann–Whitney statistic, ties counted half. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k]![1] === 1) {
      rankSum += averageRank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
