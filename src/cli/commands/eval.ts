import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { detectionMetrics, initBackend, ModelRegistry, SequenceScorer } from '../../scoring/index.js';
import { InputError } from '../../util/errors.js';
import { configFor } from '../context.js';
import { renderEvalReport } from '../report/evalReport.js';
import { readSessions } from '../sessionsFromInput.js';

interface EvalOptions {
  input: 'sessions' | 'idlines';
  abnormal?: string;
  model?: string;
  report?: string;
  json?: boolean;
}

/** `logtriage eval <file>`: scores a labelled dataset with a tier-1 model and reports the figures. */
export function evalCommand(): Command {
  return new Command('eval')
    .description('score a labelled dataset with the active (or a given) tier-1 model: precision, recall, F1, ROC-AUC, and an HTML report')
    .argument('<file>', 'labelled sessions (JSON lines with "label"), or normal sessions with --input idlines')
    .addOption(new Option('--input <kind>', 'sessions: JSON lines {"label":0|1,"templates"|"events":[…]}; idlines: normal sessions of event ids, anomalous ones from --abnormal').choices(['sessions', 'idlines']).default('sessions'))
    .option('--abnormal <file>', 'with --input idlines: anomalous sessions, one per line')
    .option('--model <dir>', 'model directory (default: the active version under the data directory)')
    .option('--report <out.html>', 'write a self-contained HTML report: ROC curve, score histograms, threshold, confusion matrix')
    .option('--json', 'print the figures as JSON')
    .addHelpText('after', '\nExample:\n  logtriage eval session_test.jsonl --report eval.html')
    .action(async (file: string, options: EvalOptions, cmd: Command) => {
      const config = configFor(cmd);
      await initBackend(config.scoring.backend);
      const dir = options.model ?? new ModelRegistry(config.service.dataDir).activeDir();
      const scorer = await SequenceScorer.load(dir);
      const data = await readSessions(file, options.input, config);
      if (options.abnormal) {
        const abnormal = await readSessions(options.abnormal, options.input, config);
        data.sessions.push(...abnormal.sessions);
        data.labels.push(...abnormal.sessions.map(() => 1 as const));
      }
      const anomalous = data.labels.filter((l) => l === 1).length;
      if (anomalous === 0 || anomalous === data.labels.length) {
        throw new InputError(`${file}: evaluation needs both normal and anomalous sessions (found ${data.labels.length - anomalous} normal, ${anomalous} anomalous)${options.input === 'idlines' ? '; give anomalous ones with --abnormal' : ''}`);
      }
      const scores = scorer.score(data.sessions).map((v) => v.score);
      const metrics = detectionMetrics(scores, data.labels, scorer.threshold);
      const summary = { model: dir, sessions: data.labels.length, anomalous, threshold: scorer.threshold, ...metrics };
      if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(`model      ${dir}\nsessions   ${data.labels.length} (${anomalous} anomalous)\nthreshold  ${scorer.threshold.toFixed(4)}\n`);
        process.stdout.write(`precision  ${metrics.precision.toFixed(4)}\nrecall     ${metrics.recall.toFixed(4)}\nF1         ${metrics.f1.toFixed(4)}\nFPR        ${(metrics.falsePositiveRate * 100).toFixed(3)} %\nROC-AUC    ${metrics.rocAuc.toFixed(4)}\n`);
        process.stdout.write(`confusion  TP ${metrics.tp}  FP ${metrics.fp}  FN ${metrics.fn}  TN ${metrics.tn}\n`);
      }
      if (options.report) {
        writeFileSync(options.report, renderEvalReport({ title: `logtriage evaluation: ${file}`, model: dir, dataset: file, threshold: scorer.threshold, scores, labels: data.labels, metrics, generatedAt: new Date().toISOString() }));
        process.stderr.write(`wrote ${options.report}\n`);
      }
      await scorer.dispose();
    });
}
