import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { Command } from 'commander';
import { describeReadStats, readLogEvents } from '../../ingest/index.js';
import { Sessionizer, type Session } from '../../sessions/index.js';
import { TemplateMiner } from '../../templates/index.js';
import { bundledDataPath } from '../../util/packageRoot.js';
import { formatRate } from '../../util/progress.js';
import { configFor } from '../context.js';
import { formatTemplateTable } from '../templateTable.js';

/** Layout of the bundled demo log, written by the synthetic generator. */
export const DEMO_LOG_FORMAT = String.raw`<Time> <Level> <Service> \[trace=<Trace>\] <Content>`;

/**
 * `logtriage demo` (what `npm start` runs): mines the bundled synthetic microservice logs, groups
 * them into sessions by trace id and prints the template table and what stands out.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the demo on bundled data: mine templates from synthetic microservice logs, group them into request sessions, show rare events')
    .option('--file <path>', 'another log file in the demo layout', bundledDataPath('synthetic', 'demo.log'))
    .option('--top <n>', 'templates to print', (v) => Number(v), 25)
    .action(async (options: { file: string; top: number }, cmd: Command) => {
      const config = configFor(cmd);
      if (!existsSync(options.file)) {
        throw new Error(`demo log ${options.file} not found; regenerate it with: npx tsx scripts/generate-synthetic.ts`);
      }
      const out = process.stdout;
      out.write(`logtriage demo: ${relative(process.cwd(), options.file) || options.file}\n\n`);

      const miner = new TemplateMiner(config.templates);
      const sessions: Session[] = [];
      const sessionizer = new Sessionizer({ ...config.sessions, key: 'attribute:Trace', timeSource: 'event' }, { onClose: (s) => sessions.push(s) });
      const events = readLogEvents(options.file, { format: DEMO_LOG_FORMAT, maxLineBytes: config.ingest.maxLineBytes });
      const started = process.hrtime.bigint();
      for await (const event of events) {
        const match = miner.add(event.body);
        if (match) sessionizer.add(event, match.templateId);
      }
      await sessionizer.dispose();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;

      out.write(`${describeReadStats(events.stats)}\n`);
      out.write(`mined ${miner.size} templates from ${events.stats.events.toLocaleString('en-US')} events (${formatRate(events.stats.events / seconds)} events/s, reading included)\n\n`);
      out.write(formatTemplateTable(miner.templates(), { top: options.top }));

      const byId = miner.templatesByAnyId();
      const lengths = sessions.map((s) => s.templateIds.length).sort((a, b) => a - b);
      const median = lengths[Math.floor(lengths.length / 2)] ?? 0;
      out.write(`\n${sessions.length} request sessions (grouped by trace id): median ${median} events, longest ${lengths.at(-1) ?? 0}\n`);

      const sessionsPerTemplate = new Map<string, Set<string>>();
      for (const s of sessions) {
        for (const id of s.templateIds) {
          const text = byId.get(id)?.text ?? id;
          const set = sessionsPerTemplate.get(text) ?? new Set<string>();
          set.add(s.key);
          sessionsPerTemplate.set(text, set);
        }
      }
      const rare = [...sessionsPerTemplate].filter(([, keys]) => keys.size <= Math.max(2, sessions.length * 0.01)).sort((a, b) => a[1].size - b[1].size);
      out.write(`\nrare events (in ≤ 1% of sessions): ${rare.length} templates\n`);
      for (const [text, keys] of rare.slice(0, 15)) out.write(`  ${String(keys.size).padStart(3)} session(s)  ${text}\n`);
      out.write(`\nNext: \`logtriage parse <file> --format <preset>\` mines your own logs; \`logtriage --help\` lists every command.\n`);
    });
}
