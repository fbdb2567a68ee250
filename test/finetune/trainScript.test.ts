import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFinetuneDataset, FINETUNE_FORMATS } from '../../src/finetune/index.js';
import { loadTaxonomy } from '../../src/triage/taxonomy.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '..', '..', 'finetune', 'train_unsloth.py');
const root = mkdtempSync(join(tmpdir(), 'logtriage-train-script-'));
// Compiled files go to the temporary folder, not next to the script in the checkout.
const env = { ...process.env, PYTHONPYCACHEPREFIX: join(root, 'pycache'), PYTHONDONTWRITEBYTECODE: '1' };

const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const python = probe.status === 0;
// Shown in the test names, so a run without python3 says why these did not run (CI has python3).
const why = python ? '' : ' [skipped: python3 is not on PATH]';

function run(args: string[], input?: string) {
  return spawnSync('python3', args, { encoding: 'utf8', env, timeout: 60_000, ...(input !== undefined ? { input } : {}) });
}

beforeAll(async () => {
  if (!python) return;
  for (const format of FINETUNE_FORMATS) {
    await createFinetuneDataset({ sources: ['synthetic'], synthetic: { anomalies: 12 }, out: join(root, format), format, taxonomy: loadTaxonomy(), maxPromptTokens: 3072, balance: 'none', quiet: true });
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('finetune/train_unsloth.py', () => {
  it.skipIf(!python)(`compiles (python3 -m py_compile)${why}`, () => {
    const result = run(['-m', 'py_compile', script]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!python)(`shows its options without Unsloth installed${why}`, () => {
    const result = run([script, '--help']);
    expect(result.status).toBe(0);
    for (const option of ['--base-model', '--load-in-4bit', '--lora-rank', '--lora-alpha', '--target-modules', '--train-on', '--llama-cpp']) expect(result.stdout).toContain(option);
  });

  for (const format of FINETUNE_FORMATS) {
    it.skipIf(!python)(`reads ${format} records written by logtriage finetune-data (--dry-run)${why}`, () => {
      const result = run([script, '--data', join(root, format), '--out', join(root, 'run'), '--dry-run']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^dataset .*: ${format}, prompt version [0-9a-f]{12}, \\d+ train and \\d+ validation examples, max 3584 tokens`));
      expect(result.stdout).toContain('"role": "assistant"');
    });
  }

  it.skipIf(!python)(`refuses a folder that is not a dataset${why}`, () => {
    const result = run([script, '--data', root, '--out', join(root, 'run'), '--dry-run']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/dataset_card\.json not found/);
  });

  it.skipIf(!python)(`masks all answers but the last, and finds the turn markers of known chat templates${why}`, () => {
    const code = [
      'import json, sys, types',
      `sys.path.insert(0, ${JSON.stringify(dirname(script))})`,
      'import train_unsloth as t',
      'out = {}',
      "out['masked'] = t.keep_last_response({'labels': [-100, 5, 6, -100, -100, 7, 8]})['labels']",
      "args = t.parse_args(['--data', 'd', '--out', 'o'])",
      "out['qwen'] = t.detect_parts(types.SimpleNamespace(chat_template=\"{% for m in messages %}<|im_start|>{{ m['role'] }}\\n{% endfor %}\"), args)",
      "out['llama'] = t.detect_parts(types.SimpleNamespace(chat_template='<|start_header_id|>{{ role }}<|end_header_id|>'), args)",
      "out['sharegpt'] = t.to_messages({'conversations': [{'from': 'system', 'value': 's'}, {'from': 'human', 'value': 'u'}, {'from': 'gpt', 'value': 'a'}]}, 'sharegpt')",
      "out['alpaca'] = t.to_messages({'instruction': 's', 'input': 'u', 'output': 'a'}, 'alpaca')",
      'print(json.dumps(out))',
    ].join('\n');
    const result = run(['-c', code]);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out.masked).toEqual([-100, -100, -100, -100, -100, 7, 8]);
    expect(out.qwen).toEqual(['<|im_start|>user\n', '<|im_start|>assistant\n']);
    expect(out.llama).toEqual(['<|start_header_id|>user<|end_header_id|>\n\n', '<|start_header_id|>assistant<|end_header_id|>\n\n']);
    const turns = [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
      { role: 'assistant', content: 'a' },
    ];
    expect(out.sharegpt).toEqual(turns);
    expect(out.alpaca).toEqual(turns);
  });
});
