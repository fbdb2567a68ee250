import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaChatSession, LlamaLogLevel, TokenBias, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tinyVocabulary, writeTinyLlama, writeTinyLora, writeTinyModels, type TinyModels } from '../../../src/triage/gguf/index.js';

// Real node-llama-cpp on the generated tiny model, CPU only. One thread everywhere: llama.cpp's
// worker threads spin-wait, and with test files running in parallel two threads were measured
// 270 times slower than one (100 tokens: 15.6 s against 58 ms).
const THREADS = 1;

const dir = mkdtempSync(join(tmpdir(), 'logtriage-llama-'));
const llamaLogs: string[] = [];
let llama: Llama;
let model: LlamaModel;
let files: TinyModels;

beforeAll(async () => {
  files = await writeTinyModels(dir);
  llama = await getLlama({
    gpu: false,
    build: 'never',
    maxThreads: THREADS,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => void llamaLogs.push(`${level}: ${message}`),
  });
  model = await llama.loadModel({ modelPath: files.base.path });
});

afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A context of its own for each case, so that no case sees another's KV cache. */
async function withContext<T>(options: { lora?: string; scale?: number }, use: (context: LlamaContext) => Promise<T>): Promise<T> {
  const context = await model.createContext({
    contextSize: 512,
    threads: THREADS,
    ...(options.lora ? { lora: { adapters: [{ filePath: options.lora, scale: options.scale ?? 1 }] } } : {}),
  });
  try {
    return await use(context);
  } finally {
    await context.dispose();
  }
}

/** The first `n` tokens the model generates after `prompt`, end-of-generation tokens included. */
async function generate(context: LlamaContext, prompt: string, n: number, sampling: { temperature: number; seed?: number }): Promise<Token[]> {
  const sequence = context.getSequence();
  try {
    const out: Token[] = [];
    for await (const token of sequence.evaluate(model.tokenize(prompt), sampling)) {
      out.push(token);
      if (out.length >= n) break;
    }
    return out;
  } finally {
    sequence.dispose();
  }
}

const PROMPT = 'ERROR db-pool: connection refused after 3 retries';

