import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { maskSpecSchema } from '../config/templates.js';
import { TemplateMiner, type TemplateMinerOptions } from './TemplateMiner.js';

/** Version of the snapshot format written by {@link toSnapshot}. */
export const SNAPSHOT_VERSION = 1;

const snapshotSchema = z.object({
  format: z.literal('logtriage.templates'),
  version: z.literal(SNAPSHOT_VERSION),
  createdAt: z.string(),
  options: z.object({
    depth: z.number().int(),
    similarityThreshold: z.number(),
    maxChildren: z.number().int(),
    maxClusters: z.number().int(),
    variableAfter: z.number().int().nonnegative(),
    masks: z.array(maskSpecSchema),
  }),
  templates: z.array(
    z.object({
      id: z.string(),
      tokens: z.array(z.string()),
      seps: z.array(z.string()),
      count: z.number().int().nonnegative(),
      previousIds: z.array(z.string()),
      path: z.array(z.string()),
    }),
  ),
});

/** A template miner's state as versioned JSON. */
export type TemplateSnapshot = z.infer<typeof snapshotSchema>;

/** The miner's state (options and templates, least recently used first) as a snapshot object. */
export function toSnapshot(miner: TemplateMiner): TemplateSnapshot {
  return {
    format: 'logtriage.templates',
    version: SNAPSHOT_VERSION,
    createdAt: new Date().toISOString(),
    options: {
      depth: miner.depth,
      similarityThreshold: miner.similarityThreshold,
      maxChildren: miner.maxChildren,
      maxClusters: miner.maxClusters,
      variableAfter: miner.variableAfter,
      masks: [...miner.maskSpecs].map((m) => (typeof m === 'string' ? m : { replacement: '<*>', ...m })),
    },
    templates: [...miner.clusterStates()].map((c) => ({
      id: c.id,
      tokens: [...c.tokens],
      seps: [...c.seps],
      count: c.count,
      previousIds: [...c.previousIds],
      path: [...c.path],
    })),
  };
}

/**
 * A miner restored from a snapshot; it goes on learning (unless `learn: false` is given). The
 * snapshot's own options (depth, threshold, masks) win over `options`, so templates keep meaning
 * what they meant; `learn` and `maxClusters` can be changed.
 */
export function fromSnapshot(data: unknown, options: Pick<TemplateMinerOptions, 'learn' | 'maxClusters'> = {}): TemplateMiner {
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const version = (data as { version?: unknown } | null)?.version;
    const hint = version !== undefined && version !== SNAPSHOT_VERSION ? ` (snapshot version ${String(version)}, this build reads version ${SNAPSHOT_VERSION})` : '';
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InputError(`not a usable template snapshot${hint}: ${issues}`);
  }
  const snapshot = parsed.data;
  const miner = new TemplateMiner({ ...snapshot.options, ...options });
  for (const template of snapshot.templates) miner.restoreCluster(template);
  return miner;
}

/** Writes a snapshot file atomically (a temporary file renamed over the target). */
export function saveSnapshot(miner: TemplateMiner, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(toSnapshot(miner)));
  renameSync(temporary, path);
}

/** Reads a snapshot file into a miner; a missing or broken file is an {@link InputError}. */
export function loadSnapshot(path: string, options: Pick<TemplateMinerOptions, 'learn' | 'maxClusters'> = {}): TemplateMiner {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read template snapshot ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return fromSnapshot(data, options);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}
