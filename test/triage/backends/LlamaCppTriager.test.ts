import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../../src/incidents/index.js';
import { writeTinyLora, writeTinyModels, type TinyModels } from '../../../src/triage/gguf/index.js';
import { LlamaCppTriager, type LlamaCppTriagerOptions } from '../../../src/triage/LlamaCppTriager.js';
import { renderTriagePrompt } from '../../../src/triage/prompts/index.js';
import { loadTaxonomy } from '../../../src/triage/taxonomy.js';
import { TriageOutputError, TriageUnavailableError } from '../../../src/triage/errors.js';
import type { TriageInput } from '../../../src/triage/types.js';
import { storedIncident, tinyAnswerBias } from './helpers.js';

// Real node-llama-cpp on the generated tiny model and adapter, CPU, one thread (llama.cpp's threads
// spin-wait: two threads beside another busy process were measured 270 times slower than one).
const THREADS = 1;
// The tiny model's byte-level vocabulary spends ~2,500 tokens on the system turn alone, so the
// prompt keeps only that and the incident (the renderer drops the few-shot examples to fit).
const CONTEXT = 4096;
const PROMPT_TOKENS = 3400;

const dir = mkdtempSync(join(tmpdir(), 'logtriage-llamacpp-'));
const taxonomy = loadTaxonomy();
let files: TinyModels;
let triager: LlamaCppTriager;

function options(overrides: Partial<LlamaCppTriagerOptions> = {}): LlamaCppTriagerOptions {
  return {
    modelPath: files.base.path,
    lora: [{ path: files.lora.path, scale: 1 }],
    gpu: false,
    threads: THREADS,
    contextSize: CONTEXT,
    sequences: 2,
    maxTokens: 400,
    timeoutMs: 20_000,
    disposeTimeoutMs: 2_000,
    tokenBias: tinyAnswerBias,
    ...overrides,
  };
}

function input(variant: number, signal: AbortSignal = new AbortController().signal, on: LlamaCppTriager = triager): TriageInput {
  const incident = storedIncident(variant);
  const prompt = renderTriagePrompt(incident, { taxonomy, similar: [], language: 'en', maxPromptTokens: PROMPT_TOKENS, countTokens: (text) => on.countTokens(text) });
  return { incident, similar: [], prompt, taxonomy, signal };
}

beforeAll(async () => {
  files = await writeTinyModels(dir);
  triager = await LlamaCppTriager.create(options());
});

