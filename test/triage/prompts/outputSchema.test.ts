import { describe, expect, it } from 'vitest';
import { TriageOutputError, loadTaxonomy, type Taxonomy } from '../../../src/triage/index.js';
import { loadPromptTemplates, parseTriageOutput, triageJsonSchema, triageOutputSchema } from '../../../src/triage/prompts/index.js';

const taxonomy = loadTaxonomy();
const shownLines = [0, 1, 2, 3, 4, 7, 8];
const options = { taxonomy, shownLines, backend: 'llamacpp:test.gguf' };

const valid = {
  category: 'database_error',
  severity: 'high',
  confidence: 0.82,
  summary: 'Deadlock on orders-db aborted order creation; POST /api/v1/orders returned 500',
  explanation: 'Line [3] shows a deadlock (SQLSTATE 40P01).\nThe retry failed again [4], so the caller got a 500 [7].',
  evidence_lines: [3, 4, 7, 4],
  suggested_actions: ['Find the blocking statement in the PostgreSQL log', 'Lock order_items rows in one order'],
};

function answer(patch: Record<string, unknown>): string {
  return JSON.stringify({ ...valid, ...patch });
}

function rejection(text: string, opts = options): string {
  try {
    parseTriageOutput(text, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(TriageOutputError);
    expect((error as TriageOutputError).code).toBe('TRIAGE_OUTPUT_INVALID');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${text.slice(0, 200)}`);
}

describe('parseTriageOutput', () => {
  it('maps a valid answer to a TriageResult (camelCase, the backend, evidence lines de-duplicated in order)', () => {
    expect(parseTriageOutput(JSON.stringify(valid), options)).toEqual({
      category: 'database_error',
      severity: 'high',
      confidence: 0.82,
      summary: valid.summary,
      explanation: valid.explanation,
      evidenceLines: [3, 4, 7],
      suggestedActions: valid.suggested_actions,
      backend: 'llamacpp:test.gguf',
    });
  });

  it('accepts the answer inside a ```json fence and with surrounding whitespace, as chat models without a grammar write it', () => {
    const result = parseTriageOutput(`\n  \`\`\`json\n${JSON.stringify(valid, null, 2)}\n\`\`\`\n`, options);
    expect(result.category).toBe('database_error');
    expect(parseTriageOutput(`  ${JSON.stringify(valid)}  \n`, options).evidenceLines).toEqual([3, 4, 7]);
  });

  it('accepts the boundaries: confidence 0 and 1, a 200-character summary, 20 evidence lines, 5 actions of 200 characters, empty lists', () => {
    const wide = { ...options, shownLines: Array.from({ length: 30 }, (_, i) => i) };
    expect(parseTriageOutput(answer({ confidence: 0, evidence_lines: [], suggested_actions: [] }), wide).confidence).toBe(0);
    const result = parseTriageOutput(
      answer({ confidence: 1, summary: 's'.repeat(200), explanation: 'e'.repeat(2000), evidence_lines: Array.from({ length: 20 }, (_, i) => i), suggested_actions: Array.from({ length: 5 }, () => 'a'.repeat(200)) }),
      wide,
    );
    expect(result.evidenceLines).toHaveLength(20);
    expect(result.suggestedActions).toHaveLength(5);
  });

  it('refuses text that is not JSON, JSON that is not an object, and an empty answer', () => {
    expect(rejection('The category is timeout.')).toMatch(/not JSON.*"The category is timeout\."/);
    expect(rejection('{"category": "timeout", "severity": ')).toMatch(/not JSON/);
    expect(rejection('[1, 2]')).toMatch(/not an object \(found an array\)/);
    expect(rejection('"timeout"')).toMatch(/not an object \(found string\)/);
    expect(rejection('   ')).toMatch(/empty/);
  });

  it('refuses an answer longer than 16,384 characters before parsing it', () => {
    expect(rejection(answer({ explanation: 'x'.repeat(20_000) }))).toMatch(/characters long, more than the 16384/);
  });

  it('names each missing field and refuses unknown keys', () => {
    const { summary: _summary, evidence_lines: _lines, ...partial } = valid;
    const message = rejection(JSON.stringify(partial));
    expect(message).toMatch(/summary: missing \(expected string\)/);
    expect(message).toMatch(/evidence_lines: missing \(expected array\)/);
    expect(rejection(answer({ reasoning: 'because' }))).toMatch(/Unrecognized key: "reasoning"/);
  });

  it('refuses a category outside the taxonomy and a severity outside critical|high|medium|low', () => {
    expect(rejection(answer({ category: 'normal' }))).toMatch(/category: .*expected one of "timeout".*"unknown".*\(found "normal"\)/);
    expect(rejection(answer({ severity: 'urgent' }))).toMatch(/severity: .*"critical"\|"high"\|"medium"\|"low".*\(found "urgent"\)/);
    expect(rejection(answer({ severity: 'High' }))).toMatch(/severity/);
  });

  it('follows a replaced taxonomy: its names are the only categories', () => {
    const custom: Taxonomy = { version: 1, categories: [{ name: 'disk_full', description: 'a disk filled up' }, { name: 'unknown', description: 'none fits' }] };
    expect(parseTriageOutput(answer({ category: 'disk_full' }), { ...options, taxonomy: custom }).category).toBe('disk_full');
    expect(rejection(answer({ category: 'database_error' }), { ...options, taxonomy: custom })).toMatch(/"disk_full"\|"unknown"/);
  });

  it('refuses a confidence outside 0..1 or of the wrong type', () => {
    expect(rejection(answer({ confidence: 1.5 }))).toMatch(/confidence: confidence must be between 0 and 1 \(found 1\.5\)/);
    expect(rejection(answer({ confidence: -0.1 }))).toMatch(/confidence must be between 0 and 1/);
    expect(rejection(answer({ confidence: '0.9' }))).toMatch(/confidence: .*expected number/);
  });

  it('refuses numbers that overflow to Infinity, which llama.cpp grammars allow (1e148842173115816)', () => {
    expect(rejection(JSON.stringify(valid).replace('0.82', '1e148842173115816'))).toMatch(/^confidence is not a finite number/);
    expect(rejection(JSON.stringify(valid).replace('0.82', '-1e400'))).toMatch(/^confidence is not a finite number/);
    expect(rejection(JSON.stringify(valid).replace('[3,4,7,4]', '[3,1e999]'))).toMatch(/^evidence_lines\[1\] is not a finite number/);
  });

  it('refuses a summary with a line break, over 200 characters, or empty', () => {
    expect(rejection(answer({ summary: 'first line\nsecond line' }))).toMatch(/summary: summary must be one line/);
    expect(rejection(answer({ summary: 'tab\there' }))).toMatch(/summary must be one line/);
    expect(rejection(answer({ summary: 's'.repeat(201) }))).toMatch(/summary: summary must be at most 200 characters/);
    expect(rejection(answer({ summary: '' }))).toMatch(/summary: summary must not be empty/);
  });

  it('refuses an explanation over 2,000 characters', () => {
    expect(rejection(answer({ explanation: 'e'.repeat(2001) }))).toMatch(/explanation: explanation must be at most 2000 characters/);
  });

  it('refuses evidence_lines with more than 20 entries, negative or fractional numbers', () => {
    const wide = { ...options, shownLines: Array.from({ length: 30 }, (_, i) => i) };
    expect(rejection(answer({ evidence_lines: Array.from({ length: 21 }, (_, i) => i) }), wide)).toMatch(/evidence_lines: evidence_lines must hold at most 20/);
    expect(rejection(answer({ evidence_lines: [-1] }))).toMatch(/evidence_lines\[0\]: evidence_lines must not be negative \(found -1\)/);
    expect(rejection(answer({ evidence_lines: [2.5] }))).toMatch(/evidence_lines\[0\]: evidence_lines must hold whole line numbers \(found 2\.5\)/);
  });

  it('refuses evidence_lines that cite a line the prompt did not show', () => {
    expect(rejection(answer({ evidence_lines: [3, 5, 6, 40] }))).toBe(
      'evidence_lines cites lines 5, 6, 40, which the prompt did not show (shown: 0–4, 7–8); the model may cite only the numbered lines it saw',
    );
    expect(rejection(answer({ evidence_lines: [1] }), { ...options, shownLines: [] })).toMatch(/cites line 1, .*\(shown: none\)/);
  });

  it('refuses more than 5 suggested actions and actions that are too long or span lines', () => {
    expect(rejection(answer({ suggested_actions: ['a', 'b', 'c', 'd', 'e', 'f'] }))).toMatch(/suggested_actions: suggested_actions must hold at most 5 actions/);
    expect(rejection(answer({ suggested_actions: ['ok', 'x'.repeat(201)] }))).toMatch(/suggested_actions\[1\]: a suggested action must be at most 200 characters/);
    expect(rejection(answer({ suggested_actions: ['one\ntwo'] }))).toMatch(/suggested_actions\[0\]: a suggested action must be one line/);
  });

  it('refuses text with U+FFFD (invalid UTF-8 from the detokenizer), a lone surrogate or a control character', () => {
    expect(rejection(answer({ summary: 'Deadlock on orders\uFFFD' }))).toMatch(/summary: contains U\+FFFD at character 18: the model produced invalid UTF-8/);
    expect(rejection(answer({ explanation: 'Broken \uFFFD\uFFFD bytes' }))).toMatch(/explanation: contains U\+FFFD/);
    // JSON.stringify writes a lone surrogate as the escape \ud83d, as a model could.
    expect(rejection(answer({ suggested_actions: ['Restart \ud83d'] }))).toMatch(/suggested_actions\[0\]: contains U\+D83D/);
    expect(rejection(answer({ explanation: 'bell \u0007 here' }))).toMatch(/explanation: contains the control character U\+0007/);
    expect(rejection(answer({ summary: 'esc \u001b[31m' }))).toMatch(/summary: contains the control character U\+001B/);
    // A well-formed pair is fine.
    expect(parseTriageOutput(answer({ summary: 'Disk full 💾' }), options).summary).toBe('Disk full 💾');
  });

  it('accepts every few-shot answer of prompts/examples.jsonl, in every language', () => {
    const { examples } = loadPromptTemplates();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      for (const language of ['en', 'zh', 'ru'] as const) {
        const text = example.answer[language];
        const json = JSON.stringify({ ...example.answer, en: undefined, zh: undefined, ru: undefined, ...text });
        const result = parseTriageOutput(json, { taxonomy, shownLines: example.incident.lines.map((_, i) => i), backend: 'example' });
        expect(result.category, example.id).toBe(example.answer.category);
      }
    }
  });
});

