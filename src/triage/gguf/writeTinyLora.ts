import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GgufError } from './GgufError.js';
import { GgufWriter } from './GgufWriter.js';
import { randomNormal } from './randomTensor.js';
import { LLAMA_PROJECTIONS, projectionShape, resolveTinyLlamaConfig, type LlamaProjection, type TinyLlamaOptions } from './tinyLlamaConfig.js';
import type { WrittenGguf } from './writeTinyLlama.js';

/** File name of the tiny LoRA adapter inside the output folder. */
export const TINY_LORA_FILE = 'tiny-lora.gguf';

/** Options of the generated LoRA adapter; every field has a default. */
export interface TinyLoraOptions {
  /** Seed of the adapter's random weights, independent of the base model's. Default 7. */
  seed?: number;
  /** Rank r of each low-rank pair. Default 8. */
  rank?: number;
  /** `adapter.lora.alpha`: llama.cpp scales the update B·A by `scale · alpha / rank`. Default 16. */
  alpha?: number;
  /** Projections of every block that get a pair. Default all seven (attention and feed-forward). */
  targets?: readonly LlamaProjection[];
  /**
   * Standard deviation of `lora_b`. Trained adapters start B at zero; a random non-zero B is what
   * makes this one change the model's output. Default 0.05. (`lora_a` uses 1/√(input width).)
   */
  bStd?: number;
  /** `general.name`. Default `logtriage-tiny-lora`. */
  name?: string;
}

/** The tiny adapter as written. */
export interface WrittenTinyLora extends WrittenGguf {
  rank: number;
  alpha: number;
  targets: readonly LlamaProjection[];
}

/**
 * Builds the GGUF of a LoRA adapter for the tiny model made from `baseOptions`, in the layout
 * llama.cpp's adapter loader (`llama-adapter.cpp`) and `convert_lora_to_gguf.py` use: `general.type`
 * `adapter`, `adapter.type` `lora`, the base architecture, and for a base weight of ggml shape
 * `[in, out]` a pair `<name>.lora_a` of shape `[in, r]` and `<name>.lora_b` of shape `[r, out]`.
 */
export function tinyLoraGguf(baseOptions: TinyLlamaOptions = {}, options: TinyLoraOptions = {}): { writer: GgufWriter; rank: number; alpha: number; targets: readonly LlamaProjection[] } {
  const base = resolveTinyLlamaConfig(baseOptions);
  const seed = options.seed ?? 7;
  const rank = options.rank ?? 8;
  const alpha = options.alpha ?? 16;
  const bStd = options.bStd ?? 0.05;
  const targets = options.targets ?? LLAMA_PROJECTIONS;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new GgufError(`tiny LoRA: seed must be a non-negative integer; found ${seed}`);
  if (!Number.isSafeInteger(rank) || rank <= 0) throw new GgufError(`tiny LoRA: rank must be a positive integer; found ${rank}`);
  if (!Number.isFinite(alpha) || !(bStd > 0)) throw new GgufError('tiny LoRA: alpha must be a number and bStd a positive number');
  const unknown = targets.filter((t) => !LLAMA_PROJECTIONS.includes(t));
  if (targets.length === 0 || unknown.length > 0) {
    throw new GgufError(`tiny LoRA: targets must be some of ${LLAMA_PROJECTIONS.join(', ')}; found ${targets.length === 0 ? 'none' : unknown.join(', ')}`);
  }
  const writer = new GgufWriter()
    .set('general.architecture', 'string', 'llama')
    .set('general.type', 'string', 'adapter')
    .set('general.name', 'string', options.name ?? 'logtriage-tiny-lora')
    .set('adapter.type', 'string', 'lora')
    .set('adapter.lora.alpha', 'float32', alpha);
  for (let i = 0; i < base.blockCount; i++) {
    for (const target of targets) {
      const name = `blk.${i}.${target}.weight`;
      const [input, output] = projectionShape(base, target);
      writer.addTensor(`${name}.lora_a`, [input, rank], randomNormal(input * rank, 1 / Math.sqrt(input), seed, `${name}.lora_a`));
      writer.addTensor(`${name}.lora_b`, [rank, output], randomNormal(rank * output, bStd, seed, `${name}.lora_b`));
    }
  }
  return { writer, rank, alpha, targets };
}

/** Writes {@link tinyLoraGguf} to `<dir>/tiny-lora.gguf`, creating `dir`. */
export async function writeTinyLora(dir: string, baseOptions: TinyLlamaOptions = {}, options: TinyLoraOptions = {}): Promise<WrittenTinyLora> {
  await mkdir(dir, { recursive: true });
  const { writer, rank, alpha, targets } = tinyLoraGguf(baseOptions, options);
  const path = join(dir, TINY_LORA_FILE);
  const bytes = await writer.write(path);
  return { path, bytes, tensors: writer.tensorLayout().length, rank, alpha, targets };
}
