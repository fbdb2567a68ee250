import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTriageBackend, resolveTriageThreads, triageConfigSchema } from '../../../src/config/triage.js';
import { createTriager } from '../../../src/triage/createTriager.js';
import { TriageUnavailableError } from '../../../src/triage/errors.js';
import { writeTinyModels, type TinyModels } from '../../../src/triage/gguf/index.js';
import { HeuristicTriager } from '../../../src/triage/HeuristicTriager.js';
import { LlamaCppTriager } from '../../../src/triage/LlamaCppTriager.js';
import { OpenAiTriager } from '../../../src/triage/OpenAiTriager.js';
import { capture, triageConfig } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'logtriage-create-triager-'));
let files: TinyModels;

beforeAll(async () => {
  files = await writeTinyModels(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('the triage config slice', () => {
  it('picks llamacpp with a model, else openai with a URL, else the heuristic', () => {
    expect(resolveTriageBackend(triageConfig())).toBe('heuristic');
    expect(resolveTriageBackend(triageConfig({ openai: { baseUrl: 'http://gpu:8000/v1' } }))).toBe('openai');
    expect(resolveTriageBackend(triageConfig({ modelPath: 'm.gguf', openai: { baseUrl: 'http://gpu:8000/v1' } }))).toBe('llamacpp');
    expect(resolveTriageBackend(triageConfig({ backend: 'heuristic', modelPath: 'm.gguf' }))).toBe('heuristic');
  });

  it('fills in defaults and describes every field', () => {
    const config = triageConfig();
    expect(config).toMatchObject({ backend: 'auto', threads: 0, sequences: 4, temperature: 0, fallbackToHeuristic: true, lora: [], gpu: 'auto' });
    expect(config.worker).toMatchObject({ enabled: true, concurrency: 4, maxAttempts: 3, reuse: 'signature' });
    const undescribed: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      const json = schema as { properties?: Record<string, unknown>; description?: string };
      for (const [key, value] of Object.entries(json.properties ?? {})) {
        const field = value as { description?: string; items?: unknown };
        if (!field.description) undescribed.push(`${path}${key}`);
        walk(field, `${path}${key}.`);
        if (field.items) walk(field.items, `${path}${key}[].`);
      }
    };
    walk(triageConfigSchema.toJSONSchema({ io: 'input' }), '');
    expect(undescribed).toEqual([]);
  });

  it('refuses settings that cannot work, saying why', () => {
    const issues = (input: unknown): string[] => {
      const result = triageConfigSchema.safeParse(input);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ backend: 'llamacpp' })).toEqual(['modelPath: triage.backend is llamacpp but triage.modelPath is not set; give a GGUF file (see `logtriage model pull`)']);
    expect(issues({ backend: 'openai' })[0]).toMatch(/^openai\.baseUrl: triage\.backend is openai but triage\.openai\.baseUrl is not set/);
    expect(issues({ contextSize: 2048 })[0]).toMatch(/^maxPromptTokens: maxPromptTokens \(3072\) \+ maxTokens \(512\) exceed contextSize \(2048\)/);
    expect(issues({ timeoutMs: 600_000 })[0]).toMatch(/^worker\.leaseMs: worker\.leaseMs \(300000\) must exceed timeoutMs \(600000\)/);
    expect(issues({ openai: { baseUrl: 'ftp://x' } })).toHaveLength(1);
    expect(issues({ gpu: 'cuda' })).toHaveLength(1);
  });

  it('resolves threads 0 to half the cores, at least one', () => {
    expect(resolveTriageThreads(0, 16)).toBe(8);
    expect(resolveTriageThreads(0, 2)).toBe(1);
    expect(resolveTriageThreads(0, 1)).toBe(1);
    expect(resolveTriageThreads(3, 16)).toBe(3);
  });
});

describe('createTriager', () => {
  it('returns the heuristic when no LLM is configured', async () => {
    const triager = await createTriager(triageConfig());
    expect(triager).toBeInstanceOf(HeuristicTriager);
    expect(triager.name).toBe('heuristic');
  });

  it('returns an OpenAI-compatible backend for a base URL, without contacting it', async () => {
    const triager = await createTriager(triageConfig({ openai: { baseUrl: 'http://127.0.0.1:1/v1', model: 'm' } }));
    expect(triager).toBeInstanceOf(OpenAiTriager);
    expect(triager.name).toBe('openai:http://127.0.0.1:1/v1#m');
    await triager.dispose();
  });

  it('loads the local model with its adapter', async () => {
    const triager = await createTriager(triageConfig({ modelPath: files.base.path, lora: [{ path: files.lora.path }], threads: 1, sequences: 2, contextSize: 4096 }));
    try {
      expect(triager).toBeInstanceOf(LlamaCppTriager);
      expect(triager.name).toBe('llamacpp:tiny-llama.gguf+tiny-lora.gguf');
      expect(triager.parallelism).toBe(2);
    } finally {
      await triager.dispose();
    }
  });

  it('falls back to the heuristic with a warning when the model cannot be loaded', async () => {
    const { logger, lines } = capture('info');
    const triager = await createTriager(triageConfig({ modelPath: join(dir, 'missing.gguf'), threads: 1 }), logger);
    expect(triager).toBeInstanceOf(HeuristicTriager);
    const warning = lines().find((line) => line.level === 40);
    expect(warning?.msg).toMatch(/the triage model cannot be loaded; triaging by heuristic instead/);
    expect(warning?.reason).toMatch(/missing\.gguf: cannot open it \(ENOENT\)/);
  });

  it('also for an adapter file that is no adapter', async () => {
    const triager = await createTriager(triageConfig({ modelPath: files.base.path, lora: [{ path: files.base.path }], threads: 1 }));
    expect(triager.name).toBe('heuristic');
  });

  it('rejects instead when fallbackToHeuristic is off', async () => {
    await expect(createTriager(triageConfig({ modelPath: join(dir, 'missing.gguf'), fallbackToHeuristic: false }))).rejects.toThrow(TriageUnavailableError);
  });
});
