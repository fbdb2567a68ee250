import { z } from 'zod';
import { configSchema } from './schema.js';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' \\| ');
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'value'}[]`;
  const type = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'value');
  // zod's int() bounds every integer by ±(2^53 − 1); only bounds the schema sets say something.
  const bound = (v: number | undefined): number | undefined => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
  const min = bound(node.minimum);
  const max = bound(node.maximum);
  const range = min !== undefined && max !== undefined ? ` (${min}–${max})` : min !== undefined ? ` (≥ ${min})` : max !== undefined ? ` (≤ ${max})` : '';
  return `${type}${range}`;
}

function defaultOf(node: JsonSchemaNode): string {
  if (node.default === undefined) return '';
  const text = JSON.stringify(node.default);
  return `\`${text.length > 60 ? `${text.slice(0, 57)}…` : text}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rows(node: JsonSchemaNode, path: string[], out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const here = [...path, key];
    if (child.type === 'object' && child.properties) {
      rows(child, here, out);
      continue;
    }
    out.push(`| \`${here.join('.')}\` | ${typeOf(child)} | ${defaultOf(child)} | ${cell(child.description ?? '')} |`);
  }
}

/**
 * The configuration reference as Markdown, generated from the one zod schema: a table per section
 * with every field's type, default and description. `docs/configuration.md` is this text.
 */
export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode;
  const lines = [
    '# Configuration reference',
    '',
    'Generated from the zod schema in `src/config/` by `npx logtriage config reference`; do not edit by hand.',
    'Set a field in a YAML or JSON file (`--config`), as `LOGTRIAGE_<SECTION>__<FIELD>` in the environment, or with',
    '`--set section.field=value`; later sources win. `logtriage config print` shows the effective values.',
    '',
  ];
  for (const [section, node] of Object.entries(schema.properties ?? {})) {
    lines.push(`## \`${section}\``, '', node.description ?? '', '', '| field | type | default | description |', '| --- | --- | --- | --- |');
    rows(node, [section], lines);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
