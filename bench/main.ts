/**
 * Benchmarks: `npm run bench -- <name> [options]`. Each prints a table, or one JSON object with
 * `--json`. Every figure quoted in bench/RESULTS.md comes from one of these commands.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runApiBenchmark, type StoreFigures } from './api.js';
import { DETECT_MODELS, idlinesDataset, runDetect, sessionsDataset } from './detect.js';
import { runFinetuneBenchmark } from './finetune.js';
import { runIngestBenchmark } from './ingest/run.js';
import { runParseBenchmark, type ParseFigures } from './parse.js';
import { FUZZ_TARGETS, runFuzz, type FuzzTarget } from './reliability/fuzz.js';
import { runSoak } from './reliability/soak.js';
import { runTriageBenchmark, TRIAGE_BENCH_BACKENDS, type TriageBenchBackend } from './triage.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function row(f: Pick<ParseFigures, 'groupingAccuracy' | 'parsingAccuracy' | 'linesPerSecond'> & { name: string; lines?: number }): string {
  return `${f.name.padEnd(10)} ${String(f.lines ?? '').padStart(6)}  ${f.groupingAccuracy.toFixed(3).padStart(8)}  ${f.parsingAccuracy.toFixed(3).padStart(8)}  ${Math.round(f.linesPerSecond).toLocaleString('en-US').padStart(10)}`;
}

const program = new Command('bench').description('logtriage benchmarks').showHelpAfterError();

program
  .command('parse')
  .description('template-mining accuracy (grouping, parsing) and throughput on Loghub-style labelled logs, default config')
  .requiredOption('--data <dir>', 'folder of <System>/<System>_2k.log_structured.csv files (e.g. ../shared/datasets/loghub2k)')
  .option('--json', 'print one JSON object instead of a table (npm prints a banner first unless run as `npm run --silent bench`)')
  .option('--out <file>', 'also write the JSON object to this file')
  .option('--fresh-values', 'for throughput, rewrite the numbers of each repetition so values never recur')
  .option('--min-lines <n>', 'lines mined per system for throughput (the system repeated); 0 skips it', positiveInt, 1_000_000)
  .action((options: { data: string; json?: boolean; out?: string; minLines: number; freshValues?: boolean }) => {
    if (!options.json) {
      process.stdout.write(`${'system'.padEnd(10)} ${'lines'.padStart(6)}  ${'grouping'.padStart(8)}  ${'parsing'.padStart(8)}  ${'lines/s'.padStart(10)}\n`);
    }
    const result = runParseBenchmark(options.data, {
      minLines: options.minLines,
      freshValues: options.freshValues ?? false,
      onSystem: (f) => {
        if (!options.json) process.stdout.write(`${row(f)}\n`);
      },
    });
    if (options.out) writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${row({ name: 'mean', ...result.mean })}\n`);
    }
  });

program
  .command('detect')
  .description('anomaly detection: train on normal sessions, calibrate, score a labelled test set (precision, recall, F1, FPR, ROC-AUC, speed)')
  .requiredOption('--dataset <form>', 'sessions (JSON lines with label and templates/events) or idlines (DeepLog: one session of event ids per line)')
  .option('--model <name>', `${DETECT_MODELS.join(' | ')} | all`, 'all')
  .option('--train <file>', 'training file')
  .option('--test <file>', 'sessions form: labelled test file')
  .option('--test-abnormal <file>', 'idlines form: anomalous test sessions')
  .option('--test-normal <file>', 'idlines form: normal test sessions (default: hold out 20% of --train)')
  .option('--json', 'print one JSON object')
  .action(async (options: { dataset: string; model: string; train?: string; test?: string; testAbnormal?: string; testNormal?: string; json?: boolean }) => {
    if (!options.train) throw new Error('--train is required');
    const dataset =
      options.dataset === 'sessions'
        ? sessionsDataset(options.train, options.test ?? fail('--test is required with --dataset sessions'))
        : options.dataset === 'idlines'
          ? idlinesDataset(options.train, options.testAbnormal ?? fail('--test-abnormal is required with --dataset idlines'), options.testNormal)
          : fail(`--dataset must be sessions or idlines, found "${options.dataset}"`);
    const models: string[] = options.model === 'all' ? [...DETECT_MODELS] : [options.model];
    const results = [];
    let backend = 'none';
    for (const model of models) {
      const run = await runDetect(dataset, model, (line) => process.stderr.write(`${line}\n`));
      if (run.backend !== 'none') backend = run.backend;
      results.push(run.result);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ results, dataset: dataset.description, backend })}\n`);
      return;
    }
    process.stdout.write(`dataset: ${JSON.stringify(dataset.description)}\nbackend: ${backend}\n`);
    process.stdout.write(`${'model'.padEnd(12)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)} ${'FPR'.padStart(7)} ${'ROC-AUC'.padStart(7)} ${'train s'.padStart(8)} ${'sess/s'.padStart(8)} ${'cached/s'.padStart(9)}\n`);
    for (const r of results) {
      process.stdout.write(
        `${r.model.padEnd(12)} ${r.precision.toFixed(4).padStart(9)} ${r.recall.toFixed(4).padStart(7)} ${r.f1.toFixed(4).padStart(6)} ${(100 * r.falsePositiveRate).toFixed(2).padStart(6)}% ${r.rocAuc.toFixed(4).padStart(7)} ${r.trainSeconds.toFixed(1).padStart(8)} ${Math.round(r.scoreSessionsPerSecond).toLocaleString('en-US').padStart(8)} ${Math.round(r.scoreSessionsPerSecondCached).toLocaleString('en-US').padStart(9)}\n`,
      );
    }
  });

program
  .command('ingest')
  .description('end to end: a load generator process sends OTLP/HTTP protobuf (512 records a request) of HDFS-like sessions to `logtriage serve` (scoring on, forwarding to a local sink): records/s at full speed, latency at half that rate, RSS, dropped and lost records')
  .option('--seconds <n>', 'seconds of each phase', positiveInt, 30)
  .option('--concurrency <n>', 'requests in flight at full speed', positiveInt, 4)
  .option('--set <section.field=value>', 'a setting for logtriage serve, e.g. --set pipeline.scoreBatchSize=32 (repeatable; defaults otherwise)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--json', 'print one JSON object')
  .action(async (options: { seconds: number; concurrency: number; set: string[]; json?: boolean }) => {
    const result = await runIngestBenchmark({ seconds: options.seconds, concurrency: options.concurrency, set: options.set, onProgress: (line) => process.stderr.write(`${line}\n`) });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(
      `records/s ${Math.round(result.recordsPerSecond).toLocaleString('en-US')}  p50 ${result.p50Ms.toFixed(1)} ms  p99 ${result.p99Ms.toFixed(1)} ms (at half rate)  RSS ${result.rssMiB.toFixed(0)} MiB  dropped ${result.dropped}  lost ${result.lost}\n`,
    );
  });

program
  .command('api')
  .description('incident store: fill a fresh store with realistic incidents, then p50/p99 of list queries (each filter, combined, text search, second page) and review writes per second, on SQLite and on PostgreSQL (store level, no HTTP)')
  .option('--incidents <n>', 'incidents in the store', positiveInt, 100_000)
  .option('--pg-url <url>', 'PostgreSQL to measure too (a schema is created and dropped); default LOGTRIAGE_TEST_PG_URL; none: SQLite only')
  .option('--iterations <n>', 'timed runs of each list query', positiveInt, 200)
  .option('--reviews <n>', 'reviews timed, one at a time and with 8 in flight', positiveInt, 2_000)
  .option('--http', 'also measure through the HTTP API (createApiApp on 127.0.0.1, no tokens)')
  .option('--json', 'print one JSON object: {"sqlite":{listP99Ms,reviewPerSecond,…},"postgres":{…} or null}')
  .action(async (options: { incidents: number; pgUrl?: string; iterations: number; reviews: number; http?: boolean; json?: boolean }) => {
    const pgUrl = options.pgUrl ?? process.env.LOGTRIAGE_TEST_PG_URL;
    const result = await runApiBenchmark({ incidents: options.incidents, pgUrl, iterations: options.iterations, reviews: options.reviews, http: options.http ?? false, onProgress: (line) => process.stderr.write(`${line}\n`) });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const stores = Object.entries(result).filter((entry): entry is [string, StoreFigures] => entry[1] !== null);
    process.stdout.write(`${'query (ms)'.padEnd(30)}${stores.map(([name]) => `${name} p50`.padStart(13) + `${name} p99`.padStart(13)).join('')}\n`);
    for (const [i, query] of stores[0]![1].queries.entries()) {
      process.stdout.write(`${query.name.padEnd(30)}${stores.map(([, f]) => f.queries[i]!.p50Ms.toFixed(2).padStart(13) + f.queries[i]!.p99Ms.toFixed(2).padStart(13)).join('')}\n`);
    }
    if (stores[0]![1].http) {
      process.stdout.write(`${'through HTTP (ms)'.padEnd(30)}${stores.map(([name]) => `${name} p50`.padStart(13) + `${name} p99`.padStart(13)).join('')}\n`);
      for (const [i, query] of stores[0]![1].http.queries.entries()) {
        process.stdout.write(`${query.name.padEnd(30)}${stores.map(([, f]) => f.http!.queries[i]!.p50Ms.toFixed(2).padStart(13) + f.http!.queries[i]!.p99Ms.toFixed(2).padStart(13)).join('')}\n`);
      }
    }
    for (const [name, f] of stores) {
      process.stdout.write(
        `${name}: ${f.incidents.toLocaleString('en-US')} incidents (${f.databaseMiB.toFixed(0)} MiB, filled in ${f.fillSeconds.toFixed(0)} s, record ${Math.round(f.recordPerSecond).toLocaleString('en-US')}/s)  list p99 ≤ ${f.listP99Ms.toFixed(1)} ms  search p99 ${f.searchP99Ms.toFixed(1)} ms  reviews ${Math.round(f.reviewPerSecond).toLocaleString('en-US')}/s (8 in flight: ${Math.round(f.reviewPerSecondConcurrent).toLocaleString('en-US')}/s)\n`,
      );
      if (f.http) {
        process.stdout.write(
          `${name} through HTTP: list p99 ≤ ${f.http.listP99Ms.toFixed(1)} ms  search p99 ${f.http.searchP99Ms.toFixed(1)} ms  reviews ${Math.round(f.http.reviewPerSecond).toLocaleString('en-US')}/s (8 in flight: ${Math.round(f.http.reviewPerSecondConcurrent).toLocaleString('en-US')}/s)\n`,
        );
      }
    }
  });

program
  .command('finetune')
  .description('finetuning data: seconds to build 10,000 synthetic examples in each format (alpaca, sharegpt, chatml: generation, rendering with the runtime prompt, validation, split, write), and the sizes of a default `finetune-data` build per format and source')
  .option('--count <n>', 'examples built in each format', positiveInt, 10_000)
  .option('--default-count <n>', 'synthetic failures of the default build (the finetune-data default)', positiveInt, 2_000)
  .option('--bgl <file>', 'BGL-style labelled log joined to the default build (e.g. ../shared/datasets/loghub2k/BGL/BGL_2k.log, or the full Loghub BGL.log)')
  .option('--json', 'print one JSON object: {"count","builds":[{format,examples,seconds,…}],"defaultBuild":[{format,examples,bytes,bySource,…}],"machine"}')
  .action(async (options: { count: number; defaultCount: number; bgl?: string; json?: boolean }) => {
    const result = await runFinetuneBenchmark({ count: options.count, defaultCount: options.defaultCount, ...(options.bgl ? { bgl: options.bgl } : {}), onProgress: (line) => process.stderr.write(`${line}\n`) });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(`${'format'.padEnd(9)} ${'examples'.padStart(8)} ${'seconds'.padStart(8)} ${'generate'.padStart(9)} ${'build'.padStart(7)} ${'write'.padStart(6)} ${'ex/s'.padStart(7)} ${'MiB'.padStart(7)}\n`);
    for (const b of result.builds) {
      process.stdout.write(
        `${b.format.padEnd(9)} ${String(b.examples).padStart(8)} ${b.seconds.toFixed(1).padStart(8)} ${b.generateSeconds.toFixed(1).padStart(9)} ${b.buildSeconds.toFixed(1).padStart(7)} ${b.writeSeconds.toFixed(1).padStart(6)} ${Math.round(b.examplesPerSecond).toString().padStart(7)} ${(b.bytes / 2 ** 20).toFixed(1).padStart(7)}\n`,
      );
    }
    process.stdout.write(`\ndefault build:\n${'format'.padEnd(9)} ${'examples'.padStart(8)} ${'train/val/test'.padStart(15)} ${'MiB'.padStart(7)} ${'tokens mean/max'.padStart(16)}  by source\n`);
    for (const d of result.defaultBuild) {
      process.stdout.write(
        `${d.format.padEnd(9)} ${String(d.examples).padStart(8)} ${`${d.bySplit.train}/${d.bySplit.val}/${d.bySplit.test}`.padStart(15)} ${(d.bytes / 2 ** 20).toFixed(1).padStart(7)} ${`${d.tokensMean}/${d.tokensMax}`.padStart(16)}  ${Object.entries(d.bySource).map(([s, n]) => `${s} ${n}`).join(', ')}\n`,
      );
    }
  });

program
  .command('triage')
  .description('tier 2: incidents/min and p50/p95 latency at 1, 4 and 8 parallel sequences (llamacpp: the generated tiny model unless --model), LLM calls per 1,000 flagged HDFS sessions with signature reuse (real SQLite store and worker), accuracy and macro-F1 on labelled anomalies')
  .addOption(new Option('--backend <name>', 'backend measured').choices([...TRIAGE_BENCH_BACKENDS]).default('llamacpp'))
  .option('--dataset <file>', 'labelled sequences, data/synthetic JSON-lines form (default: the bundled data/synthetic/test.jsonl)')
  .option('--generate <n>', 'instead of --dataset: generate n labelled sequences (seed 2024, English and Chinese)', positiveInt)
  .option('--hdfs <file>', 'real HDFS sessions for the reuse figure: DeepLog id lines (e.g. ../shared/datasets/hdfs/deeplog/hdfs_test_abnormal) or deep-loglizer JSON lines; default: the HDFS-like generator')
  .option('--hdfs-lines <n>', 'lines of the HDFS-like generator', positiveInt, 1_000_000)
  .addOption(new Option('--reuse <mode>', 'reuse mode of callsPer1000Flagged (both are printed)').choices(['signature', 'templates']).default('signature'))
  .option('--parallel <list>', 'parallel sequences measured, comma-separated', (v: string) => v.split(',').map((n) => positiveInt(n.trim())), [1, 4, 8])
  .option('--incidents <n>', 'incidents timed at each parallelism', positiveInt, 24)
  .option('--model <gguf>', 'llamacpp: a GGUF model instead of the tiny one')
  .option('--lora <gguf>', 'llamacpp: a LoRA adapter')
  .option('--threads <n>', 'llamacpp: CPU threads', positiveInt, 1)
  .option('--openai-url <url>', 'openai: base URL up to /v1')
  .option('--openai-model <name>', 'openai: model name')
  .option('--json', 'print one JSON object: {"backend","perParallel":[{"parallel","perMinute","p50Ms","p95Ms"}],"callsPer1000Flagged","accuracy","macroF1"}')
  .action(
    async (options: {
      backend: TriageBenchBackend;
      dataset?: string;
      generate?: number;
      hdfs?: string;
      hdfsLines: number;
      reuse: 'signature' | 'templates';
      parallel: number[];
      incidents: number;
      model?: string;
      lora?: string;
      threads: number;
      openaiUrl?: string;
      openaiModel?: string;
      json?: boolean;
    }) => {
      const result = await runTriageBenchmark({
        backend: options.backend,
        parallel: options.parallel,
        incidents: options.incidents,
        hdfsLines: options.hdfsLines,
        reuse: options.reuse,
        threads: options.threads,
        ...(options.dataset ? { dataset: options.dataset } : {}),
        ...(options.generate ? { generate: options.generate } : {}),
        ...(options.hdfs ? { hdfs: options.hdfs } : {}),
        ...(options.model ? { modelPath: options.model } : {}),
        ...(options.lora ? { lora: options.lora } : {}),
        ...(options.openaiUrl ? { openaiUrl: options.openaiUrl } : {}),
        ...(options.openaiModel ? { openaiModel: options.openaiModel } : {}),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(`backend: ${result.backend}\n${'parallel'.padStart(8)} ${'incidents/min'.padStart(14)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}\n`);
      for (const f of result.perParallel) {
        process.stdout.write(`${String(f.parallel).padStart(8)} ${f.perMinute.toFixed(1).padStart(14)} ${f.p50Ms.toFixed(0).padStart(8)} ${f.p95Ms.toFixed(0).padStart(8)}\n`);
      }
      process.stdout.write(`calls per 1,000 flagged sessions (reuse ${options.reuse}): ${result.callsPer1000Flagged.toFixed(1)}\naccuracy ${result.accuracy.toFixed(3)}  macro-F1 ${result.macroF1.toFixed(3)}\n`);
    },
  );

program
  .command('fuzz')
  .description('reliability: random and mutated bodies against the OTLP/HTTP receiver (protobuf, JSON, gzip), the OTLP/gRPC receiver (raw bytes to LogsService/Export) and the HTTP API (paths, queries, methods, review bodies; real SQLite), all in one in-process `logtriage serve`; cases/s, answers by status, and every case that crashed, hung or answered out of form')
  .option('--cases <n>', 'cases per target', positiveInt, 20_000)
  .option('--seed <n>', 'seed (case i of a target is the same for the same seed)', positiveInt, 20_261_123)
  .option('--targets <list>', `comma-separated: ${FUZZ_TARGETS.join(', ')}`, (v: string) => v.split(',').map((t) => t.trim()), [...FUZZ_TARGETS] as string[])
  .option('--concurrency <n>', 'requests in flight', positiveInt, 4)
  .option('--timeout-ms <n>', 'longest wait for one answer before it counts as a hang', positiveInt, 10_000)
  .option('--json', 'print one JSON object: {"seed","targets":[{"target","cases","casesPerSecond","statuses","failureCount","failures",…}],"processErrors","downstreamUndecodable"}')
  .action(async (options: { cases: number; seed: number; targets: string[]; concurrency: number; timeoutMs: number; json?: boolean }) => {
    const unknown = options.targets.filter((t) => !(FUZZ_TARGETS as readonly string[]).includes(t));
    if (unknown.length > 0) throw new Error(`--targets: unknown ${unknown.join(', ')}; expected ${FUZZ_TARGETS.join(', ')}`);
    const result = await runFuzz({
      cases: options.cases,
      seed: options.seed,
      targets: options.targets as FuzzTarget[],
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`seed ${result.seed}\n${'target'.padEnd(10)} ${'cases'.padStart(7)} ${'cases/s'.padStart(8)} ${'failures'.padStart(8)} ${'slowest ms'.padStart(10)}  answers\n`);
      for (const t of result.targets) {
        process.stdout.write(`${t.target.padEnd(10)} ${String(t.cases).padStart(7)} ${t.casesPerSecond.toFixed(0).padStart(8)} ${String(t.failureCount).padStart(8)} ${t.slowest.ms.toFixed(0).padStart(10)}  ${JSON.stringify(t.statuses)}\n`);
        for (const f of t.failures) process.stdout.write(`  case ${f.case} (${f.kind}): ${f.problem}\n    ${f.sample}\n`);
      }
      process.stdout.write(`process errors ${result.processErrors.length}, forwarded requests downstream could not decode ${result.downstreamUndecodable}\n`);
    }
    const failed = result.targets.some((t) => t.failureCount > 0 || t.validRefused > 0) || result.processErrors.length > 0 || result.downstreamUndecodable > 0;
    if (failed) process.exitCode = 1;
  });

program
  .command('soak')
  .description('reliability: `logtriage serve` fed by the ingest load generator at a fixed rate for N minutes; RSS (VmRSS) and logtriage_sessions_open sampled every 10 s, slope of RSS, records lost')
  .option('--minutes <n>', 'minutes of load', positiveInt, 10)
  .option('--rate <n>', 'records per second (about half the ingest maximum on the 2-core machine)', positiveInt, 30_000)
  .option('--set <section.field=value>', 'a setting for logtriage serve (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--json', 'print one JSON object: {"minutes","rate","rssMiB":{first,last,max,slopeMiBPerMin},"sessionsOpen":{first,last,max},"lost",…}')
  .action(async (options: { minutes: number; rate: number; set: string[]; json?: boolean }) => {
    const result = await runSoak({ minutes: options.minutes, rate: options.rate, set: options.set, onProgress: (line) => process.stderr.write(`${line}\n`) });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const { rssMiB: rss, sessionsOpen: open } = result;
    process.stdout.write(
      `${result.minutes} min at ${result.rate.toLocaleString('en-US')} records/s (achieved ${Math.round(result.achievedRate).toLocaleString('en-US')}/s, p99 ${result.p99Ms.toFixed(1)} ms, answers ${JSON.stringify(result.statuses)})\n` +
        `RSS MiB first ${rss.first.toFixed(0)}  last ${rss.last.toFixed(0)}  max ${rss.max.toFixed(0)}  slope ${rss.slopeMiBPerMin.toFixed(2)} MiB/min (after the first fifth ${rss.slopeAfterWarmupMiBPerMin.toFixed(2)})\n` +
        `sessions open first ${open.first}  last ${open.last}  max ${open.max}\nlost ${result.lost} of ${result.acked.toLocaleString('en-US')} acknowledged\n`,
    );
  });

function fail(message: string): never {
  throw new Error(message);
}

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
});
