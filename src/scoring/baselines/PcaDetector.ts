import { jacobiEigen } from './jacobiEigen.js';
import type { SessionDetector } from './SessionDetector.js';

/** At most this many templates get a dimension; rarer ones share one (keeps the eigenproblem small). */
const MAX_DIMENSIONS = 200;

/**
 * PCA over event-count vectors (Xu et al., "Detecting Large-Scale System Problems by Mining Console
 * Logs", SOSP'09): a session is its count of each template, centred; the principal components that
 * explain `variance` of normal sessions span the normal subspace, and the score is the squared
 * length of what lies outside it (SPE). Templates unseen in training count in a dimension of their
 * own, which has no normal variance, so they always add to the score.
 */
export class PcaDetector implements SessionDetector {
  readonly name = 'pca';
  private index = new Map<string, number>();
  private seen = new Set<string>();
  private mean = new Float64Array(0);
  private components: Float64Array[] = [];
  private dimensions = 0;

  constructor(private readonly variance = 0.95) {}

  fit(normalSessions: readonly (readonly string[])[]): void {
    const counts = new Map<string, number>();
    for (const s of normalSessions) for (const id of s) counts.set(id, (counts.get(id) ?? 0) + 1);
    const kept = [...counts].sort((a, b) => b[1] - a[1]).slice(0, MAX_DIMENSIONS - 2).map(([id]) => id);
    this.index = new Map(kept.map((id, i) => [id, i]));
    this.seen = new Set(counts.keys());
    // Two more dimensions: rarer templates seen in training, and templates never seen.
    this.dimensions = kept.length + 2;
    const n = this.dimensions;
    const vectors = normalSessions.map((s) => this.vector(s));
    this.mean = new Float64Array(n);
    for (const x of vectors) for (let i = 0; i < n; i++) this.mean[i]! += x[i]! / vectors.length;
    const covariance = new Float64Array(n * n);
    for (const x of vectors) {
      for (let i = 0; i < n; i++) {
        const di = x[i]! - this.mean[i]!;
        if (di === 0) continue;
        for (let j = i; j < n; j++) covariance[i * n + j]! += (di * (x[j]! - this.mean[j]!)) / vectors.length;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) covariance[i * n + j] = covariance[j * n + i]!;
    const { values, vectors: eigenvectors } = jacobiEigen(covariance, n);
    const total = values.reduce((a, b) => a + Math.max(b, 0), 0);
    let explained = 0;
    this.components = [];
    for (let k = 0; k < n && total > 0 && explained / total < this.variance; k++) {
      explained += Math.max(values[k]!, 0);
      this.components.push(eigenvectors[k]!);
    }
  }

  score(sessions: readonly (readonly string[])[]): number[] {
    return sessions.map((s) => {
      const x = this.vector(s);
      for (let i = 0; i < x.length; i++) x[i]! -= this.mean[i]!;
      let spe = x.reduce((a, b) => a + b * b, 0);
      for (const c of this.components) {
        let projection = 0;
        for (let i = 0; i < x.length; i++) projection += c[i]! * x[i]!;
        spe -= projection * projection;
      }
      return Math.max(spe, 0);
    });
  }

  private vector(session: readonly string[]): Float64Array {
    const x = new Float64Array(this.dimensions);
    for (const id of session) {
      const i = this.index.get(id) ?? (this.seen.has(id) ? this.dimensions - 2 : this.dimensions - 1);
      x[i]! += 1;
    }
    return x;
  }
}
