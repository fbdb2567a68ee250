import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../src/triage/index.js';

describe('loadTaxonomy', () => {
  it('reads the bundled taxonomy with the default categories', () => {
    expect(loadTaxonomy().categories.map((c) => c.name)).toEqual([
      'timeout', 'connection_failure', 'database_error', 'service_call_failure', 'resource_exhaustion',
      'permission_error', 'hardware_fault', 'configuration_error', 'data_corruption', 'unknown',
    ]);
  });

  it('says what is wrong with a replacement that drops unknown or repeats a name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logtriage-taxonomy-'));
    try {
      const path = join(dir, 't.yaml');
      writeFileSync(path, 'version: 1\ncategories:\n  - { name: disk_full, description: a }\n  - { name: disk_full, description: b }\n');
      expect(() => loadTaxonomy(path)).toThrow(/unique.*|.*must keep the category "unknown"/);
      writeFileSync(path, 'version: 1\ncategories:\n  - { name: Disk Full, description: a }\n');
      expect(() => loadTaxonomy(path)).toThrow(/lowercase letters/);
      writeFileSync(path, 'version: [');
      expect(() => loadTaxonomy(path)).toThrow(/cannot read it as YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