describe('the tiny model in node-llama-cpp', () => {
  it('loads with the configuration it was written with', () => {
    const vocab = tinyVocabulary();
    expect(model.trainContextSize).toBe(2048);
    expect(model.fileInfo.metadata.general.architecture).toBe('llama');
    expect(model.fileInsights.totalLayers).toBe(3); // two blocks and the output layer
    expect([model.tokens.bos, model.tokens.eos, model.tokens.eot]).toEqual([vocab.bosId, vocab.eosId, vocab.imEndId]);
  });

  it('tokenizes any text, CJK and emoji through byte tokens, and detokenizes it unchanged', () => {
    const texts = [
      'hello world',
      '  two leading spaces, a tab\tand a newline\n',
      PROMPT,
      '数据库连接失败',
      'disk full 💾🔥 at /var/lib/pg',
      'Ünïcödé ✓ — «quotes» 🧑‍💻',
    ];
    for (const text of texts) {
      const tokens = model.tokenize(text);
      expect(tokens.length).toBeGreaterThan(0);
      expect([text, model.detokenize(tokens)]).toEqual([text, text]);
    }
    // No piece covers a CJK character: each of its UTF-8 bytes is a byte token.
    expect(model.tokenize('数据库连接失败')).toHaveLength(Buffer.byteLength('数据库连接失败'));
    // Merged pieces are used where they exist.
    expect(model.tokenize('error')).toHaveLength(1);
    expect(model.tokenize(' timeout')).toHaveLength(1);
  });

  it('generates the same tokens for the same prompt and seed, greedy or sampled', async () => {
    const started = performance.now();
    const greedy = await withContext({}, (c) => generate(c, PROMPT, 100, { temperature: 0 }));
    const elapsed = performance.now() - started;
    expect(greedy).toHaveLength(100);
    expect(await withContext({}, (c) => generate(c, PROMPT, 100, { temperature: 0 }))).toEqual(greedy);
    const sampled = await withContext({}, (c) => generate(c, PROMPT, 40, { temperature: 1, seed: 11 }));
    expect(await withContext({}, (c) => generate(c, PROMPT, 40, { temperature: 1, seed: 11 }))).toEqual(sampled);
    expect(await withContext({}, (c) => generate(c, PROMPT, 40, { temperature: 1, seed: 12 }))).not.toEqual(sampled);
    // A generous bound: a context plus 100 tokens takes well under a second on one core.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('chats through the ChatML template with a chat session, deterministically at temperature 0', async () => {
    const answers = [];
    for (let i = 0; i < 2; i++) {
      answers.push(
        await withContext({}, async (context) => {
          const session = new LlamaChatSession({ contextSequence: context.getSequence() });
          expect(session.chatWrapper.wrapperName).toBe('ChatML');
          const tokens: Token[] = [];
          const text = await session.prompt('Classify this log line: disk full', { maxTokens: 24, temperature: 0, onToken: (t) => void tokens.push(...t) });
          return { text, tokens };
        }),
      );
    }
    expect(answers[0]!.tokens.length).toBeGreaterThan(0);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('loads the F16 variant with grouped-query attention as well', async () => {
    const variant = await writeTinyLlama(join(dir, 'f16'), { tensorType: 'F16', headCountKv: 2, blockCount: 1 });
    const f16 = await llama.loadModel({ modelPath: variant.path });
    try {
      const context = await f16.createContext({ contextSize: 256, threads: THREADS });
      const sequence = context.getSequence();
      const out: Token[] = [];
      for await (const token of sequence.evaluate(f16.tokenize(PROMPT), { temperature: 0 })) if (out.push(token) >= 16) break;
      expect(out).toHaveLength(16);
      await context.dispose();
    } finally {
      await f16.dispose();
    }
  });
});

describe('the tiny LoRA adapter in node-llama-cpp', () => {
  it('loads and changes the generated tokens for the same prompt and seed', async () => {
    const base = await withContext({}, (c) => generate(c, PROMPT, 48, { temperature: 0 }));
    const adapted = await withContext({ lora: files.lora.path }, (c) => generate(c, PROMPT, 48, { temperature: 0 }));
    const again = await withContext({ lora: files.lora.path }, (c) => generate(c, PROMPT, 48, { temperature: 0 }));
    expect(adapted).toHaveLength(48);
    expect(adapted).not.toEqual(base);
    expect(again).toEqual(adapted);
    // At scale 0 the adapter adds nothing: the difference above is the adapter's doing.
    expect(await withContext({ lora: files.lora.path, scale: 0 }, (c) => generate(c, PROMPT, 48, { temperature: 0 }))).toEqual(base);
  });

  it('refuses an adapter written for another base model or a file that is no adapter, and keeps working', async () => {
    const other = await writeTinyLora(join(dir, 'other'), { embeddingLength: 32, headCount: 2 });
    await expect(withContext({ lora: other.path }, async () => undefined)).rejects.toThrow(/Failed to initialize LoRA adapter/);
    // node-llama-cpp's error is generic; llama.cpp's reason reaches the logger given to getLlama, a little later.
    await vi.waitFor(() => expect(llamaLogs.join('\n')).toMatch(/tensor 'blk\.0\.attn_\w+\.weight' has incorrect shape \(hint: maybe wrong base model\?\)/));
    await expect(withContext({ lora: files.base.path }, async () => undefined)).rejects.toThrow(/Failed to initialize LoRA adapter/);
    await vi.waitFor(() => expect(llamaLogs.join('\n')).toMatch(/expect general\.type to be 'adapter', but got: model/));
    expect(await withContext({}, (c) => generate(c, PROMPT, 8, { temperature: 0 }))).toHaveLength(8);
  });
});

describe('a JSON-schema grammar on the tiny model', () => {
  const CATEGORIES = ['timeout', 'connection_failure', 'database_error', 'unknown'] as const;
  const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
  const schema = {
    type: 'object',
    properties: {
      category: { enum: CATEGORIES },
      severity: { enum: SEVERITIES },
      confidence: { type: 'number' },
      summary: { type: 'string', maxLength: 60 },
    },
  } as const;

  async function classify(seed: number, tokenBias?: TokenBias): Promise<string> {
    const grammar = await llama.createGrammarForJsonSchema(schema);
    return withContext({}, async (context) => {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      return session.prompt(`Classify as JSON: ${PROMPT}`, { grammar, maxTokens: 300, temperature: 1, seed, ...(tokenBias ? { tokenBias } : {}) });
    });
  }

  function expectShape(value: unknown): void {
    expect(Object.keys(value as object)).toEqual(['category', 'severity', 'confidence', 'summary']);
    const v = value as Record<string, unknown>;
    expect(CATEGORIES).toContain(v.category);
    expect(SEVERITIES).toContain(v.severity);
    expect(typeof v.confidence).toBe('number');
    expect(typeof v.summary).toBe('string');
  }

  it('makes random weights emit JSON that parses and validates against the schema', async () => {
    const grammar = await llama.createGrammarForJsonSchema(schema);
    // llama.cpp's grammar decodes UTF-8 leniently (overlong forms, lead bytes F5–FF pass), so a random
    // model picking raw high bytes can produce strings that JavaScript decodes into more U+FFFD
    // characters than maxLength allows. Keeping this model to ASCII bytes isolates what the grammar does.
    const asciiOnly = new TokenBias(model.tokenizer);
    const vocab = tinyVocabulary();
    for (let b = 0x80; b <= 0xff; b++) asciiOnly.set(vocab.tokens.indexOf(`<0x${b.toString(16).toUpperCase()}>`) as Token, 'never');
    for (const seed of [1, 2, 3, 4]) {
      const text = await classify(seed, asciiOnly);
      const value: unknown = JSON.parse(text);
      expectShape(value);
      expect(() => grammar.parse(text)).not.toThrow();
      expect((value as { summary: string }).summary.length).toBeLessThanOrEqual(60);
    }
  });

  it('keeps the JSON structure even when the model emits byte sequences that are not UTF-8', async () => {
    for (const seed of [5, 6, 7, 8]) expectShape(JSON.parse(await classify(seed)));
  });
});

describe('aborting generation on the tiny model', () => {
  /** Bans every end-of-generation token, so that only the signal can end the answer. */
  function endless(): TokenBias {
    const bias = new TokenBias(model.tokenizer);
    for (const token of [model.tokens.eos, model.tokens.eot]) if (token != null) bias.set(token, 'never');
    return bias;
  }

  it('rejects with the signal reason soon after a timeout, and the context stays usable', async () => {
    await withContext({}, async (context) => {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      const signal = AbortSignal.timeout(250);
      let generated = 0;
      const started = performance.now();
      const error = await session
        .prompt('Write forever.', { signal, maxTokens: 100_000, tokenBias: endless(), onToken: (t) => void (generated += t.length) })
        .then(() => undefined, (e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toBe(signal.reason);
      expect((signal.reason as Error).name).toBe('TimeoutError');
      expect(generated).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(5_000);
      session.resetChatHistory();
      expect(await session.prompt('Again.', { maxTokens: 5, temperature: 0 })).toEqual(expect.any(String));
      session.dispose();
    });
  });

  it('returns the text so far with stopOnAbortSignal, and disposes cleanly', async () => {
    let disposedContext: LlamaContext | undefined;
    const partial = await withContext({}, async (context) => {
      disposedContext = context;
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      const controller = new AbortController();
      let generated = 0;
      const text = await session.prompt('Write forever.', {
        signal: controller.signal,
        stopOnAbortSignal: true,
        maxTokens: 100_000,
        tokenBias: endless(),
        onToken: (t) => {
          generated += t.length;
          if (generated >= 30) controller.abort(new Error('enough'));
        },
      });
      expect(generated).toBeGreaterThanOrEqual(30);
      expect(generated).toBeLessThan(100);
      return text;
    });
    expect(partial.length).toBeGreaterThan(0);
    expect(disposedContext?.disposed).toBe(true);
  });
});
