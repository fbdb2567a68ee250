import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import {
  readGgufHeader,
  resolveTinyLlamaConfig,
  SPM_SPACE,
  TOKEN_TYPES,
  tinyLlamaGguf,
  tinyLoraGguf,
  tinyVocabulary,
  writeTinyLlama,
  writeTinyLora,
  writeTinyModels,
} from '../../../src/triage/gguf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'logtriage-tiny-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tinyVocabulary', () => {
  const vocab = tinyVocabulary();

  it('has unique pieces, the 256 byte tokens in order and the special tokens at the ids it reports', () => {
    expect(new Set(vocab.tokens).size).toBe(vocab.tokens.length);
    expect(vocab.scores).toHaveLength(vocab.tokens.length);
    expect(vocab.tokenTypes).toHaveLength(vocab.tokens.length);
    const bytes = vocab.tokens.flatMap((t, id) => (vocab.tokenTypes[id] === TOKEN_TYPES.byte ? [t] : []));
    expect(bytes).toHaveLength(256);
    expect(bytes[0]).toBe('<0x00>');
    expect(bytes[0x0a]).toBe('<0x0A>');
    expect(bytes[255]).toBe('<0xFF>');
    expect([vocab.unkId, vocab.bosId, vocab.eosId].map((id) => vocab.tokens[id])).toEqual(['<unk>', '<s>', '</s>']);
    expect([vocab.imStartId, vocab.imEndId].map((id) => [vocab.tokens[id], vocab.tokenTypes[id]])).toEqual([
      ['<|im_start|>', TOKEN_TYPES.control],
      ['<|im_end|>', TOKEN_TYPES.control],
    ]);
    expect(vocab.tokens).toContain(SPM_SPACE);
    for (let c = 0x21; c <= 0x7e; c++) expect(vocab.tokens).toContain(String.fromCharCode(c));
  });

  it('builds every merged piece from two pieces it already has, so the tokenizer can reach it', () => {
    const normal = new Set(vocab.tokens.filter((_, id) => vocab.tokenTypes[id] === TOKEN_TYPES.normal));
    const merged = [...normal].filter((p) => [...p].length > 1);
    expect(merged.length).toBeGreaterThan(20);
    for (const piece of merged) {
      const chars = [...piece];
      const splits = chars.slice(1).map((_, i) => [chars.slice(0, i + 1).join(''), chars.slice(i + 1).join('')]);
      expect([piece, splits.some(([a, b]) => normal.has(a!) && normal.has(b!))]).toEqual([piece, true]);
    }
  });
});

describe('resolveTinyLlamaConfig', () => {
  it('fills in the defaults and derives the head size', () => {
    const c = resolveTinyLlamaConfig();
    expect(c).toMatchObject({ blockCount: 2, embeddingLength: 64, headCount: 4, headCountKv: 4, feedForwardLength: 128, contextLength: 2048, headDim: 16, seed: 42, tensorType: 'F32' });
    expect(c.vocabSize).toBe(tinyVocabulary().tokens.length);
  });

  it('says which sizes do not fit together', () => {
    expect(() => resolveTinyLlamaConfig({ embeddingLength: 60, headCount: 8 })).toThrow(/heads of an even size/);
    expect(() => resolveTinyLlamaConfig({ headCount: 4, headCountKv: 3 })).toThrow(/headCountKv \(3\) must divide headCount \(4\)/);
    expect(() => resolveTinyLlamaConfig({ blockCount: 0 })).toThrow(/blockCount must be a positive integer/);
    expect(() => resolveTinyLlamaConfig({ seed: -1 })).toThrow(/seed must be a non-negative integer/);
  });
});

describe('writeTinyLlama', () => {
  it('writes the llama metadata and every tensor llama.cpp requires, in the shapes its loader expects', async () => {
    const written = await writeTinyLlama(join(dir, 'base'), { headCountKv: 2 });
    const header = readGgufHeader(written.path);
    expect(header.fileSize).toBe(written.bytes);
    const v = written.config.vocabSize;
    expect(header.metadata).toMatchObject({
      'general.architecture': 'llama',
      'llama.block_count': 2,
      'llama.embedding_length': 64,
      'llama.attention.head_count': 4,
      'llama.attention.head_count_kv': 2,
      'llama.rope.dimension_count': 16,
      'llama.context_length': 2048,
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.bos_token_id': 1,
      'tokenizer.ggml.eos_token_id': 2,
    });
    expect(header.metadata['tokenizer.chat_template']).toContain('<|im_start|>');
    const shapes = Object.fromEntries(header.tensors.map((t) => [t.name, t.shape]));
    expect(shapes).toMatchObject({
      'token_embd.weight': [64, v],
      'output_norm.weight': [64],
      'output.weight': [64, v],
      'blk.1.attn_norm.weight': [64],
      'blk.1.attn_q.weight': [64, 64],
      'blk.1.attn_k.weight': [64, 32], // 2 KV heads of 16
      'blk.1.attn_v.weight': [64, 32],
      'blk.1.attn_output.weight': [64, 64],
      'blk.1.ffn_norm.weight': [64],
      'blk.1.ffn_gate.weight': [64, 128],
      'blk.1.ffn_up.weight': [64, 128],
      'blk.1.ffn_down.weight': [128, 64],
    });
    expect(header.tensors).toHaveLength(3 + 2 * 9);
  });

  it('gives byte-identical files for the same seed and different weights for another', () => {
    const a = tinyLlamaGguf({ seed: 5 }).writer.toBuffer();
    const b = tinyLlamaGguf({ seed: 5 }).writer.toBuffer();
    const c = tinyLlamaGguf({ seed: 6 }).writer.toBuffer();
    expect(a.equals(b)).toBe(true);
    expect(c.length).toBe(a.length);
    expect(a.equals(c)).toBe(false);
  });

  it('stores the 2-D weights as F16 on request and keeps the norms F32', async () => {
    const written = await writeTinyLlama(join(dir, 'f16'), { tensorType: 'F16' });
    const types = new Map(readGgufHeader(written.path).tensors.map((t) => [t.name, t.typeName]));
    expect(types.get('blk.0.attn_q.weight')).toBe('F16');
    expect(types.get('token_embd.weight')).toBe('F16');
    expect(types.get('blk.0.attn_norm.weight')).toBe('F32');
  });
});

