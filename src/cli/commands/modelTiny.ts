import { Command } from 'commander';
import { writeTinyModels } from '../../triage/gguf/index.js';
import { nonNegativeInt } from './parse.js';

interface TinyCliOptions {
  out: string;
  seed: number;
}

/** `logtriage model tiny --out <dir>`: writes the tiny random GGUF model and LoRA adapter that tests and demos load. */
export function tinyModelCommand(): Command {
  return new Command('tiny')
    .description('write a tiny random GGUF model and LoRA adapter (llama architecture, byte-level vocabulary) for tests and demos')
    .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
    .option('--seed <n>', 'seed of the weights (the adapter uses seed + 1): the same seed gives the same files', nonNegativeInt, 42)
    .action(async (options: TinyCliOptions) => {
      const written = await writeTinyModels(options.out, { seed: options.seed });
      for (const file of [written.base, written.lora]) {
        process.stdout.write(`${file.path}  ${file.bytes.toLocaleString('en-US')} bytes, ${file.tensors} tensors, sha256 ${file.sha256.slice(0, 16)}…\n`);
      }
      process.stdout.write(`${written.manifest}\n${written.readme}\n`);
    });
}
