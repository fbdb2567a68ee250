import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { configSchema, type Config } from './schema.js';

/** Prefix of the environment variables read by {@link loadConfig}. */
export const ENV_PREFIX = 'LOGTRIAGE_';

/** Where the pieces of a configuration come from. Later sources win. */
export interface LoadConfigOptions {
  /** Path of a YAML or JSON file. Default: `$LOGTRIAGE_CONFIG` when set. */
  file?: string;
  /** Environment to read `LOGTRIAGE_*` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, as a partial config object. */
  overrides?: Record<string, unknown>;
  /** `section.field=value` assignments (the `--set` flag); values are parsed as YAML scalars. */
  assignments?: string[];
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `source` into `target` recursively; arrays and scalars replace. Returns `target`. */
function deepMerge(target: Plain, source: Plain): Plain {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    target[key] = isPlain(current) && isPlain(value) ? deepMerge({ ...current }, value) : value;
  }
  return target;
}

function setPath(target: Plain, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node = isPlain(next) ? next : (node[part] = {});
  }
  node[path[path.length - 1]!] = value;
}

/** `SIMILARITY_THRESHOLD` → `similarityThreshold`. */
function camel(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function scalar(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

/** Reads a YAML or JSON config file into a plain object; a syntax error names the file and line. */
export function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    // YAML 1.2 is a superset of JSON, but JSON files get JSON's stricter error messages.
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { cause: error });
  }
  if (parsed == null) return {};
  if (!isPlain(parsed)) throw new ConfigError(`config file ${path} must hold a mapping of sections (service, ingest, templates, …), found ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  return parsed;
}

/** `LOGTRIAGE_TEMPLATES__SIMILARITY_THRESHOLD=0.6` → `{ templates: { similarityThreshold: 0.6 } }`. */
export function configFromEnv(env: NodeJS.ProcessEnv): Plain {
  const result: Plain = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || !name.includes('__')) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(camel);
    setPath(result, path, scalar(value));
  }
  return result;
}

/** `['templates.depth=5']` → `{ templates: { depth: 5 } }`. */
export function configFromAssignments(assignments: string[]): Plain {
  const result: Plain = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects section.field=value, found "${assignment}"`);
    setPath(result, assignment.slice(0, eq).split('.'), scalar(assignment.slice(eq + 1)));
  }
  return result;
}

function describeSource(path: PropertyKey[], sources: { name: string; data: Plain }[]): string {
  for (const source of [...sources].reverse()) {
    let node: unknown = source.data;
    for (const key of path) node = isPlain(node) ? node[key as string] : undefined;
    if (node !== undefined) return ` (from ${source.name})`;
  }
  return '';
}

/** Formats zod issues as one line per field: `templates.depth: Too big: expected number to be <=10`. */
export function formatConfigIssues(error: z.ZodError, sources: { name: string; data: Plain }[] = []): string {
  return error.issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      return keys
        .map((path) => {
          const field = path.map(String).join('.') || '(root)';
          const reason = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
          return `  ${field}: ${reason}${describeSource(path, sources)}`;
        })
        .join('\n');
    })
    .join('\n');
}

/**
 * Builds the effective configuration: schema defaults, then the file, then `LOGTRIAGE_*`
 * environment variables, then CLI flags. Throws {@link ConfigError} naming every bad field.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.LOGTRIAGE_CONFIG;
  const sources: { name: string; data: Plain }[] = [];
  if (file) sources.push({ name: file, data: readConfigFile(file) });
  sources.push({ name: 'environment', data: configFromEnv(env) });
  if (options.assignments?.length) sources.push({ name: '--set', data: configFromAssignments(options.assignments) });
  if (options.overrides) sources.push({ name: 'command-line flags', data: options.overrides });

  const merged = sources.reduce<Plain>((acc, source) => deepMerge(acc, source.data), {});
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${formatConfigIssues(result.error, sources)}`, { cause: result.error });
  }
  return result.data;
}
