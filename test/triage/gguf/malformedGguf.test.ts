import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readGgufHeader, writeTinyLlama } from '../../../src/triage/gguf/index.js';

// Its own test file, so its own process and Llama: see afterAll.
const dir = mkdtempSync(join(tmpdir(), 'logtriage-malformed-'));
const llamaLogs: string[] = [];
let llama: Llama;
let good: Buffer;
let goodPath: string;

beforeAll(async () => {
  goodPath = (await writeTinyLlama(dir)).path;
  good = readFileSync(goodPath);
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logger: (level, message) => void llamaLogs.push(`${level}: ${message}`) });
});

afterAll(async () => {
  // node-llama-cpp 3.22.1: a failed loadModel leaves behind a model object that holds a
  // prevent-disposal handle on the Llama; the handle is released only if that object is still
  // alive when the Llama is disposed. Once it has been garbage-collected, llama.dispose() never
  // settles (seen here after two failed loads), so the wait is bounded.
  await Promise.race([llama?.dispose(), delay(2_000)]);
  rmSync(dir, { recursive: true, force: true });
});

function variant(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('malformed GGUF files', () => {
  it('with the wrong magic: node-llama-cpp refuses them before llama.cpp sees them, and so does the header check', async () => {
    const path = variant('wrong-magic.gguf', Buffer.concat([Buffer.from('GGML'), good.subarray(4)]));
    await expect(llama.loadModel({ modelPath: path })).rejects.toThrow(/Invalid GGUF magic. Expected "GGUF" but got "GGML"/);
    expect(() => readGgufHeader(path)).toThrow(/is not a GGUF file: it starts with "GGML"/);
  });

  it('cut short in the tensor data: llama.cpp refuses them (reason in the log), the header check names the tensor', async () => {
    const path = variant('truncated.gguf', good.subarray(0, good.length - 4096));
    await expect(llama.loadModel({ modelPath: path })).rejects.toThrow(/Failed to load model/);
    await vi.waitFor(() => expect(llamaLogs.join('\n')).toMatch(/tensor 'output\.weight' data is not within the file bounds/));
    expect(() => readGgufHeader(path)).toThrow(/is truncated: the data of tensor "output\.weight" ends at byte \d+ but the file has \d+ bytes \(4096 missing\)/);
  });

  it('cut short in the metadata: the header check says which key runs past the end', () => {
    // node-llama-cpp's readGgufFileInfo reads this prefix without complaint, so the check is ours.
    expect(() => readGgufHeader(variant('cut-metadata.gguf', good.subarray(0, 2000)))).toThrow(
      /is truncated or corrupt: metadata "tokenizer\.ggml\.tokens"\[\d+\] claims \d+ bytes at byte \d+, past the end of the file \(2000 bytes\)/,
    );
  });

  it('leave the process able to load and run a good model afterwards', async () => {
    const model = await llama.loadModel({ modelPath: goodPath });
    try {
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const sequence = context.getSequence();
      let n = 0;
      for await (const _token of sequence.evaluate(model.tokenize('still alive'), { temperature: 0 })) if (++n >= 8) break;
      expect(n).toBe(8);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  });
});
