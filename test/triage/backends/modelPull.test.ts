import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pullModel } from '../../../src/cli/commands/modelPull.js';
import { buildProgram } from '../../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'logtriage-pull-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A local port nothing listens on: connecting to it is refused at once, without any network. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('logtriage model pull', () => {
  it('says the host cannot be reached, and what to do instead, for a URL on a refused address', async () => {
    const port = await refusedPort();
    const started = performance.now();
    const error = await pullModel(`http://127.0.0.1:${port}/models/tiny.gguf`, { dir: join(dir, 'llm') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_PULL_FAILED' });
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED .*; download the GGUF elsewhere, copy it to .*llm and set triage\\.modelPath to it$`));
    // node-llama-cpp's downloader alone retries a refused host for minutes; the probe answers at once.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('probes the Hugging Face endpoint for hf: URIs and names it', async () => {
    const port = await refusedPort();
    await expect(pullModel('hf:someone/tiny-GGUF:Q4_K_M', { dir: join(dir, 'llm'), endpoint: `http://127.0.0.1:${port}/` })).rejects.toThrow(
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    );
  });

  it('refuses what is neither hf: nor a URL', async () => {
    await expect(pullModel('someone/tiny-GGUF', { dir })).rejects.toThrow(/"someone\/tiny-GGUF" is neither hf:<user>\/<repo>:<quant>/);
    await expect(pullModel('ftp://example.org/m.gguf', { dir })).rejects.toThrow(/only hf:, https:\/\/ and http:\/\/ are supported/);
  });

  it('is a subcommand of `logtriage model` that downloads into <dataDir>/llm', async () => {
    const port = await refusedPort();
    const dataDir = join(dir, 'data');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const program = buildProgram().exitOverride();
    try {
      await expect(
        program.parseAsync(['node', 'logtriage', '--set', `service.dataDir=${dataDir}`, 'model', 'pull', 'hf:someone/tiny-GGUF:Q4_K_M', '--endpoint', `http://127.0.0.1:${port}/`]),
      ).rejects.toThrow(new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}: .*copy it to ${join(dataDir, 'llm').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} and set triage\\.modelPath`));
    } finally {
      vi.restoreAllMocks();
    }
    // Nothing was created for a download that never started.
    expect(existsSync(join(dataDir, 'llm'))).toBe(false);
  });
});