describe('triageOutputSchema', () => {
  it('is one zod schema whose enum is the taxonomy', () => {
    const schema = triageOutputSchema(taxonomy);
    expect(schema.shape.category.options).toEqual(taxonomy.categories.map((c) => c.name));
    expect(schema.safeParse(valid).success).toBe(true);
    expect(schema.safeParse({ ...valid, confidence: Number.NaN }).success).toBe(false);
    expect(schema.safeParse({ ...valid, confidence: Number.POSITIVE_INFINITY }).success).toBe(false);
  });
});

describe('triageJsonSchema', () => {
  const schema = triageJsonSchema(taxonomy) as unknown as Record<string, unknown>;

  it('is an object schema that requires every key and allows no others', () => {
    const keys = ['category', 'severity', 'confidence', 'summary', 'explanation', 'evidence_lines', 'suggested_actions'];
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toEqual(keys);
    expect(schema.required).toEqual(keys);
    expect(schema.additionalProperties).toBe(false);
  });

  it('spells each field with the subset node-llama-cpp grammars support', () => {
    expect(schema.properties).toEqual({
      category: { enum: taxonomy.categories.map((c) => c.name), description: expect.any(String) },
      severity: { enum: ['critical', 'high', 'medium', 'low'], description: expect.any(String) },
      confidence: { type: 'number', description: expect.any(String) },
      summary: { type: 'string', minLength: 1, maxLength: 200, description: expect.any(String) },
      explanation: { type: 'string', minLength: 1, maxLength: 2000, description: expect.any(String) },
      evidence_lines: { type: 'array', items: { type: 'integer' }, maxItems: 20, description: expect.any(String) },
      suggested_actions: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 5, description: expect.any(String) },
    });
  });

  it('carries nothing outside that subset anywhere ($schema, minimum, maximum, pattern, format, $ref)', () => {
    const allowed = new Set(['type', 'properties', 'required', 'additionalProperties', 'enum', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'description']);
    const visit = (node: unknown, inProperties: boolean): void => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
      for (const [key, value] of Object.entries(node)) {
        if (!inProperties) expect(allowed.has(key), `unexpected key ${key}`).toBe(true);
        if (key === 'enum' || key === 'required') continue;
        visit(value, key === 'properties' && !inProperties);
      }
    };
    visit(schema, false);
    expect(JSON.stringify(schema)).not.toMatch(/\$schema|minimum|maximum|pattern|\$ref/);
  });
});
