import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIncidentStore, signatureOf } from '../../src/incidents/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { runCli } from './runCli.js';
import { buildProgram } from '../../src/cli/program.js';

const run = runCli;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logtriage-cli-'));
}

const HDFS_LINES = [
  '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
  '081109 203807 222 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-6952295868487656571 terminating',
  '081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864',
  '081109 204015 308 INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block blk_8229193803249955061 terminating',
  '081109 204106 329 INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block blk_-6670958622368987959 terminating',
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('logtriage parse', () => {
  it('prints the templates of a file with counts, most frequent first', async () => {
    const dir = tempDir();
    const file = join(dir, 'hdfs.log');
    writeFileSync(file, `${HDFS_LINES.join('\n')}\n`);
    const { stdout, stderr } = await run('parse', file, '--format', 'HDFS', '--quiet');
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toMatch(/count\s+share\s+template id\s+template/);
    expect(rows[1]).toMatch(/^\s*4\s+80\.0%\s+[0-9a-f]{16}\s+PacketResponder <\*> for block blk_<\*> terminating$/);
    expect(rows[2]).toContain('BLOCK* NameSystem.addStoredBlock: blockMap updated: <*>:<*> is added to blk_<*> size <*>');
    expect(stderr).toContain('read 5 lines: 5 events');
  });

  it('writes a snapshot that a later match-only run uses', async () => {
    const dir = tempDir();
    const file = join(dir, 'hdfs.log');
    const snapshot = join(dir, 'templates.json');
    writeFileSync(file, `${HDFS_LINES.join('\n')}\n`);
    await run('parse', file, '--format', 'HDFS', '--quiet', '--out', snapshot);
    expect(JSON.parse(readFileSync(snapshot, 'utf8'))).toMatchObject({ format: 'logtriage.templates', version: 1 });

    const other = join(dir, 'other.log');
    writeFileSync(other, `${HDFS_LINES[0]}\n081109 203615 148 INFO dfs.DataNode: a line never seen before\n`);
    const { stdout, stderr } = await run('parse', other, '--format', 'HDFS', '--quiet', '--snapshot', snapshot, '--match-only', '--json');
    const result = JSON.parse(stdout) as { templates: { text: string; count: number }[] };
    expect(result.templates.find((t) => t.text.startsWith('PacketResponder'))?.count).toBe(5);
    expect(result.templates.some((t) => t.text.includes('never seen'))).toBe(false);
    expect(stderr).toContain('1 lines matched no template');
  });
});

describe('logtriage config print', () => {
  it('prints the effective config with flags merged in', async () => {
    const { stdout } = await run('--set', 'templates.depth=6', 'config', 'print', '--json');
    const config = JSON.parse(stdout) as { templates: { depth: number; similarityThreshold: number } };
    expect(config.templates.depth).toBe(6);
    expect(config.templates.similarityThreshold).toBe(0.9);
  });

  it('stops with a ConfigError naming the field of an invalid file', async () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'sessions:\n  idleTimeoutMs: -5\n');
    await expect(run('--config', file, 'config', 'print')).rejects.toThrow(ConfigError);
    await expect(run('--config', file, 'config', 'print')).rejects.toThrow(/sessions\.idleTimeoutMs/);
  });
});

