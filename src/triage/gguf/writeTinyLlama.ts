import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GgufWriter } from './GgufWriter.js';
import { randomNormal } from './randomTensor.js';
import { resolveTinyLlamaConfig, TINY_CHAT_TEMPLATE, tinyLlamaTensors, type TinyLlamaConfig, type TinyLlamaOptions } from './tinyLlamaConfig.js';
import { tinyVocabulary } from './tinyVocabulary.js';

/** File name of the tiny base model inside the output folder. */
export const TINY_LLAMA_FILE = 'tiny-llama.gguf';

/** A written GGUF file. */
export interface WrittenGguf {
  /** Absolute or as-given path of the file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Tensors in the file. */
  tensors: number;
}

/** The tiny base model as written, with the configuration it was made from. */
export interface WrittenTinyLlama extends WrittenGguf {
  config: TinyLlamaConfig;
}

/**
 * Builds the GGUF of a tiny, randomly initialised `llama` model that llama.cpp loads, tokenizes any
 * text with (a byte-fallback SentencePiece vocabulary) and chats with (a ChatML template). It knows
 * nothing: it exists so that tests and the demo run the real loading and generation path offline.
 */
export function tinyLlamaGguf(options: TinyLlamaOptions = {}): { writer: GgufWriter; config: TinyLlamaConfig } {
  const config = resolveTinyLlamaConfig(options);
  const vocab = tinyVocabulary();
  const writer = new GgufWriter();
  writer
    .set('general.architecture', 'string', 'llama')
    .set('general.type', 'string', 'model')
    .set('general.name', 'string', config.name)
    // llama_ftype: 0 all F32, 1 mostly F16 (1-D tensors stay F32).
    .set('general.file_type', 'uint32', config.tensorType === 'F16' ? 1 : 0)
    .set('llama.vocab_size', 'uint32', config.vocabSize)
    .set('llama.context_length', 'uint32', config.contextLength)
    .set('llama.embedding_length', 'uint32', config.embeddingLength)
    .set('llama.block_count', 'uint32', config.blockCount)
    .set('llama.feed_forward_length', 'uint32', config.feedForwardLength)
    .set('llama.attention.head_count', 'uint32', config.headCount)
    .set('llama.attention.head_count_kv', 'uint32', config.headCountKv)
    // llama.cpp rejects a llama model whose RoPE dimension count differs from the head size.
    .set('llama.rope.dimension_count', 'uint32', config.headDim)
    .set('llama.rope.freq_base', 'float32', config.ropeFreqBase)
    .set('llama.attention.layer_norm_rms_epsilon', 'float32', config.rmsEpsilon)
    .set('tokenizer.ggml.model', 'string', 'llama')
    .setArray('tokenizer.ggml.tokens', 'string', vocab.tokens)
    .setArray('tokenizer.ggml.scores', 'float32', vocab.scores)
    .setArray('tokenizer.ggml.token_type', 'int32', vocab.tokenTypes)
    .set('tokenizer.ggml.unknown_token_id', 'uint32', vocab.unkId)
    .set('tokenizer.ggml.bos_token_id', 'uint32', vocab.bosId)
    .set('tokenizer.ggml.eos_token_id', 'uint32', vocab.eosId)
    .set('tokenizer.ggml.eot_token_id', 'uint32', vocab.imEndId)
    .set('tokenizer.ggml.add_bos_token', 'bool', true)
    .set('tokenizer.ggml.add_eos_token', 'bool', false)
    // Without this llama.cpp's SentencePiece path prepends a space to every text it tokenizes.
    .set('tokenizer.ggml.add_space_prefix', 'bool', false)
    .set('tokenizer.chat_template', 'string', TINY_CHAT_TEMPLATE);
  for (const spec of tinyLlamaTensors(config)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.role === 'norm') {
      writer.addTensor(spec.name, spec.shape, new Float32Array(count).fill(1), 'F32');
    } else {
      writer.addTensor(spec.name, spec.shape, randomNormal(count, config.initStd, config.seed, spec.name), config.tensorType);
    }
  }
  return { writer, config };
}

/** Writes {@link tinyLlamaGguf} to `<dir>/tiny-llama.gguf`, creating `dir`. */
export async function writeTinyLlama(dir: string, options: TinyLlamaOptions = {}): Promise<WrittenTinyLlama> {
  await mkdir(dir, { recursive: true });
  const { writer, config } = tinyLlamaGguf(options);
  const path = join(dir, TINY_LLAMA_FILE);
  const bytes = await writer.write(path);
  return { path, bytes, tensors: writer.tensorLayout().length, config };
}