describe('writeTinyLora', () => {
  it('writes an adapter with lora_a [in, r] and lora_b [r, out] for each targeted projection', async () => {
    const written = await writeTinyLora(join(dir, 'lora'), { headCountKv: 2 }, { rank: 4, alpha: 8, targets: ['attn_q', 'attn_v', 'ffn_down'] });
    const header = readGgufHeader(written.path);
    expect(header.metadata).toMatchObject({ 'general.type': 'adapter', 'general.architecture': 'llama', 'adapter.type': 'lora', 'adapter.lora.alpha': 8 });
    const shapes = Object.fromEntries(header.tensors.map((t) => [t.name, t.shape]));
    expect(shapes).toEqual({
      'blk.0.attn_q.weight.lora_a': [64, 4], 'blk.0.attn_q.weight.lora_b': [4, 64],
      'blk.0.attn_v.weight.lora_a': [64, 4], 'blk.0.attn_v.weight.lora_b': [4, 32],
      'blk.0.ffn_down.weight.lora_a': [128, 4], 'blk.0.ffn_down.weight.lora_b': [4, 64],
      'blk.1.attn_q.weight.lora_a': [64, 4], 'blk.1.attn_q.weight.lora_b': [4, 64],
      'blk.1.attn_v.weight.lora_a': [64, 4], 'blk.1.attn_v.weight.lora_b': [4, 32],
      'blk.1.ffn_down.weight.lora_a': [128, 4], 'blk.1.ffn_down.weight.lora_b': [4, 64],
    });
  });

  it('has a non-zero B and rejects unknown targets', () => {
    const bytes = tinyLoraGguf({}, { targets: ['attn_q'] }).writer.toBuffer();
    const tail = bytes.subarray(bytes.length - 64 * 8 * 4);
    expect(tail.some((b) => b !== 0)).toBe(true);
    expect(() => tinyLoraGguf({}, { targets: ['attn_qkv' as 'attn_q'] })).toThrow(/targets must be some of attn_q, .*found attn_qkv/);
    expect(() => tinyLoraGguf({}, { rank: 0 })).toThrow(/rank must be a positive integer/);
  });
});

describe('writeTinyModels', () => {
  it('writes both models with a manifest whose sizes and hashes match the files', async () => {
    const out = join(dir, 'models');
    const written = await writeTinyModels(out, { seed: 3 });
    const manifest = JSON.parse(readFileSync(written.manifest, 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'logtriage-tiny-models',
      base: { file: 'tiny-llama.gguf', bytes: written.base.bytes, sha256: written.base.sha256, config: { seed: 3, embeddingLength: 64 } },
      lora: { file: 'tiny-lora.gguf', bytes: written.lora.bytes, sha256: written.lora.sha256, seed: 4, rank: 8, alpha: 16 },
    });
    expect(readFileSync(written.readme, 'utf8')).toContain('random');
    const again = await writeTinyModels(join(dir, 'models-again'), { seed: 3 });
    expect(again.base.sha256).toBe(written.base.sha256);
    expect(again.lora.sha256).toBe(written.lora.sha256);
  });
});

describe('logtriage model tiny', () => {
  it('writes the files and prints their paths and sizes', async () => {
    const out = join(dir, 'cli');
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    try {
      const program = buildProgram().exitOverride();
      await program.parseAsync(['node', 'logtriage', 'model', 'tiny', '--out', out, '--seed', '9']);
    } finally {
      vi.restoreAllMocks();
    }
    const base = readGgufHeader(join(out, 'tiny-llama.gguf'));
    const lora = readGgufHeader(join(out, 'tiny-lora.gguf'));
    expect(stdout).toContain(`${join(out, 'tiny-llama.gguf')}  ${base.fileSize.toLocaleString('en-US')} bytes, 21 tensors`);
    expect(stdout).toContain(`${join(out, 'tiny-lora.gguf')}  ${lora.fileSize.toLocaleString('en-US')} bytes, 28 tensors`);
    expect(stdout).toContain(join(out, 'tiny-models.json'));
    expect(JSON.parse(readFileSync(join(out, 'tiny-models.json'), 'utf8')).base.config.seed).toBe(9);
  });
});