describe('logtriage train and model', () => {
  it('trains versions, lists them with the active one marked, and rolls back', async () => {
    const dir = tempDir();
    const sessions = join(dir, 'normal.ids');
    const lines = Array.from({ length: 60 }, (_, i) => ['5', '5', ...Array.from({ length: 1 + (i % 3) }, () => '9'), '11'].join(' '));
    writeFileSync(sessions, `${lines.join('\n')}\n`);
    const first = await run('--set', `service.dataDir=${dir}`, 'train', sessions, '--input', 'idlines', '--epochs', '2', '--quiet');
    expect(first.stdout).toMatch(/^model (\S+) \(active\): \d+ epochs/);
    const v1 = /^model (\S+)/.exec(first.stdout)![1]!;
    const second = await run('--set', `service.dataDir=${dir}`, 'train', sessions, '--input', 'idlines', '--epochs', '2', '--quiet', '--seed', '3');
    const v2 = /^model (\S+)/.exec(second.stdout)![1]!;
    expect(v2).not.toBe(v1);
    expect((await run('--set', `service.dataDir=${dir}`, 'model', 'list')).stdout).toMatch(new RegExp(`\\* ${v2}`));
    expect((await run('--set', `service.dataDir=${dir}`, 'model', 'rollback')).stdout).toBe(`active: ${v1}\n`);
    await expect(run('--set', `service.dataDir=${dir}`, 'model', 'activate', 'nope')).rejects.toThrow(/no model version "nope"/);
  }, 60_000);

  it('evaluates a labelled dataset with the active model and writes a self-contained HTML report', async () => {
    const dir = tempDir();
    const normal = join(dir, 'normal.ids');
    writeFileSync(normal, `${Array.from({ length: 80 }, (_, i) => ['5', '5', ...Array.from({ length: 1 + (i % 3) }, () => '9'), '11'].join(' ')).join('\n')}\n`);
    const abnormal = join(dir, '<script>abnormal.ids');
    writeFileSync(abnormal, '5 5 9 9 9 9 9 9 9 9 11 11 11\n5 42 11\n9 5\n');
    await run('--set', `service.dataDir=${dir}`, 'train', normal, '--input', 'idlines', '--epochs', '30', '--quiet');
    const report = join(dir, 'report.html');
    const { stdout } = await run('--set', `service.dataDir=${dir}`, 'eval', normal, '--input', 'idlines', '--abnormal', abnormal, '--report', report, '--json');
    const figures = JSON.parse(stdout) as { sessions: number; anomalous: number; recall: number; rocAuc: number };
    expect(figures).toMatchObject({ sessions: 83, anomalous: 3 });
    expect(figures.rocAuc).toBeGreaterThan(0.9);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('ROC curve');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/(src|href)="http/);
  }, 60_000);

  it('adds the sessions reviewers marked false positive to the training set', async () => {
    const dir = tempDir();
    const store = await createIncidentStore({ kind: 'sqlite', poolSize: 1, dataDir: dir });
    const templateIds = ['5', '5', '9', '9', '9', '9', '9', '11'];
    const { id } = await store.record({
      sessionKey: 'blk_1', firstTimestamp: 1, lastTimestamp: 2, detectedAt: 3, templateIds, templates: templateIds, lines: templateIds,
      truncatedLines: 0, score: 9, threshold: 7, evidence: [], modelVersion: 'v1', signature: signatureOf(templateIds),
    });
    await store.review(id, { action: 'false_positive' }, 'alice');
    await store.dispose();
    const sessions = join(dir, 'nine.ids');
    writeFileSync(sessions, `${Array.from({ length: 9 }, () => '5 5 9 11').join('\n')}\n`);
    const trained = await run('--set', `service.dataDir=${dir}`, 'train', sessions, '--input', 'idlines', '--epochs', '1', '--quiet');
    expect(trained.stderr).toContain('adding 1 sessions reviewers marked false positive');
    expect(trained.stderr).toContain('training on 10 normal sessions');
    await expect(run('--set', `service.dataDir=${dir}`, 'train', sessions, '--input', 'idlines', '--quiet', '--no-reviewed')).rejects.toThrow(/9 normal sessions found/);
  }, 60_000);

  it('refuses input with too few normal sessions', async () => {
    const dir = tempDir();
    const sessions = join(dir, 'few.ids');
    writeFileSync(sessions, '1 2 3\n');
    await expect(run('--set', `service.dataDir=${dir}`, 'train', sessions, '--input', 'idlines', '--quiet')).rejects.toThrow(/1 normal sessions found; training needs at least 10/);
  });
});

describe('logtriage doctor', () => {
  it('reports the backend in use and why the GPU backend was skipped', async () => {
    const { stdout } = await run('doctor', '--json');
    const info = JSON.parse(stdout) as { backend: string; cuda: boolean; skipped: { name: string; reason: string }[] };
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.backend);
    if (info.backend !== 'tensorflow') {
      expect(info.cuda).toBe(false);
      expect(info.skipped[0]).toMatchObject({ name: 'tensorflow' });
      expect(info.skipped[0]!.reason).toMatch(/tfjs-node-gpu/);
    }
  });
});

describe('scoring.backend', () => {
  it('forces the backend from the environment (the backend is chosen once per process, so in a child)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', '--json'], {
      env: { ...process.env, LOGTRIAGE_SCORING__BACKEND: 'cpu' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toMatchObject({ backend: 'cpu', cuda: false });
  }, 60_000);
});

describe('logtriage --help', () => {
  it('describes every command', () => {
    const program = buildProgram();
    for (const command of program.commands) {
      expect(command.description(), command.name()).not.toBe('');
      expect(command.helpInformation()).toContain(`Usage: logtriage ${command.name()}`);
    }
  });
});
