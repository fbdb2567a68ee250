import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageConfigSchema } from '../../src/config/triage.js';
import { createFinetuneDataset, FINETUNE_FORMATS, parseRecord, type FinetuneFormat, type ParsedRecord } from '../../src/finetune/index.js';
import { createIncidentStore, signatureOf, type KyselyIncidentStore, type NewIncident } from '../../src/incidents/index.js';
import { HeuristicTriager } from '../../src/triage/HeuristicTriager.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';
import { TriageWorker } from '../../src/triage/TriageWorker.js';
import type { TriageInput, TriageOutcome, Triager, TriagePrompt } from '../../src/triage/types.js';

const taxonomy = loadTaxonomy();
const root = mkdtempSync(join(tmpdir(), 'logtriage-parity-'));

/** Real HDFS lines of a block whose write failed (Loghub HDFS), with their templates. */
const HDFS: [string, string, string][] = [
  ['E5', 'Receiving block <*> src: /<*> dest: /<*>', 'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010'],
  ['E5', 'Receiving block <*> src: /<*> dest: /<*>', 'Receiving block blk_-1608999687919862906 src: /10.250.10.6:40524 dest: /10.250.10.6:50010'],
  ['E6', 'Exception in receiveBlock for block <*> <*>', 'Exception in receiveBlock for block blk_-1608999687919862906 java.io.IOException: Connection reset by peer'],
  ['E7', 'writeBlock <*> received exception <*>', 'writeBlock blk_-1608999687919862906 received exception java.io.IOException: Connection reset by peer'],
  ['E11', 'PacketResponder <*> for block <*> terminating', 'PacketResponder 2 for block blk_-1608999687919862906 terminating'],
];

function incident(key: string, rows: readonly (readonly [string, string, string])[], at: number): NewIncident {
  const templateIds = rows.map((r) => r[0]);
  return {
    sessionKey: key,
    service: 'hdfs-datanode',
    firstTimestamp: at - 5_000,
    lastTimestamp: at - 1_000,
    detectedAt: at,
    templateIds,
    templates: rows.map((r) => r[1]),
    lines: rows.map((r) => r[2]),
    truncatedLines: 0,
    score: 11.2,
    threshold: 6.5,
    evidence: [{ position: 2, templateId: rows[2]![0], surprise: 9.1, expected: [{ templateId: 'E11', probability: 0.92, template: 'PacketResponder <*> for block <*> terminating' }] }],
    modelVersion: 'v-test',
    signature: signatureOf(templateIds),
  };
}

/** A backend that records the prompt it is sent and answers with the heuristic's result. */
class RecordingTriager implements Triager {
  readonly name = 'llamacpp:recording.gguf';
  readonly parallelism = 2;
  readonly prompts = new Map<string, TriagePrompt>();
  private readonly heuristic = new HeuristicTriager();
  async triage(input: TriageInput): Promise<TriageOutcome> {
    this.prompts.set(input.incident.id, input.prompt);
    const outcome = await this.heuristic.triage(input);
    return { ...outcome, result: { ...outcome.result, backend: this.name } };
  }
  async dispose(): Promise<void> {}
}

