import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signatureOf } from '../../src/incidents/index.js';
import { InputError } from '../../src/util/errors.js';
import { runCli as run } from '../cli/runCli.js';

const root = mkdtempSync(join(tmpdir(), 'logtriage-finetune-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('logtriage finetune-data', () => {
  it('writes the splits and the card, and prints the files and the counts per category', async () => {
    const out = join(root, 'synthetic');
    const { stdout } = await run('--set', `service.dataDir=${join(root, 'data')}`, 'finetune-data', '--source', 'synthetic', '--synthetic-count', '30', '--format', 'sharegpt', '--out', out, '--quiet');
    expect(stdout).toMatch(new RegExp(`${join(out, 'train.jsonl')}  \\d+ examples, [\\d,]+ bytes`));
    expect(stdout).toMatch(/dataset_card\.json {2}prompt version [0-9a-f]{12}, sharegpt, tokens by estimate/);
    expect(stdout).toMatch(/^timeout +\d+ +\d+ +\d+$/m);
    const card = JSON.parse(readFileSync(join(out, 'dataset_card.json'), 'utf8')) as { format: string; sources: { synthetic: { anomalies: number } } };
    expect(card.format).toBe('sharegpt');
    expect(card.sources.synthetic.anomalies).toBe(30);
    const first = JSON.parse(readFileSync(join(out, 'train.jsonl'), 'utf8').split('\n')[0]!) as { conversations: { from: string }[] };
    expect(first.conversations[0]!.from).toBe('system');
  });

  it('says how to get reviewed incidents when the store has none', async () => {
    const args = ['--set', `service.dataDir=${join(root, 'empty')}`, 'finetune-data', '--source', 'incidents', '--out', join(root, 'none'), '--quiet'];
    await expect(run(...args)).rejects.toThrow(InputError);
    await expect(run(...args)).rejects.toThrow(/holds no incidents yet; run `logtriage serve`.*review page/);
  });

  it('refuses English-only sources for another triage.language', async () => {
    await expect(run('--set', `service.dataDir=${join(root, 'data')}`, '--set', 'triage.language=zh', 'finetune-data', '--source', 'synthetic', '--out', join(root, 'zh'), '--quiet')).rejects.toThrow(
      /triage.language is zh, but the answers of synthetic data are written in English/,
    );
  });
});

describe('logtriage categories discover', () => {
  it('clusters an incident export and prints the clusters as JSON', async () => {
    const file = join(root, 'incidents.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const kind = i % 2;
      const templateIds = kind === 0 ? ['A', 'B', 'D'] : ['P', 'Q'];
      lines.push(
        JSON.stringify({
          type: 'incident',
          id: `inc_${i}`,
          sessionKey: `s${i}`,
          service: kind === 0 ? 'order-service' : 'auth-service',
          lines: templateIds.map((t) => `line ${t} ${i}`),
          templateIds,
          templates: templateIds.map((t) => `template ${t}`),
          score: 10 + i / 10,
          threshold: 4,
          evidence: [{ position: kind === 0 ? 2 : 0, templateId: kind === 0 ? 'D' : 'P', surprise: 9, expected: [] }],
          signature: signatureOf(templateIds),
          detectedAt: 1_740_000_000_000 + i,
        }),
      );
    }
    lines.push(JSON.stringify({ type: 'occurrence', id: 'inc_0', signature: 'x', at: 1 }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { stdout } = await run('categories', 'discover', '--input', file, '--json', '--max-k', '4');
    const found = JSON.parse(stdout) as { incidents: number; k: number; clusters: { size: number; topTemplates: { text: string }[] }[] };
    expect(found.incidents).toBe(12);
    expect(found.k).toBe(2);
    expect(found.clusters.map((c) => c.size)).toEqual([6, 6]);
    expect(found.clusters.map((c) => c.topTemplates[0]!.text).sort()).toEqual(['template D', 'template P']);
  });

  it('says how to get incidents when there are none', async () => {
    await expect(run('--set', `service.dataDir=${join(root, 'empty2')}`, 'categories', 'discover')).rejects.toThrow(/holds no incidents.*run `logtriage serve`.*--input/);
  });
});
