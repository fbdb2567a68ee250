import { GgufError } from './GgufError.js';
import type { GgufTensorType } from './GgufWriter.js';
import { tinyVocabulary } from './tinyVocabulary.js';

/** Options of the generated tiny `llama` model; every field has a default. */
export interface TinyLlamaOptions {
  /** Seed of the random weights: the same options give a byte-identical file. Default 42. */
  seed?: number;
  /** Transformer blocks (`llama.block_count`). Default 2. */
  blockCount?: number;
  /** Width of the residual stream (`llama.embedding_length`). Default 64. */
  embeddingLength?: number;
  /** Attention heads (`llama.attention.head_count`); must divide `embeddingLength` into an even head size. Default 4. */
  headCount?: number;
  /** Key/value heads (`llama.attention.head_count_kv`); must divide `headCount` (fewer gives grouped-query attention). Default `headCount`. */
  headCountKv?: number;
  /** Hidden width of the SwiGLU feed-forward network (`llama.feed_forward_length`). Default 128. */
  feedForwardLength?: number;
  /** Context length the model claims to be trained for, in tokens (`llama.context_length`). Default 2048. */
  contextLength?: number;
  /** RoPE base frequency (`llama.rope.freq_base`). Default 10000. */
  ropeFreqBase?: number;
  /** Epsilon of the RMS norms (`llama.attention.layer_norm_rms_epsilon`). Default 1e-5. */
  rmsEpsilon?: number;
  /** Standard deviation of the random embedding and projection weights; norm weights are 1. Default 0.02. */
  initStd?: number;
  /** Element type of the 2-D weights; norm vectors stay F32 as in llama.cpp's own conversions. Default `F32`. */
  tensorType?: GgufTensorType;
  /** `general.name`. Default `logtriage-tiny-llama`. */
  name?: string;
}

/** The resolved configuration, with the sizes derived from it. */
export interface TinyLlamaConfig extends Required<TinyLlamaOptions> {
  /** Size of one attention head: `embeddingLength / headCount`, also the RoPE dimension count. */
  headDim: number;
  /** Tokens in the vocabulary. */
  vocabSize: number;
}

/** What a tensor of the model is, which decides how it is initialised. */
export type TinyTensorRole = 'embedding' | 'norm' | 'projection';

/** One tensor of the model: `shape` in ggml order (`shape[0]` = input width of a projection). */
export interface TinyTensorSpec {
  name: string;
  shape: readonly [number] | readonly [number, number];
  role: TinyTensorRole;
}

/** The linear projections of a llama block, by their GGUF tensor names (`blk.N.<name>.weight`). */
export const LLAMA_PROJECTIONS = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'] as const;

/** One of {@link LLAMA_PROJECTIONS}. */
export type LlamaProjection = (typeof LLAMA_PROJECTIONS)[number];

/**
 * A ChatML template (`tokenizer.chat_template`): node-llama-cpp recognises it and uses its ChatML
 * wrapper; `<|im_start|>` and `<|im_end|>` are control tokens of the vocabulary.
 */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Fills in the defaults and checks that the sizes fit together. */
export function resolveTinyLlamaConfig(options: TinyLlamaOptions = {}): TinyLlamaConfig {
  const c = {
    seed: options.seed ?? 42,
    blockCount: options.blockCount ?? 2,
    embeddingLength: options.embeddingLength ?? 64,
    headCount: options.headCount ?? 4,
    headCountKv: options.headCountKv ?? options.headCount ?? 4,
    feedForwardLength: options.feedForwardLength ?? 128,
    contextLength: options.contextLength ?? 2048,
    ropeFreqBase: options.ropeFreqBase ?? 10000,
    rmsEpsilon: options.rmsEpsilon ?? 1e-5,
    initStd: options.initStd ?? 0.02,
    tensorType: options.tensorType ?? 'F32',
    name: options.name ?? 'logtriage-tiny-llama',
  };
  for (const key of ['blockCount', 'embeddingLength', 'headCount', 'headCountKv', 'feedForwardLength', 'contextLength'] as const) {
    if (!Number.isSafeInteger(c[key]) || c[key] <= 0) throw new GgufError(`tiny model: ${key} must be a positive integer; found ${c[key]}`);
  }
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new GgufError(`tiny model: seed must be a non-negative integer; found ${c.seed}`);
  // llama.cpp accepts at most 512 layers (LLAMA_MAX_LAYERS); a tiny model needs far fewer.
  if (c.blockCount > 512) throw new GgufError(`tiny model: blockCount must be at most 512; found ${c.blockCount}`);
  if (c.embeddingLength % c.headCount !== 0 || (c.embeddingLength / c.headCount) % 2 !== 0) {
    throw new GgufError(
      `tiny model: embeddingLength (${c.embeddingLength}) must split into headCount (${c.headCount}) heads of an even size, as RoPE rotates pairs`,
    );
  }
  if (c.headCount % c.headCountKv !== 0) {
    throw new GgufError(`tiny model: headCountKv (${c.headCountKv}) must divide headCount (${c.headCount})`);
  }
  if (!(c.initStd > 0) || !(c.rmsEpsilon > 0) || !(c.ropeFreqBase > 0)) {
    throw new GgufError('tiny model: initStd, rmsEpsilon and ropeFreqBase must be positive numbers');
  }
  if (c.tensorType !== 'F32' && c.tensorType !== 'F16') throw new GgufError(`tiny model: tensorType must be F32 or F16; found ${String(c.tensorType)}`);
  return { ...c, headDim: c.embeddingLength / c.headCount, vocabSize: tinyVocabulary().tokens.length };
}

/** Shape of projection `p` as llama.cpp's loader expects it: `[input width, output width]`. */
export function projectionShape(config: TinyLlamaConfig, p: LlamaProjection): readonly [number, number] {
  const { embeddingLength: e, feedForwardLength: ff, headDim, headCount, headCountKv } = config;
  switch (p) {
    case 'attn_q': return [e, headDim * headCount];
    case 'attn_k':
    case 'attn_v': return [e, headDim * headCountKv];
    case 'attn_output': return [headDim * headCount, e];
    case 'ffn_gate':
    case 'ffn_up': return [e, ff];
    case 'ffn_down': return [ff, e];
  }
}

/**
 * Every tensor llama.cpp's `llama` architecture requires, in the order the converters write them.
 * `output.weight` is optional there (it falls back to the embedding), but a separate one keeps the
 * model closer to the real ones.
 */
export function tinyLlamaTensors(config: TinyLlamaConfig): TinyTensorSpec[] {
  const e = config.embeddingLength;
  const specs: TinyTensorSpec[] = [{ name: 'token_embd.weight', shape: [e, config.vocabSize], role: 'embedding' }];
  for (let i = 0; i < config.blockCount; i++) {
    specs.push({ name: `blk.${i}.attn_norm.weight`, shape: [e], role: 'norm' });
    for (const p of ['attn_q', 'attn_k', 'attn_v', 'attn_output'] as const) {
      specs.push({ name: `blk.${i}.${p}.weight`, shape: projectionShape(config, p), role: 'projection' });
    }
    specs.push({ name: `blk.${i}.ffn_norm.weight`, shape: [e], role: 'norm' });
    for (const p of ['ffn_gate', 'ffn_up', 'ffn_down'] as const) {
      specs.push({ name: `blk.${i}.${p}.weight`, shape: projectionShape(config, p), role: 'projection' });
    }
  }
  specs.push({ name: 'output_norm.weight', shape: [e], role: 'norm' });
  specs.push({ name: 'output.weight', shape: [e, config.vocabSize], role: 'projection' });
  return specs;
}
