import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/runCli.js';
import { createIncidentStore } from '../../src/incidents/index.js';
import { InputError } from '../../src/util/errors.js';

describe('logtriage tokens', () => {
  let dataDir: string;

  /** Runs the CLI in-process against the temp data directory; answers what it wrote. */
  function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return runCli('--set', `service.dataDir=${dataDir}`, ...args);
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'logtriage-tokens-'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a token, prints it once on stdout with a warning on stderr, and the store verifies it', async () => {
    const { stdout, stderr } = await run('tokens', 'create', '--name', 'ci-bot', '--role', 'reviewer');
    const token = stdout.trim();
    expect(token).toMatch(/^lt_[A-Za-z0-9_-]{20,}$/);
    expect(stderr).toMatch(/created token tok_[0-9a-f]+ "ci-bot" with role reviewer/);
    expect(stderr).toContain('shown only this once');

    const store = await createIncidentStore({ kind: 'sqlite', poolSize: 1, dataDir });
    try {
      expect(await store.verifyToken(token)).toMatchObject({ name: 'ci-bot', role: 'reviewer' });
    } finally {
      await store.dispose();
    }
    const { stdout: listed } = await run('tokens', 'list');
    expect(listed).not.toContain(token);
  });

  it('lists tokens as a table with id, name, role, created, last used and revoked', async () => {
    await run('tokens', 'create', '--name', 'alice', '--role', 'admin');
    await run('tokens', 'create', '--name', 'grafana', '--role', 'viewer');
    const { stdout } = await run('tokens', 'list');
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+name\s+role\s+created\s+last used\s+revoked$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^tok_[0-9a-f]+\s+alice\s+admin\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+-\s+-$/);
    expect(rows[1]).toMatch(/^tok_[0-9a-f]+\s+grafana\s+viewer\s/);

    const { stdout: json } = await run('tokens', 'list', '--json');
    expect((JSON.parse(json) as { name: string }[]).map((t) => t.name)).toEqual(['alice', 'grafana']);
  });

  it('says how to create one when there are none', async () => {
    expect((await run('tokens', 'list')).stdout).toContain('logtriage tokens create');
  });

  it('revokes a token by id: it is marked revoked and no longer verifies', async () => {
    const token = (await run('tokens', 'create', '--name', 'temp', '--role', 'viewer')).stdout.trim();
    const id = /tok_[0-9a-f]+/.exec((await run('tokens', 'list')).stdout)![0];
    const { stdout, stderr } = await run('tokens', 'revoke', id);
    expect(stdout).toBe(`revoked ${id}\n`);
    expect(stderr).toContain('only on loopback');
    const row = (await run('tokens', 'list')).stdout.split('\n').find((line) => line.startsWith(id))!;
    expect(row).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const store = await createIncidentStore({ kind: 'sqlite', poolSize: 1, dataDir });
    try {
      expect(await store.verifyToken(token)).toBeUndefined();
      expect(await store.hasTokens()).toBe(false);
    } finally {
      await store.dispose();
    }
  });

  it('refuses to revoke an unknown id, pointing at tokens list', async () => {
    await expect(run('tokens', 'revoke', 'tok_nope')).rejects.toThrow(InputError);
    await expect(run('tokens', 'revoke', 'tok_nope')).rejects.toThrow(/logtriage tokens list/);
  });

  it('refuses a role outside viewer, reviewer and admin, and a missing name', async () => {
    await expect(run('tokens', 'create', '--name', 'x', '--role', 'root')).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(run('tokens', 'create', '--role', 'viewer')).rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
  });

  it('keeps control characters in a name from reaching the terminal', async () => {
    await run('tokens', 'create', '--name', 'evil\u001b[2Jname', '--role', 'viewer');
    const { stdout } = await run('tokens', 'list');
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toContain('evil?[2Jname');
  });
});