afterAll(async () => {
  await triager?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('LlamaCppTriager', () => {
  it('answers an incident with a validated result under the grammar, and counts its tokens', async () => {
    const outcome = await triager.triage(input(1));
    const { result } = outcome;
    expect(triager.name).toBe('llamacpp:tiny-llama.gguf+tiny-lora.gguf');
    expect(result.backend).toBe(triager.name);
    expect(taxonomy.categories.map((c) => c.name)).toContain(result.category);
    expect(SEVERITIES).toContain(result.severity);
    expect(result.confidence).toBeGreaterThanOrEqual(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
    expect(result.summary.length).toBeGreaterThan(0);
    expect(result.summary).not.toMatch(/[\n\r\t]/);
    // The grammar lets the model cite only lines the prompt showed.
    const shown = input(1).prompt.shownLines;
    for (const line of result.evidenceLines) expect(shown).toContain(line);
    expect(outcome.attempts).toBe(1);
    // The whole prompt (the system turn alone is ~2,500 tokens of this vocabulary) and the answer.
    expect(outcome.tokensIn).toBeGreaterThan(2_500);
    expect(outcome.tokensOut).toBeGreaterThan(10);
    // Temperature 0: the same incident gets the same answer on a sequence that served it before.
    expect((await triager.triage(input(1))).result).toEqual(result);
  });

  it('serves several incidents at once, each on its own sequence', async () => {
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, triager.inUse)), 5);
    try {
      const outcomes = await Promise.all([1, 2, 3, 4].map((variant) => triager.triage(input(variant))));
      for (const outcome of outcomes) expect(outcome.result.backend).toBe(triager.name);
    } finally {
      clearInterval(watch);
    }
    expect(triager.parallelism).toBe(2);
    expect(peak).toBe(2);
    expect(triager.inUse).toBe(0);
  });

  it('rejects with the caller’s reason when its signal fires, and stays usable', async () => {
    const signal = AbortSignal.timeout(40);
    const started = performance.now();
    const error = await triager.triage(input(5, signal)).then(() => undefined, (e: unknown) => e);
    expect(error).toBe(signal.reason);
    expect((error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(triager.inUse).toBe(0);
    expect((await triager.triage(input(5))).result.backend).toBe(triager.name);
  });

  it('gives up after triage.timeoutMs with TriageUnavailableError', async () => {
    const slow = await LlamaCppTriager.create(options({ timeoutMs: 30, sequences: 1 }));
    try {
      await expect(slow.triage(input(6, undefined, slow))).rejects.toThrow(TriageUnavailableError);
      await expect(slow.triage(input(6, undefined, slow))).rejects.toThrow(/no answer within 30 ms \(triage\.timeoutMs\)/);
    } finally {
      await slow.dispose();
    }
  });

  it('asks again once when the answer is invalid, then rejects with TriageOutputError saying why', async () => {
    // Eight tokens cannot hold the JSON object: the answer is cut, both times.
    const terse = await LlamaCppTriager.create(options({ maxTokens: 8, sequences: 1 }));
    try {
      const error = await terse.triage(input(7, undefined, terse)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(TriageOutputError);
      expect((error as Error).message).toMatch(/^llamacpp:tiny-llama\.gguf\+tiny-lora\.gguf: the answer was invalid twice; last: the answer is not JSON/);
      expect(terse.inUse).toBe(0);
    } finally {
      await terse.dispose();
    }
  });

  it('is disposed once however often dispose is called, and refuses work afterwards', async () => {
    const once = await LlamaCppTriager.create(options({ sequences: 1 }));
    await Promise.all([once.dispose(), once.dispose()]);
    await once.dispose();
    await expect(once.triage(input(8, undefined, triager))).rejects.toThrow(/the backend is closed/);
  });

  it('names what is wrong with a model or adapter that cannot be loaded', async () => {
    const truncated = join(dir, 'truncated.gguf');
    const bytes = readFileSync(files.base.path);
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 4096));
    await expect(LlamaCppTriager.create(options({ modelPath: truncated }))).rejects.toThrow(
      /^triage\.modelPath: .*truncated\.gguf is truncated: the data of tensor "output\.weight" ends at byte \d+ but the file has \d+ bytes/,
    );
    await expect(LlamaCppTriager.create(options({ modelPath: join(dir, 'missing.gguf') }))).rejects.toThrow(/^triage\.modelPath: .*missing\.gguf: cannot open it \(ENOENT\)/);
    await expect(LlamaCppTriager.create(options({ modelPath: files.lora.path }))).rejects.toThrow(/is a LoRA adapter, not a base model/);
    await expect(LlamaCppTriager.create(options({ lora: [{ path: files.base.path, scale: 1 }] }))).rejects.toThrow(/is not a LoRA adapter \(general\.type is "model"/);
    // An adapter for another base model passes the header check; llama.cpp's own reason is reported.
    const other = await writeTinyLora(join(dir, 'other'), { embeddingLength: 32, headCount: 2 });
    const error = await LlamaCppTriager.create(options({ lora: [{ path: other.path, scale: 1 }] })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TriageUnavailableError);
    expect((error as Error).message).toMatch(/creating the context with adapters .* failed: .*Failed to initialize LoRA adapter.*\(llama\.cpp: .*has incorrect shape/);
  });

  it('uses a chat template given by name or as Jinja, and refuses anything else', async () => {
    const named = await LlamaCppTriager.create(options({ chatTemplate: 'chatML', sequences: 1 }));
    await named.dispose();
    const jinja = '{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';
    const custom = await LlamaCppTriager.create(options({ chatTemplate: jinja, sequences: 1 }));
    try {
      expect((await custom.triage(input(9, undefined, custom))).result.backend).toBe(custom.name);
    } finally {
      await custom.dispose();
    }
    await expect(LlamaCppTriager.create(options({ chatTemplate: 'no-such-template', sequences: 1 }))).rejects.toThrow(/"no-such-template" is neither a chat wrapper name/);
  });
});
