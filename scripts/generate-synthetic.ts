/**
 * Writes the bundled synthetic dataset: `npx tsx scripts/generate-synthetic.ts [--out data/synthetic]`.
 * train/val/test (.jsonl and .csv) from one English run, and a mixed-language demo log with labels.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SPLIT_RATIOS, generateSequences, splitStratified, writeDataset, type LanguageOption, type WrittenFile } from '../src/synthetic/index.js';

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const language = (value: string): LanguageOption => {
  if (value !== 'en' && value !== 'zh' && value !== 'mixed') throw new InvalidArgumentError('expected en, zh or mixed');
  return value;
};

const program = new Command('generate-synthetic')
  .description('Generate the labelled synthetic microservice log dataset.')
  .option('--out <dir>', 'output directory', 'data/synthetic')
  .option('--count <n>', 'sequences in train+val+test', integer, 800)
  .option('--seed <n>', 'seed of the dataset', integer, 42)
  .option('--language <lang>', 'language of the dataset: en, zh or mixed', language, 'en' as LanguageOption)
  .option('--demo-count <n>', 'sequences in demo.log (0: no demo)', integer, 300)
  .option('--demo-seed <n>', 'seed of the demo log', integer, 7)
  .option('--demo-language <lang>', 'language of the demo log', language, 'mixed' as LanguageOption)
  .parse();

const opts = program.opts<{ out: string; count: number; seed: number; language: LanguageOption; demoCount: number; demoSeed: number; demoLanguage: LanguageOption }>();

const sequences = generateSequences({ seed: opts.seed, count: opts.count, language: opts.language });
const splits = splitStratified(sequences, DEFAULT_SPLIT_RATIOS, opts.seed);
const files: WrittenFile[] = await writeDataset(opts.out, splits, { formats: ['jsonl', 'csv'] });
if (opts.demoCount > 0) {
  const demo = generateSequences({ seed: opts.demoSeed, count: opts.demoCount, language: opts.demoLanguage });
  files.push(...(await writeDataset(opts.out, { demo }, { formats: ['log', 'labels'] })));
}

for (const [name, split] of Object.entries(splits)) {
  const counts = new Map<string, number>();
  for (const s of split) counts.set(s.control ? 'control' : s.category, (counts.get(s.control ? 'control' : s.category) ?? 0) + 1);
  console.log(`${name.padEnd(5)} ${String(split.length).padStart(5)} sequences: ${[...counts].sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
for (const f of files) {
  console.log(`${f.path.padEnd(36)} ${String(f.sequences).padStart(5)} sequences ${String(f.records).padStart(6)} records ${(f.bytes / 1024).toFixed(0).padStart(6)} KiB`);
}
