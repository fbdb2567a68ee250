import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, loadConfig } from '../src/config/index.js';
import { ConfigError } from '../src/util/errors.js';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'logtriage-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('gives every field its default when nothing is configured', () => {
    const config = loadConfig({ env: {} });
    expect(config.templates.depth).toBe(4);
    expect(config.service.dataDir).toBe('.logtriage');
    expect(config.ingest.maxLineBytes).toBe(65536);
  });

  it('merges file, environment, --set and flags with later sources winning', () => {
    const file = tempFile('c.yaml', 'templates:\n  depth: 5\n  maxChildren: 10\nservice:\n  logLevel: debug\n');
    const config = loadConfig({
      file,
      env: { LOGTRIAGE_TEMPLATES__MAX_CHILDREN: '20', LOGTRIAGE_SERVICE__LOG_LEVEL: 'warn' },
      assignments: ['service.logLevel=error'],
      overrides: { service: { dataDir: '/tmp/x' } },
    });
    expect(config.templates.depth).toBe(5);
    expect(config.templates.maxChildren).toBe(20);
    expect(config.service.logLevel).toBe('error');
    expect(config.service.dataDir).toBe('/tmp/x');
  });

  it('reads JSON files', () => {
    const file = tempFile('c.json', JSON.stringify({ templates: { similarityThreshold: 0.7 } }));
    expect(loadConfig({ file, env: {} }).templates.similarityThreshold).toBe(0.7);
  });

  it('names the field, the reason and the source of an invalid value', () => {
    const file = tempFile('bad.yaml', 'templates:\n  depth: 99\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrowError(/templates\.depth: .*10.*\(from .*bad\.yaml\)/);
  });

  it('rejects unknown fields so typos do not pass silently', () => {
    const file = tempFile('typo.yaml', 'templates:\n  simThreshold: 0.4\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(/templates\.simThreshold: unknown field/);
  });

  it('reports a YAML syntax error with the file name', () => {
    const file = tempFile('broken.yaml', 'templates: [depth: 4\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(/broken\.yaml is not valid YAML/);
  });

  it('reports a missing file clearly', () => {
    expect(() => loadConfig({ file: '/nonexistent/logtriage.yaml', env: {} })).toThrowError(/cannot read config file \/nonexistent/);
  });
});

describe('configFromEnv', () => {
  it('maps LOGTRIAGE_SECTION__FIELD to nested camelCase keys and parses scalars', () => {
    expect(configFromEnv({ LOGTRIAGE_TEMPLATES__SIMILARITY_THRESHOLD: '0.6', LOGTRIAGE_CONFIG: 'x', OTHER: '1' })).toEqual({
      templates: { similarityThreshold: 0.6 },
    });
  });
});

describe('configuration reference', () => {
  it('docs/configuration.md is what `logtriage config reference` generates from the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { configReference } = await import('../src/config/reference.js');
    const { packageRoot } = await import('../src/util/packageRoot.js');
    const committed = readFileSync(`${packageRoot()}/docs/configuration.md`, 'utf8');
    // Regenerate with: npx logtriage config reference > docs/configuration.md
    expect(committed).toBe(configReference());
    expect(committed).toContain('| `sessions.key` |');
  });
});
