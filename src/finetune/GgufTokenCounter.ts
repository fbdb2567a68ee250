import { basename } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { readGgufHeader } from '../triage/gguf/index.js';
import { InputError } from '../util/errors.js';

/**
 * Counts tokens with a GGUF model's own tokenizer, as `LlamaCppTriager.countTokens` does at run time
 * (the model is loaded vocabulary-only: no weights, a fraction of a second). With it, the dataset's
 * prompts are cut to `maxPromptTokens` exactly as the worker cuts them for that model.
 */
export class GgufTokenCounter {
  /** `gguf:<file name>`, recorded in the dataset card. */
  readonly name: string;
  private disposed = false;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    path: string,
  ) {
    this.name = `gguf:${basename(path)}`;
  }

  /**
   * Loads the vocabulary of the GGUF model at `path`. Throws {@link InputError}, naming `setting`
   * (where the path came from), when it is not a readable GGUF base model.
   */
  static async load(path: string, setting = '--tokenizer'): Promise<GgufTokenCounter> {
    let type: unknown;
    try {
      type = readGgufHeader(path).metadata['general.type'];
    } catch (error) {
      throw new InputError(`${setting}: ${(error as Error).message}`, { cause: error });
    }
    if (type === 'adapter') throw new InputError(`${setting}: ${path} is a LoRA adapter; give the base model it was trained on (triage.modelPath)`);
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    try {
      const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
      return new GgufTokenCounter(llama, model, path);
    } catch (error) {
      await llama.dispose();
      throw new InputError(`${setting}: cannot load the vocabulary of ${path} (${(error as Error).message})`, { cause: error });
    }
  }

  /** Tokens of `text` in this model's vocabulary. */
  count(text: string): number {
    return this.model.tokenize(text).length;
  }

  /** Releases the model and llama.cpp. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
    await this.llama.dispose();
  }
}
