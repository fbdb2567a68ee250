import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { packageRoot } from '../util/packageRoot.js';
import { join } from 'node:path';

const taxonomySchema = z.strictObject({
  version: z.literal(1),
  categories: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a category name is lowercase letters, digits and underscores, starting with a letter'),
        description: z.string().min(1),
      }),
    )
    .min(1)
    .refine((list) => new Set(list.map((c) => c.name)).size === list.length, 'category names must be unique')
    .refine((list) => list.some((c) => c.name === 'unknown'), 'the taxonomy must keep the category "unknown"'),
});

/** The anomaly taxonomy: the categories tier 2 may answer with. */
export type Taxonomy = z.infer<typeof taxonomySchema>;

/** Path of the bundled default taxonomy (`prompts/taxonomy.yaml`). */
export function defaultTaxonomyPath(): string {
  return join(packageRoot(), 'prompts', 'taxonomy.yaml');
}

/** Reads and validates a taxonomy file; an {@link InputError} says what is wrong. */
export function loadTaxonomy(path: string = defaultTaxonomyPath()): Taxonomy {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`taxonomy ${path}: cannot read it as YAML (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  const result = taxonomySchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`taxonomy ${path}: ${result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
