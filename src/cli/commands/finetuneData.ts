import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveTriageBackend } from '../../config/triage.js';
import {
  BALANCE_MODES,
  createFinetuneDataset,
  DATASET_CARD_FILE,
  FILE_FORMATS,
  FINETUNE_FORMATS,
  GgufTokenCounter,
  SOURCE_KINDS,
  type BalanceMode,
  type FileFormat,
  type FinetuneFormat,
  type SourceKind,
} from '../../finetune/index.js';
import { createIncidentStore, type KyselyIncidentStore } from '../../incidents/index.js';
import type { LanguageOption, SplitRatios } from '../../synthetic/index.js';
import { loadTaxonomy } from '../../triage/taxonomy.js';
import { configFor } from '../context.js';
import { nonNegativeInt } from './parse.js';

interface FinetuneDataOptions {
  source: string[];
  format: FinetuneFormat;
  out: string;
  input?: string;
  fileFormat: FileFormat;
  bglMapping?: string;
  bglWindowMinutes: number;
  syntheticCount: number;
  syntheticSeed?: number;
  syntheticLanguage: LanguageOption;
  tokenizer?: string;
  maxExampleTokens?: number;
  balance: BalanceMode;
  maxPerClass?: number;
  split: SplitRatios;
  seed: number;
  allowHeuristic?: boolean;
  json?: boolean;
  quiet?: boolean;
}

function sources(value: string, previous: string[] | undefined): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(SOURCE_KINDS as readonly string[]).includes(s)) throw new InvalidArgumentError(`"${s}" is not a source; choose from ${SOURCE_KINDS.join(', ')}`);
  return [...(previous ?? []), ...list];
}

function splitRatios(value: string): SplitRatios {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || Math.abs(parts.reduce((a, b) => a + b, 0) - 1) > 1e-6) {
    throw new InvalidArgumentError(`expected three shares train,val,test adding up to 1 (e.g. 0.8,0.1,0.1), found "${value}"`);
  }
  return { train: parts[0]!, val: parts[1]!, test: parts[2]! };
}

