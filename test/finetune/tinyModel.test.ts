import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageConfigSchema, type TriageConfig } from '../../src/config/triage.js';
import { createFinetuneDataset, GgufTokenCounter, parseRecord, syntheticLabelledIncidents } from '../../src/finetune/index.js';
import { writeTinyModels, type TinyModels } from '../../src/triage/gguf/index.js';
import { LlamaCppTriager } from '../../src/triage/LlamaCppTriager.js';
import { parseTriageOutput, promptBoundary, renderTriagePrompt } from '../../src/triage/prompts/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { tinyAnswerBias } from '../triage/backends/helpers.js';

// The generated tiny GGUF model and adapter through real node-llama-cpp, CPU, one thread (llama.cpp
// threads spin-wait; two beside another busy process were measured 270 times slower than one).
// Its byte-level vocabulary spends ~2,500 tokens on the system turn, so the budgets are wider than
// the defaults, as in test/triage.
const dir = mkdtempSync(join(tmpdir(), 'logtriage-finetune-tiny-'));
const taxonomy = loadTaxonomy();
const SYNTHETIC = { anomalies: 8, seed: 3 };
let files: TinyModels;
let config: TriageConfig;
let triager: LlamaCppTriager;
let counter: GgufTokenCounter;

beforeAll(async () => {
  files = await writeTinyModels(join(dir, 'models'));
  config = triageConfigSchema.parse({
    backend: 'llamacpp',
    modelPath: files.base.path,
    lora: [{ path: files.lora.path, scale: 1 }],
    gpu: false,
    threads: 1,
    sequences: 1,
    contextSize: 4096,
    maxPromptTokens: 3400,
    maxTokens: 400,
  });
  triager = await LlamaCppTriager.create({
    modelPath: config.modelPath!,
    lora: config.lora,
    gpu: config.gpu,
    threads: config.threads,
    contextSize: config.contextSize,
    sequences: config.sequences,
    maxTokens: config.maxTokens,
    timeoutMs: 60_000,
    disposeTimeoutMs: 2_000,
    tokenBias: tinyAnswerBias,
  });
  counter = await GgufTokenCounter.load(files.base.path);
}, 120_000);

afterAll(async () => {
  await counter?.dispose();
  await triager?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a dataset built with the model’s tokenizer, served by LlamaCppTriager with triage.lora', () => {
  it('GgufTokenCounter counts tokens as the llamacpp backend does, and refuses an adapter', async () => {
    for (const text of ['Receiving block blk_-1608999687919862906', '连接数据库 orders-db 超时（5000ms）', '']) expect(counter.count(text)).toBe(triager.countTokens(text));
    expect(counter.name).toBe('gguf:tiny-llama.gguf');
    await expect(GgufTokenCounter.load(files.lora.path)).rejects.toThrow(/LoRA adapter; give the base model/);
  });

  it('exports the conversation the backend is sent for the incident, and the backend answers it under the adapter', async () => {
    const out = join(dir, 'dataset');
    const { card } = await createFinetuneDataset({
      sources: ['synthetic'],
      synthetic: SYNTHETIC,
      out,
      format: 'chatml',
      taxonomy,
      maxPromptTokens: config.maxPromptTokens,
      // The tiny vocabulary spends about a token per byte: the answers would exceed any real budget.
      maxAnswerTokens: 10_000,
      maxExampleTokens: 100_000,
      countTokens: (text) => counter.count(text),
      tokenCounter: counter.name,
      balance: 'none',
      quiet: true,
    });
    expect(card.tokenCounter).toBe('gguf:tiny-llama.gguf');
    expect(card.examples).toBeGreaterThan(0);
    const record = parseRecord(JSON.parse(readFileSync(join(out, 'train.jsonl'), 'utf8').split('\n')[0]!), 'chatml');

    // The same incident, rendered as the triage worker renders it for this backend.
    const items = syntheticLabelledIncidents(taxonomy, SYNTHETIC).items;
    const item = items.find((i) => record.user.includes(`<<<LOG-${promptBoundary(i.incident.id)}\n`))!;
    expect(item).toBeDefined();
    const runtime = renderTriagePrompt(item.incident, { taxonomy, similar: [], language: config.language, maxPromptTokens: config.maxPromptTokens, countTokens: (text) => triager.countTokens(text) });
    expect(record.system).toBe(runtime.system);
    expect(record.examples).toEqual(runtime.examples);
    expect(record.user).toBe(runtime.user);
    // The target is an answer the runtime accepts for that prompt.
    expect(parseTriageOutput(record.answer, { taxonomy, shownLines: runtime.shownLines, backend: 'target' }).category).toBe(item.answer.category);

    // The exported turns, fed to the backend as they are.
    const prompt = { system: record.system, examples: record.examples, user: record.user, version: card.promptVersion, shownLines: runtime.shownLines };
    const outcome = await triager.triage({ incident: { ...item.incident, ...storedFields() }, similar: [], prompt, taxonomy, signal: new AbortController().signal });
    expect(triager.name).toBe('llamacpp:tiny-llama.gguf+tiny-lora.gguf');
    expect(taxonomy.categories.map((c) => c.name)).toContain(outcome.result.category);
    for (const line of outcome.result.evidenceLines) expect(runtime.shownLines).toContain(line);
    expect(outcome.tokensIn).toBeGreaterThan(counter.count(record.system));
    expect(outcome.tokensIn).toBeLessThanOrEqual(config.contextSize);
  }, 120_000);
});

/** What a stored incident has beyond the prompt's fields. */
function storedFields() {
  return {
    firstTimestamp: 0,
    lastTimestamp: 0,
    detectedAt: 0,
    lastDetectedAt: 0,
    occurrences: 1,
    modelVersion: 'stand-in',
    signature: 'sig',
    triage: { status: 'pending' as const, attempts: 1 },
    review: { state: 'unreviewed' as const, corrections: {} },
    updatedAt: 0,
  };
}
