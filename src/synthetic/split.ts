import { InputError } from '../util/errors.js';
import { Random } from './random.js';

/** Shares of the train, validation and test splits; they must add up to 1. */
export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

/** Items divided into the three splits (a type alias, so that it is usable as a record of splits). */
export type Splits<T> = {
  train: T[];
  val: T[];
  test: T[];
};

/** 80/10/10. */
export const DEFAULT_SPLIT_RATIOS: Readonly<SplitRatios> = { train: 0.8, val: 0.1, test: 0.1 };

const NAMES = ['train', 'val', 'test'] as const;

/**
 * Splits items so that each category (and, within `normal`, the clean controls apart) keeps its
 * proportion in every split. Sizes per category follow the largest-remainder rule, and a category
 * with at least three items puts at least one in each split. Items keep their original order
 * inside a split. The same seed gives the same split.
 */
export function splitStratified<T extends { category: string; control?: boolean }>(
  items: readonly T[],
  ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
  seed = 42,
): Splits<T> {
  const shares = NAMES.map((name) => ratios[name]);
  const sum = shares.reduce((a, b) => a + b, 0);
  if (shares.some((r) => !Number.isFinite(r) || r < 0) || Math.abs(sum - 1) > 1e-6) {
    throw new InputError(`split ratios must be non-negative and add up to 1; got train=${ratios.train}, val=${ratios.val}, test=${ratios.test}`);
  }
  const strata = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = item.control ? `${item.category}/control` : item.category;
    const list = strata.get(key) ?? [];
    list.push(index);
    strata.set(key, list);
  });
  const rng = new Random(seed);
  const chosen: number[][] = [[], [], []];
  for (const key of [...strata.keys()].sort()) {
    const indices = rng.shuffle(strata.get(key) ?? []);
    const sizes = allocate(indices.length, shares);
    let offset = 0;
    sizes.forEach((size, split) => {
      chosen[split]?.push(...indices.slice(offset, offset + size));
      offset += size;
    });
  }
  const pick = (split: number): T[] => (chosen[split] ?? []).sort((a, b) => a - b).map((index) => items[index] as T);
  return { train: pick(0), val: pick(1), test: pick(2) };
}

function allocate(n: number, shares: readonly number[]): number[] {
  const exact = shares.map((share) => n * share);
  const sizes = exact.map(Math.floor);
  const order = exact.map((value, i) => [value - Math.floor(value), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = n - sizes.reduce((a, b) => a + b, 0);
  for (const [, i] of order) {
    if (left <= 0) break;
    sizes[i] = (sizes[i] ?? 0) + 1;
    left--;
  }
  // Small strata: every split with a positive share gets one, taken from the largest.
  if (n >= shares.filter((s) => s > 0).length) {
    sizes.forEach((size, i) => {
      if (size === 0 && (shares[i] ?? 0) > 0) {
        const largest = sizes.indexOf(Math.max(...sizes));
        sizes[largest] = (sizes[largest] ?? 0) - 1;
        sizes[i] = 1;
      }
    });
  }
  return sizes;
}
