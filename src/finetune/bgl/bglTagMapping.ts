import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Taxonomy } from '../../triage/taxonomy.js';
import { InputError } from '../../util/errors.js';

/** One rule: an alert tag (`KERNDTLB`) or a prefix pattern (`KERN*`) and the taxonomy category it becomes. */
export interface BglTagRule {
  tag: string;
  category: string;
  /** Why (shown in finetune/README.md). */
  note?: string;
}

/**
 * The default mapping of BGL alert tags (the first column of Loghub's BGL log; Oliner & Stearley,
 * DSN'07) to the bundled taxonomy. An exact tag wins over a pattern, a longer pattern over a
 * shorter one; a tag that nothing matches becomes `unknown`. finetune/README.md lists the same table
 * (a test keeps the two equal); `--bgl-mapping <file.yaml>` overrides or adds entries.
 */
export const DEFAULT_BGL_TAG_MAPPING: readonly BglTagRule[] = [
  { tag: 'KERNDTLB', category: 'hardware_fault', note: 'data TLB error interrupt (memory management unit)' },
  { tag: 'KERNSTOR', category: 'hardware_fault', note: 'data storage interrupt' },
  { tag: 'KERNMC', category: 'hardware_fault', note: 'machine check interrupt' },
  { tag: 'KERNPAN', category: 'hardware_fault', note: 'kernel panic' },
  { tag: 'KERNRTSP', category: 'hardware_fault', note: 'rts panic, execution stopped' },
  { tag: 'KERNTERM', category: 'hardware_fault', note: 'rts kernel terminated' },
  { tag: 'KERNREC', category: 'hardware_fault', note: 'error receiving a packet on the tree network (interconnect hardware)' },
  { tag: 'KERNPOW', category: 'hardware_fault', note: 'power failure' },
  { tag: 'KERNNOETH', category: 'hardware_fault', note: 'no ethernet interface' },
  { tag: 'KERNMNTF', category: 'connection_failure', note: 'Lustre mount failed: the I/O node could not reach the file system server' },
  { tag: 'KERN*', category: 'hardware_fault', note: 'other kernel RAS alerts of the compute and I/O nodes' },
  { tag: 'MMCS', category: 'hardware_fault', note: 'midplane management control system errors (memory, node cards)' },
  { tag: 'LINK*', category: 'hardware_fault', note: 'interconnect link errors' },
  { tag: 'MON*', category: 'hardware_fault', note: 'environmental monitor: power, temperature, fans' },
  { tag: 'APPTORUS', category: 'hardware_fault', note: 'torus network errors seen by the application' },
  { tag: 'APPOUT', category: 'hardware_fault', note: 'Input/output error (EIO) from the file system' },
  { tag: 'APPREAD', category: 'connection_failure', note: 'ciod failed to read from its control stream socket' },
  { tag: 'APPRES', category: 'connection_failure', note: 'ciod control stream: connection reset by peer' },
  { tag: 'APPSEV', category: 'connection_failure', note: 'ciod control stream: link has been severed' },
  { tag: 'APPTO', category: 'timeout', note: 'ciod control stream: connection timed out' },
];

const mappingFileSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_-]+\*?$/, 'a key is an alert tag such as KERNDTLB, or a prefix ending in * such as KERN*'),
  z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a value is a category name of the taxonomy'),
);

/** Alert tags resolved to categories. */
export class BglTagMapping {
  private readonly exact = new Map<string, string>();
  private readonly prefixes: { prefix: string; category: string }[] = [];

  /** `rules` in order of precedence (an earlier rule for the same key wins). */
  constructor(rules: readonly BglTagRule[]) {
    for (const rule of rules) {
      if (rule.tag.endsWith('*')) {
        const prefix = rule.tag.slice(0, -1);
        if (!this.prefixes.some((p) => p.prefix === prefix)) this.prefixes.push({ prefix, category: rule.category });
      } else if (!this.exact.has(rule.tag)) this.exact.set(rule.tag, rule.category);
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The category of `tag`: its own rule, else the longest matching prefix, else `unknown`. */
  categoryOf(tag: string): string {
    return this.exact.get(tag) ?? this.prefixes.find((p) => tag.startsWith(p.prefix))?.category ?? 'unknown';
  }

  /** The rules in effect (shadowed ones left out): tags, then patterns as `PREFIX*`. */
  rules(): BglTagRule[] {
    return [...[...this.exact].map(([tag, category]) => ({ tag, category })), ...this.prefixes.map((p) => ({ tag: `${p.prefix}*`, category: p.category }))];
  }
}

/**
 * The default mapping, with the entries of a YAML file (`TAG: category` or `PREFIX*: category`)
 * taking precedence when `path` is given. Every category named must be in `taxonomy`. Throws
 * {@link InputError} naming the file and the entry that is wrong.
 */
export function loadBglTagMapping(taxonomy: Taxonomy, path?: string): BglTagMapping {
  let rules: BglTagRule[] = [...DEFAULT_BGL_TAG_MAPPING];
  if (path !== undefined) {
    let data: unknown;
    try {
      data = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new InputError(`BGL tag mapping ${path}: cannot read it as YAML (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    const parsed = mappingFileSchema.safeParse(data ?? {});
    if (!parsed.success) {
      throw new InputError(`BGL tag mapping ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}; expected lines such as "KERNDTLB: hardware_fault" or "APP*: unknown"`);
    }
    rules = [...Object.entries(parsed.data).map(([tag, category]) => ({ tag, category })), ...rules];
  }
  const mapping = new BglTagMapping(rules);
  const names = new Set(taxonomy.categories.map((c) => c.name));
  const missing = mapping.rules().filter((rule) => !names.has(rule.category));
  if (missing.length > 0) {
    throw new InputError(
      `${path ?? 'the default BGL tag mapping'}: ${missing.map((r) => `${r.tag} → ${r.category}`).join(', ')}: the taxonomy lacks ${[...new Set(missing.map((r) => `"${r.category}"`))].join(', ')} (it has ${[...names].join(', ')}); map ${missing.length > 1 ? 'them' : 'it'} to one of those in a file given with --bgl-mapping`,
    );
  }
  return mapping;
}
