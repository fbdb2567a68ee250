import { BOS, EOS, PAD } from './Vocabulary.js';

/** One model input: a window of a session, the next events to predict, and which outputs count. */
export interface Window {
  /** Which session (index into the caller's list). */
  session: number;
  /** Position in the session of the window's first target. */
  offset: number;
  inputs: number[];
  targets: number[];
  /** Outputs before this index only warm the state up (overlap with the previous window). */
  firstScored: number;
  /** Weight of its positions in training (how many identical sessions it stands for). Default 1. */
  weight?: number;
}

/**
 * The windows of an encoded session: inputs `<start> e1 … en`, targets `e1 … en <end>`, cut into
 * windows of at most `length` positions that overlap by `overlap`, so a long session is scored in
 * a few passes and every position but the first has context.
 */
export function windowsOf(session: readonly number[], sessionIndex: number, length: number, overlap: number): Window[] {
  const inputs = [BOS, ...session];
  const targets = [...session, EOS];
  const n = targets.length;
  if (n <= length) return [{ session: sessionIndex, offset: 0, inputs, targets, firstScored: 0 }];
  const windows: Window[] = [];
  const step = length - overlap;
  for (let start = 0; ; start += step) {
    const end = Math.min(start + length, n);
    windows.push({ session: sessionIndex, offset: start, inputs: inputs.slice(start, end), targets: targets.slice(start, end), firstScored: start === 0 ? 0 : overlap });
    if (end === n) break;
  }
  return windows;
}

/** A padded batch of windows of similar length. */
export interface Batch {
  windows: Window[];
  /** Longest window of the batch: the padded length. */
  length: number;
  inputs: Int32Array;
  targets: Int32Array;
  /** The window's weight for a scored position, 0 for padding and warm-up. */
  mask: Float32Array;
}

/**
 * Groups windows into batches of similar length (sorted by length), at most `maxTokens` padded
 * positions and `maxWindows` windows each: little padding, and big enough batches to keep the
 * backend busy.
 */
export function batchWindows(windows: readonly Window[], maxWindows: number, maxTokens: number): Batch[] {
  const sorted = [...windows].sort((a, b) => a.inputs.length - b.inputs.length);
  const batches: Batch[] = [];
  let group: Window[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    batches.push(pad(group));
    group = [];
  };
  for (const w of sorted) {
    const length = w.inputs.length;
    if (group.length >= maxWindows || (group.length + 1) * length > maxTokens) flush();
    group.push(w);
  }
  flush();
  return batches;
}

function pad(windows: Window[]): Batch {
  const length = Math.max(...windows.map((w) => w.inputs.length));
  const size = windows.length * length;
  const inputs = new Int32Array(size).fill(PAD);
  const targets = new Int32Array(size).fill(PAD);
  const mask = new Float32Array(size);
  windows.forEach((w, b) => {
    inputs.set(w.inputs, b * length);
    targets.set(w.targets, b * length);
    const weight = w.weight ?? 1;
    for (let t = w.firstScored; t < w.targets.length; t++) mask[b * length + t] = weight;
  });
  return { windows, length, inputs, targets, mask };
}
