import { Command, Option } from 'commander';
import { DATASET_FORMATS, generateSequences, splitStratified, writeDataset, type DatasetFormat, type LanguageOption } from '../../synthetic/index.js';
import { nonNegativeInt } from './parse.js';

interface SynthOptions {
  out: string;
  count: number;
  seed: number;
  language: LanguageOption;
  anomalyRatio: number;
  controlRatio: number;
  formats: string;
}

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`expected a ratio between 0 and 1, found "${value}"`);
  return n;
}

/** `logtriage synth`: writes a labelled synthetic microservice dataset with a stratified split. */
export function synthCommand(): Command {
  return new Command('synth')
    .description('generate labelled synthetic microservice request logs (normal, six anomaly types, clean controls) split 80/10/10')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-n, --count <n>', 'sequences (requests) to generate', nonNegativeInt, 2000)
    .option('--seed <n>', 'seed: the same seed gives the same files', nonNegativeInt, 42)
    .addOption(new Option('--language <lang>', 'message language').choices(['en', 'zh', 'mixed']).default('en'))
    .option('--anomaly-ratio <r>', 'share of anomalous sequences', ratio, 0.1)
    .option('--control-ratio <r>', 'share of clean controls (normal, alarming-sounding)', ratio, 0.05)
    .option('--formats <list>', `comma-separated: ${DATASET_FORMATS.join(', ')}`, 'jsonl,csv')
    .action(async (options: SynthOptions) => {
      const sequences = generateSequences({
        count: options.count,
        seed: options.seed,
        language: options.language,
        anomalyRatio: options.anomalyRatio,
        controlRatio: options.controlRatio,
      });
      const splits = splitStratified(sequences, undefined, options.seed);
      const formats = options.formats.split(',').map((f) => f.trim()) as DatasetFormat[];
      const files = await writeDataset(options.out, { train: splits.train, val: splits.val, test: splits.test }, { formats });
      for (const file of files) {
        process.stdout.write(`${file.path}  ${file.sequences} sequences, ${file.records} records, ${file.bytes.toLocaleString('en-US')} bytes\n`);
      }
    });
}
