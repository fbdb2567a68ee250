import { describe, expect, it } from 'vitest';
import { Random } from '../../src/synthetic/index.js';

const draw = (rng: Random, n: number): number[] => Array.from({ length: n }, () => rng.uint32());

describe('Random', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    expect(draw(new Random(42), 100)).toEqual(draw(new Random(42), 100));
    expect(draw(new Random(42), 100)).not.toEqual(draw(new Random(43), 100));
    expect(draw(new Random('checkout'), 10)).toEqual(draw(new Random('checkout'), 10));
  });

  it('is pinned to sfc32 seeded through splitmix32', () => {
    // If this changes, every committed synthetic file changes with it: regenerate data/synthetic.
    expect(draw(new Random(42), 3)).toMatchInlineSnapshot(`
      [
        853279530,
        1920286840,
        3588795744,
      ]
    `);
  });

  it('keeps int() within its bounds and reaches both ends', () => {
    const rng = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = rng.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('clones its state', () => {
    const rng = new Random(9);
    rng.uint32();
    const copy = rng.clone();
    expect(draw(copy, 20)).toEqual(draw(rng, 20));
  });

  it('draws hex strings, UUIDs and latencies of the right shape', () => {
    const rng = new Random(2);
    expect(rng.hex(32)).toMatch(/^[0-9a-f]{32}$/);
    expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const latencies = Array.from({ length: 2001 }, () => rng.latency(100, 0.5)).sort((a, b) => a - b);
    expect(latencies[1000]).toBeGreaterThan(85);
    expect(latencies[1000]).toBeLessThan(115);
    expect(latencies[0]).toBeGreaterThanOrEqual(1);
  });

  it('picks by weight', () => {
    const rng = new Random(3);
    let heavy = 0;
    for (let i = 0; i < 4000; i++) if (rng.weighted([['a', 9], ['b', 1]] as const) === 'a') heavy++;
    expect(heavy / 4000).toBeGreaterThan(0.87);
    expect(heavy / 4000).toBeLessThan(0.93);
  });
});