async function drain(store: KyselyIncidentStore, triager: Triager): Promise<void> {
  const config = triageConfigSchema.parse({ worker: { pollIntervalMs: 10, leaseMs: 120_000, drainTimeoutMs: 2_000 } });
  const worker = new TriageWorker({ store, triager, taxonomy, config });
  worker.start();
  const deadline = Date.now() + 20_000;
  while ((await store.pendingCount()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await worker.stop();
}

let store: KyselyIncidentStore;
const triager = new RecordingTriager();
const ids: Record<'a' | 'b' | 'long', string> = { a: '', b: '', long: '' };

beforeAll(async () => {
  store = await createIncidentStore({ kind: 'sqlite', sqlitePath: join(root, 'logtriage.db'), poolSize: 4, dataDir: root });
  // A is triaged and confirmed first, so that B's runtime prompt lists it as a similar incident.
  ids.a = (await store.record(incident('blk_-1608999687919862906', HDFS, 1_740_000_000_000))).id;
  await drain(store, triager);
  await store.review(ids.a, { action: 'confirm' }, 'reviewer@example.com');
  // B shares most templates with A (a similar incident at run time); the long one is cut to the prompt budget.
  ids.b = (await store.record(incident('blk_7503483334202473044', [...HDFS.slice(0, 4), HDFS[3]!, HDFS[4]!], 1_740_000_100_000))).id;
  const long = Array.from({ length: 80 }, (_, i) => HDFS[i % 2 === 0 ? 0 : 1]!.map((x, j) => (j === 2 ? x.replace('54106', String(50_000 + i)) : x)) as [string, string, string]);
  long.splice(40, 0, HDFS[2]!, HDFS[3]!);
  ids.long = (await store.record({ ...incident('blk_-3544583377289625738', long, 1_740_000_200_000), evidence: [{ position: 40, templateId: 'E6', surprise: 9.5, expected: [{ templateId: 'E5', probability: 0.97 }] }] })).id;
  await drain(store, triager);
  await store.review(ids.b, { action: 'relabel', category: 'connection_failure' }, 'reviewer@example.com');
  await store.review(ids.b, { action: 'edit_explanation', explanation: 'The data node reset the connection [2] while receiving the block; the write failed [3].' }, 'reviewer@example.com');
  await store.review(ids.long, { action: 'confirm' }, 'reviewer@example.com');
});

afterAll(async () => {
  await store?.dispose();
  rmSync(root, { recursive: true, force: true });
});

async function build(format: FinetuneFormat): Promise<ParsedRecord[]> {
  const out = join(root, `ds-${format}`);
  await createFinetuneDataset({ sources: ['incidents'], store: { store, target: store.target }, out, format, taxonomy, maxPromptTokens: triageConfigSchema.parse({}).maxPromptTokens, balance: 'none', quiet: true });
  return ['train', 'val', 'test'].flatMap((split) =>
    readFileSync(join(out, `${split}.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => parseRecord(JSON.parse(line), format)),
  );
}

/** The example whose data block has the boundary of the prompt the worker sent for `id`. */
function exampleFor(records: readonly ParsedRecord[], runtime: TriagePrompt): ParsedRecord {
  const boundary = runtime.user.split('\n')[1]!;
  const found = records.filter((r) => r.user.split('\n')[1] === boundary);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('finetune-data and the triage worker', () => {
  it('ran the worker: B was prompted with the confirmed A as a similar incident, the long incident was cut to the budget', () => {
    const b = triager.prompts.get(ids.b)!;
    expect(b.user).toContain('similar:');
    const long = triager.prompts.get(ids.long)!;
    expect(long.user).toMatch(/lines left out/);
    expect(long.shownLines.length).toBeLessThan(82);
  });

  for (const format of FINETUNE_FORMATS) {
    it(`${format}: the user turn of each reviewed incident is byte for byte the prompt the worker sent`, async () => {
      const records = await build(format);
      for (const key of ['b', 'long'] as const) {
        const runtime = triager.prompts.get(ids[key])!;
        const example = exampleFor(records, runtime);
        expect(Buffer.from(example.user, 'utf8').equals(Buffer.from(runtime.user, 'utf8'))).toBe(true);
        expect(example.system).toBe(runtime.system);
        // Alpaca has no turns for the few-shot examples; the conversation formats carry them as the runtime sends them.
        expect(example.examples).toEqual(format === 'alpaca' ? [] : runtime.examples);
      }
    });
  }

  it('the target is the answer JSON with the reviewer’s category and explanation, valid for the prompt it follows', async () => {
    const records = await build('chatml');
    const b = JSON.parse(exampleFor(records, triager.prompts.get(ids.b)!).answer) as Record<string, unknown>;
    expect(Object.keys(b)).toEqual(['category', 'severity', 'confidence', 'summary', 'explanation', 'evidence_lines', 'suggested_actions']);
    expect(b.category).toBe('connection_failure');
    expect(b.explanation).toBe('The data node reset the connection [2] while receiving the block; the write failed [3].');
    const long = JSON.parse(exampleFor(records, triager.prompts.get(ids.long)!).answer) as { evidence_lines: number[] };
    for (const line of long.evidence_lines) expect(triager.prompts.get(ids.long)!.shownLines).toContain(line);
  });
});
