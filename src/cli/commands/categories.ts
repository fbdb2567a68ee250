import { Command, InvalidArgumentError } from 'commander';
import { discoverCategories, formatDiscovery, listAll, readIncidentFile } from '../../finetune/index.js';
import { createIncidentStore, type StoredIncident } from '../../incidents/index.js';
import { InputError } from '../../util/errors.js';
import { configFor } from '../context.js';
import { nonNegativeInt } from './parse.js';

interface DiscoverOptions {
  input?: string;
  category?: string;
  limit: number;
  k?: number;
  minK: number;
  maxK: number;
  seed: number;
  examples: number;
  includeFalsePositives?: boolean;
  json?: boolean;
}

function positive(value: string): number {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** `logtriage categories discover`: clusters incidents by how they deviated, so reviewers can name new categories. */
export function categoriesCommand(): Command {
  const command = new Command('categories').description('work on the anomaly taxonomy');
  command
    .command('discover')
    .description('cluster incidents by their deviation (which templates surprised, where, how much, counts) with k-means, k chosen by silhouette; shows each cluster’s size, top templates and example incidents so reviewers can name new categories')
    .option('--input <file>', 'read incidents from a JSON-lines export instead of the incident store')
    .option('--category <name>', 'only incidents of this category (e.g. unknown: what the taxonomy misses)')
    .option('--limit <n>', 'the newest n incidents', positive, 5_000)
    .option('--k <n>', 'exactly this many clusters (default: the best silhouette between --min-k and --max-k)', positive)
    .option('--min-k <n>', 'fewest clusters tried', positive, 2)
    .option('--max-k <n>', 'most clusters tried', positive, 10)
    .option('--seed <n>', 'seed of k-means++ and of the silhouette sample', nonNegativeInt, 42)
    .option('--examples <n>', 'example incidents per cluster', positive, 3)
    .option('--include-false-positives', 'also cluster incidents reviewed as false positives')
    .option('--json', 'print the clusters as JSON')
    .addHelpText('after', '\nExamples:\n  logtriage categories discover --category unknown\n  logtriage categories discover --input incidents.jsonl --json')
    .action(async (options: DiscoverOptions, cmd: Command) => {
      let incidents: StoredIncident[];
      let where: string;
      if (options.input) {
        where = options.input;
        incidents = (await readIncidentFile(options.input)).sort((a, b) => b.detectedAt - a.detectedAt || (a.id < b.id ? 1 : -1));
        if (options.category) incidents = incidents.filter((i) => (i.review.corrections.category ?? i.triage.result?.category) === options.category);
        incidents = incidents.slice(0, options.limit);
      } else {
        const config = configFor(cmd);
        const store = await createIncidentStore({ ...config.store, dataDir: config.service.dataDir });
        where = `the incident store ${store.target}`;
        try {
          incidents = await listAll(store, options.category ? { category: options.category } : {}, options.limit);
        } finally {
          await store.dispose();
        }
      }
      if (!options.includeFalsePositives) incidents = incidents.filter((i) => i.review.state !== 'false_positive');
      if (incidents.length === 0) {
        throw new InputError(
          `${where} holds no incidents${options.category ? ` of category ${options.category}` : ''}${options.includeFalsePositives ? '' : ' (false positives left out)'}; ` +
            'run `logtriage serve` (or `logtriage replay <log file>` against it) until the sequence model has flagged some, or give --input <incidents.jsonl>',
        );
      }
      const discovery = discoverCategories(incidents, {
        minK: options.minK,
        maxK: options.maxK,
        seed: options.seed,
        examples: options.examples,
        ...(options.k !== undefined ? { k: options.k } : {}),
      });
      process.stdout.write(options.json ? `${JSON.stringify(discovery)}\n` : formatDiscovery(discovery));
    });
  return command;
}
