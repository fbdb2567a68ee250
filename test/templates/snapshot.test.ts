import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromSnapshot, loadSnapshot, saveSnapshot, SNAPSHOT_VERSION, TemplateMiner, toSnapshot, type TemplateSnapshot } from '../../src/templates/index.js';
import { InputError } from '../../src/util/errors.js';
import { allMessages } from './loghubExcerpt.js';

const SPAWN = '[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Took 19.05 seconds to spawn the instance on the hypervisor.';
const DESTROY = '[instance: 17288ea8-cbf4-4f0e-94fe-853fd2735f29] Took 1.03 seconds to destroy the instance on the hypervisor.';

function minedExcerpt(options?: ConstructorParameters<typeof TemplateMiner>[0]): TemplateMiner {
  const miner = new TemplateMiner(options);
  for (const line of allMessages()) miner.add(line);
  return miner;
}

/** A snapshot object as it comes back from a file. */
function viaJson(miner: TemplateMiner): unknown {
  return JSON.parse(JSON.stringify(toSnapshot(miner)));
}

describe('template snapshots', () => {
  it('writes a versioned JSON object with the options and every template', () => {
    const miner = minedExcerpt();
    const snapshot = toSnapshot(miner);
    expect(snapshot).toMatchObject({
      format: 'logtriage.templates',
      version: SNAPSHOT_VERSION,
      options: { depth: 4, similarityThreshold: 0.9, maxChildren: 100, maxClusters: 50_000 },
    });
    expect(Number.isNaN(Date.parse(snapshot.createdAt))).toBe(false);
    expect(snapshot.templates.map((t) => t.id).sort()).toEqual(miner.templates().map((t) => t.id).sort());
  });

  it('restores the same templates, ids and counts through JSON', () => {
    const miner = minedExcerpt();
    const restored = fromSnapshot(viaJson(miner));
    expect(restored.size).toBe(miner.size);
    expect(restored.templates()).toEqual(miner.templates());
    for (const line of allMessages()) {
      expect(restored.add(line), line).toEqual(miner.add(line));
    }
  });

  it('goes on learning after load: a new template, and a known one generalised', () => {
    const miner = minedExcerpt();
    const spawn = miner.add(SPAWN)!;
    const restored = fromSnapshot(viaJson(miner));
    const created = restored.add('Took 3 attempts to elect a leader')!;
    expect(created.change).toBe('created');
    const updated = restored.add(DESTROY)!;
    expect(updated).toMatchObject({ change: 'updated', template: '[instance: <*>] Took <*>.<*> seconds to <*> the instance on the hypervisor.' });
    expect(restored.get(updated.templateId)?.previousIds).toEqual([spawn.templateId]);
    expect(restored.size).toBe(miner.size + 1);
  });

  it('keeps previous ids and the order of recent use', () => {
    const miner = new TemplateMiner({ maxClusters: 3 });
    const spawn = miner.add(SPAWN)!;
    const took = miner.add(DESTROY)!;
    const shutdown = miner.add('cupsd shutdown succeeded')!;
    const startup = miner.add('cupsd startup succeeded')!;
    miner.add(SPAWN);
    const restored = fromSnapshot(viaJson(miner));
    expect(restored.get(spawn.templateId)?.id).toBe(took.templateId);
    expect(restored.maxClusters).toBe(3);
    // `cupsd shutdown` was used longest ago, so it is the one a new template pushes out.
    restored.add('check pass; user unknown');
    expect(restored.evictions).toBe(1);
    expect(restored.get(shutdown.templateId)).toBeUndefined();
    expect(restored.get(startup.templateId)).toBeDefined();
    expect(restored.get(took.templateId)).toBeDefined();
  });

  it('keeps the mask rules it was mined with', () => {
    const miner = new TemplateMiner({ extraMasks: [{ name: 'order', pattern: 'ORD-[0-9]+' }], similarityThreshold: 0.8 });
    const shipped = miner.add('shipped order ORD-1234 to warehouse 7')!;
    const restored = fromSnapshot(viaJson(miner));
    expect(restored.similarityThreshold).toBe(0.8);
    expect(restored.maskSpecs[0]).toEqual({ name: 'order', pattern: 'ORD-[0-9]+', replacement: '<*>' });
    expect(restored.add('shipped order ORD-77 to warehouse 12')).toEqual({ ...shipped, change: 'matched' });
  });

  it('loads in match-only mode with learn: false', () => {
    const restored = fromSnapshot(viaJson(minedExcerpt()), { learn: false });
    expect(restored.add('Verification succeeded for blk_-4980916519894289629')?.template).toBe('Verification succeeded for blk_<*>');
    expect(restored.add('Took 3 attempts to elect a leader')).toBeUndefined();
  });

  it('rejects a snapshot of another version with an InputError naming both versions', () => {
    const data = { ...(viaJson(minedExcerpt()) as TemplateSnapshot), version: 2 };
    expect(() => fromSnapshot(data)).toThrow(InputError);
    expect(() => fromSnapshot(data)).toThrow(`snapshot version 2, this build reads version ${SNAPSHOT_VERSION}`);
  });

  it('rejects what is not a snapshot with an InputError naming the fields', () => {
    expect(() => fromSnapshot(null)).toThrow(InputError);
    expect(() => fromSnapshot({ format: 'drain3' })).toThrow(/not a usable template snapshot: format: .*logtriage\.templates/);
    const data = viaJson(minedExcerpt()) as TemplateSnapshot;
    expect(() => fromSnapshot({ ...data, templates: [{ ...data.templates[0], count: -1 }] })).toThrow(/templates\.0\.count/);
  });

  describe('files', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'logtriage-templates-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('saves to a new folder and loads the same miner back', () => {
      const miner = minedExcerpt();
      const path = join(dir, 'state', 'templates.json');
      saveSnapshot(miner, path);
      expect(readdirSync(join(dir, 'state'))).toEqual(['templates.json']);
      const loaded = loadSnapshot(path);
      expect(loaded.templates()).toEqual(miner.templates());
      // Saving again replaces the file.
      loaded.add('Took 3 attempts to elect a leader');
      saveSnapshot(loaded, path);
      expect(loadSnapshot(path).size).toBe(miner.size + 1);
      expect(readdirSync(join(dir, 'state'))).toEqual(['templates.json']);
    });

    it('rejects broken JSON with an InputError naming the path', () => {
      const path = join(dir, 'broken.json');
      writeFileSync(path, '{"format": "logtriage.templ');
      expect(() => loadSnapshot(path)).toThrow(InputError);
      expect(() => loadSnapshot(path)).toThrow(`cannot read template snapshot ${path}: `);
    });

    it('rejects a file of another version with an InputError naming the path and the version', () => {
      const path = join(dir, 'v9.json');
      writeFileSync(path, JSON.stringify({ ...(viaJson(minedExcerpt()) as TemplateSnapshot), version: 9 }));
      expect(() => loadSnapshot(path)).toThrow(InputError);
      expect(() => loadSnapshot(path)).toThrow(`${path}: not a usable template snapshot (snapshot version 9, this build reads version ${SNAPSHOT_VERSION})`);
    });

    it('rejects a missing file with an InputError naming the path', () => {
      const path = join(dir, 'missing.json');
      expect(existsSync(path)).toBe(false);
      expect(() => loadSnapshot(path)).toThrow(InputError);
      expect(() => loadSnapshot(path)).toThrow(path);
    });
  });
});