function positive(value: string): number {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/**
 * `logtriage finetune-data`: builds an Unsloth-format finetuning dataset from reviewed incidents,
 * synthetic data or a labelled file, rendered with the prompts the service uses at run time.
 */
export function finetuneDataCommand(): Command {
  return new Command('finetune-data')
    .description('build a finetuning dataset (Unsloth formats) from reviewed incidents, synthetic data or a labelled file, rendered exactly as triage prompts the model at run time')
    .requiredOption('--source <list>', `where examples come from, comma-separated or repeated: ${SOURCE_KINDS.join(', ')}`, sources)
    .addOption(new Option('--format <format>', 'alpaca (instruction/input/output), sharegpt (conversations) or chatml (messages)').choices(FINETUNE_FORMATS).default('chatml'))
    .requiredOption('-o, --out <dir>', 'output folder: train.jsonl, val.jsonl, test.jsonl, dataset_card.json, README.md')
    .option('--input <file>', '--source file: an incident export (JSON lines) or, with --file-format bgl, BGL-style labelled log lines')
    .addOption(new Option('--file-format <kind>', '--source file: incidents (JSON lines as the store or the API give them) or bgl (first column "-" or an alert tag)').choices(FILE_FORMATS).default('incidents'))
    .option('--bgl-mapping <yaml>', 'BGL: "TAG: category" or "PREFIX*: category" lines overriding the default tag mapping (finetune/README.md)')
    .option('--bgl-window-minutes <n>', 'BGL: session window per node, minutes', positive, 60)
    .option('--synthetic-count <n>', 'synthetic: requests with an injected failure to generate (as many normal ones train the tier-1 stand-in)', positive, 2_000)
    .option('--synthetic-seed <n>', 'synthetic: generator seed (default --seed)', nonNegativeInt)
    .addOption(new Option('--synthetic-language <lang>', 'synthetic: language of the log lines (answers are English)').choices(['en', 'zh', 'mixed']).default('en'))
    .option('--tokenizer <gguf|none>', 'count prompt tokens with this GGUF model, as the llamacpp backend does (default: triage.modelPath when the backend is llamacpp; none: the estimate, as for openai)')
    .option('--max-example-tokens <n>', 'drop examples longer than this (default triage.maxPromptTokens + triage.maxTokens)', positive)
    .addOption(new Option('--balance <mode>', 'cap: at most --max-per-class examples per category; none: keep all').choices(BALANCE_MODES).default('cap'))
    .option('--max-per-class <n>', 'with --balance cap (default 3 × the median category, at least 100)', positive)
    .addOption(new Option('--split <train,val,test>', 'shares of the stratified split').argParser(splitRatios).default({ train: 0.8, val: 0.1, test: 0.1 }, '0.8,0.1,0.1'))
    .option('--seed <n>', 'seed of generation, balancing and splitting: the same seed writes the same files', nonNegativeInt, 42)
    .option('--allow-heuristic', 'keep reviewed incidents whose answer came from the keyword heuristic and whose explanation the reviewer did not rewrite')
    .option('--json', 'print the dataset card as JSON')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nPrompt language, budget and taxonomy come from the triage config (triage.language, triage.maxPromptTokens, triage.maxTokens, triage.taxonomy).\n\nExamples:\n  logtriage finetune-data --source incidents --format sharegpt --out ds/\n  logtriage finetune-data --source synthetic,incidents --out ds/ --synthetic-count 5000\n  logtriage finetune-data --source file --file-format bgl --input BGL.log --out ds-bgl/',
    )
    .action(async (options: FinetuneDataOptions, cmd: Command) => {
      const config = configFor(cmd);
      const triage = config.triage;
      const taxonomy = loadTaxonomy(triage.taxonomy);
      const status = (line: string): void => {
        if (!options.quiet) process.stderr.write(`${line}\n`);
      };
      const tokenizerPath = options.tokenizer ?? (resolveTriageBackend(triage) === 'llamacpp' ? triage.modelPath : undefined);
      let counter: GgufTokenCounter | undefined;
      let store: KyselyIncidentStore | undefined;
      try {
        if (tokenizerPath && tokenizerPath !== 'none') {
          counter = await GgufTokenCounter.load(tokenizerPath, options.tokenizer ? '--tokenizer' : 'triage.modelPath (counts the prompt tokens as the llamacpp backend does; --tokenizer none for the estimate)');
          status(`counting tokens with ${counter.name}`);
        }
        if ((options.source as SourceKind[]).includes('incidents')) store = await createIncidentStore({ ...config.store, dataDir: config.service.dataDir });
        const result = await createFinetuneDataset({
          sources: options.source as SourceKind[],
          out: options.out,
          format: options.format,
          taxonomy,
          language: triage.language,
          maxPromptTokens: triage.maxPromptTokens,
          maxAnswerTokens: triage.maxTokens,
          ...(options.maxExampleTokens !== undefined ? { maxExampleTokens: options.maxExampleTokens } : {}),
          ...(counter ? { countTokens: (text: string) => counter!.count(text), tokenCounter: counter.name } : {}),
          ...(store ? { store: { store, target: store.target } } : {}),
          ...(options.input
            ? {
                file: {
                  path: options.input,
                  format: options.fileFormat,
                  windowMs: options.bglWindowMinutes * 60_000,
                  maxEvents: config.sessions.maxEvents,
                  maxLines: config.pipeline.incidents.maxRawLines,
                  maxLineChars: config.pipeline.incidents.maxLineChars,
                  ...(options.bglMapping ? { bglMapping: options.bglMapping } : {}),
                },
              }
            : {}),
          synthetic: { anomalies: options.syntheticCount, seed: options.syntheticSeed ?? options.seed, language: options.syntheticLanguage },
          evidence: config.pipeline.evidence,
          allowHeuristic: options.allowHeuristic ?? false,
          balance: options.balance,
          ...(options.maxPerClass !== undefined ? { maxPerClass: options.maxPerClass } : {}),
          splits: options.split,
          seed: options.seed,
          onStatus: status,
          quiet: options.quiet ?? false,
        });
        const { card } = result;
        if (options.json) {
          process.stdout.write(`${JSON.stringify(card)}\n`);
          return;
        }
        for (const f of result.files) process.stdout.write(`${join(options.out, f.file)}  ${f.examples} examples, ${f.bytes.toLocaleString('en-US')} bytes\n`);
        process.stdout.write(`${join(options.out, DATASET_CARD_FILE)}  prompt version ${card.promptVersion}, ${card.format}, tokens by ${card.tokenCounter} (mean ${card.tokens.mean}, max ${card.tokens.max})\n`);
        const width = Math.max(8, ...Object.keys(card.byCategory).map((c) => c.length));
        process.stdout.write(`\n${'category'.padEnd(width)}  ${'train'.padStart(6)} ${'val'.padStart(5)} ${'test'.padStart(5)}\n`);
        for (const [category, n] of Object.entries(card.byCategory)) {
          process.stdout.write(`${category.padEnd(width)}  ${String(n.train).padStart(6)} ${String(n.val).padStart(5)} ${String(n.test).padStart(5)}\n`);
        }
        const dropped = Object.entries(card.dropped).map(([reason, bySource]) => `${reason} ${Object.values(bySource ?? {}).reduce((a, b) => a + (b ?? 0), 0)}`);
        if (dropped.length > 0) process.stdout.write(`\nleft out: ${dropped.join(', ')} (dataset_card.json has them per source)\n`);
      } finally {
        await store?.dispose();
        await counter?.dispose();
      }
    });
}
