import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TinyLlamaOptions } from './tinyLlamaConfig.js';
import { TINY_LLAMA_FILE, writeTinyLlama, type WrittenGguf } from './writeTinyLlama.js';
import { TINY_LORA_FILE, writeTinyLora, type TinyLoraOptions } from './writeTinyLora.js';

/** Name of the JSON manifest written next to the two models. */
export const TINY_MANIFEST_FILE = 'tiny-models.json';

/** Options of {@link writeTinyModels}. */
export interface TinyModelsOptions {
  /** Seed of the base model; the adapter uses `seed + 1`. Overridden by `base.seed` / `lora.seed`. Default 42. */
  seed?: number;
  base?: TinyLlamaOptions;
  lora?: TinyLoraOptions;
}

/** The files {@link writeTinyModels} wrote. */
export interface TinyModels {
  base: WrittenGguf & { sha256: string };
  lora: WrittenGguf & { sha256: string };
  manifest: string;
  readme: string;
}

/**
 * Writes the tiny base model, its LoRA adapter, a JSON manifest (sizes, SHA-256, configuration) and a
 * README into `dir`. The same options give byte-identical files: nothing depends on the clock.
 */
export async function writeTinyModels(dir: string, options: TinyModelsOptions = {}): Promise<TinyModels> {
  const seed = options.seed ?? 42;
  const baseOptions: TinyLlamaOptions = { seed, ...options.base };
  const loraOptions: TinyLoraOptions = { seed: seed + 1, ...options.lora };
  const base = await writeTinyLlama(dir, baseOptions);
  const lora = await writeTinyLora(dir, baseOptions, loraOptions);
  const [baseSha, loraSha] = await Promise.all([sha256(base.path), sha256(lora.path)]);
  const manifest = {
    kind: 'logtriage-tiny-models',
    version: 1,
    note: 'random weights for tests and demos: the models load and generate through llama.cpp but know nothing',
    base: { file: TINY_LLAMA_FILE, bytes: base.bytes, sha256: baseSha, tensors: base.tensors, config: base.config },
    lora: {
      file: TINY_LORA_FILE,
      bytes: lora.bytes,
      sha256: loraSha,
      tensors: lora.tensors,
      seed: loraOptions.seed,
      rank: lora.rank,
      alpha: lora.alpha,
      targets: lora.targets,
    },
  };
  const manifestPath = join(dir, TINY_MANIFEST_FILE);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const readmePath = join(dir, 'README.md');
  await writeFile(readmePath, readme(base.config.seed, manifest.lora.seed ?? 0));
  return { base: { ...base, sha256: baseSha }, lora: { ...lora, sha256: loraSha }, manifest: manifestPath, readme: readmePath };
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

function readme(seed: number, loraSeed: number): string {
  return `# Tiny GGUF models

Written by \`logtriage model tiny\` (base seed ${seed}, adapter seed ${loraSeed}). The weights are random:
these files exist so that tests and demos run the real llama.cpp loading and generation path without
downloading a model. Their output is noise; with a JSON-schema grammar it is well-formed noise.

- \`${TINY_LLAMA_FILE}\`: a \`llama\` architecture model with a byte-fallback SentencePiece vocabulary (any
  text tokenizes) and a ChatML chat template.
- \`${TINY_LORA_FILE}\`: a LoRA adapter for it (\`general.type = adapter\`), random and non-zero, so it
  changes the output.
- \`${TINY_MANIFEST_FILE}\`: sizes, SHA-256 and the configuration of both.

With node-llama-cpp:

\`\`\`js
const llama = await getLlama({ gpu: 'auto', build: 'never' });
const model = await llama.loadModel({ modelPath: '${TINY_LLAMA_FILE}' });
const context = await model.createContext({ threads: 1, lora: { adapters: [{ filePath: '${TINY_LORA_FILE}', scale: 1 }] } });
\`\`\`
`;
}
