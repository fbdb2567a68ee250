import { seededRandom } from '../../scoring/random.js';

/**
 * `count` normally distributed numbers with mean 0 and standard deviation `std`, from a generator
 * seeded by `seed` and `name` together: each tensor gets its own stream, so adding or reordering
 * tensors leaves the others' values as they were.
 */
export function randomNormal(count: number, std: number, seed: number, name: string): Float32Array {
  const random = seededRandom(hash(`${seed >>> 0}:${name}`));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box–Muller: two uniforms give two independent standard normals; 1 - u keeps log() finite.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    out[i] = r * Math.cos(theta) * std;
    if (i + 1 < count) out[i + 1] = r * Math.sin(theta) * std;
  }
  return out;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit seed from a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
