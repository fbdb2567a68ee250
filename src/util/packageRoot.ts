import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder of logtriage's own package.json, found by walking up from this file: the same
 * answer from the sources (tsx, vitest) and from the build in dist/.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'data'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the logtriage package root (package.json next to data/)');
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** A path inside the package's bundled `data/` folder. */
export function bundledDataPath(...parts: string[]): string {
  return join(packageRoot(), 'data', ...parts);
}
