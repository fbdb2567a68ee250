import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../util/errors.js';
import { packageRoot } from '../../util/packageRoot.js';
import type { Taxonomy } from '../taxonomy.js';
import { TRIAGE_LANGUAGES, type TriageLanguage } from '../types.js';

/** Placeholders `prompts/system.md` must contain, each once. */
export const SYSTEM_PLACEHOLDERS = ['{{categories}}', '{{language}}'] as const;

/** What `{{language}}` becomes, per `triage.language`. Part of the prompt version. */
export const LANGUAGE_INSTRUCTIONS: Readonly<Record<TriageLanguage, string>> = {
  en: 'Write "summary", "explanation" and "suggested_actions" in English. "category" and "severity" are always the English names listed above.',
  zh: 'Write "summary", "explanation" and "suggested_actions" in Simplified Chinese (简体中文); quote log text, identifiers and error messages as they appear. "category" and "severity" are always the English names listed above.',
  ru: 'Write "summary", "explanation" and "suggested_actions" in Russian (на русском языке); quote log text, identifiers and error messages as they appear. "category" and "severity" are always the English names listed above.',
};

// Bumped whenever the renderer lays out a prompt differently, so the version changes with it even
// when the template files do not.
const RENDER_FORMAT = 'logtriage-prompt/1';

const localizedSchema = z.strictObject({
  summary: z.string().min(1),
  explanation: z.string().min(1),
  suggested_actions: z.array(z.string().min(1)),
});

const exampleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an example id is lowercase letters, digits and dashes'),
  incident: z.strictObject({
    service: z.string().min(1),
    sessionKey: z.string().min(1),
    score: z.number(),
    threshold: z.number(),
    lines: z.array(z.string()).min(1),
    evidence: z.array(
      z.strictObject({
        position: z.number().int().min(0),
        expected: z.array(z.strictObject({ template: z.string().min(1).nullable(), probability: z.number().min(0).max(1) })),
      }),
    ),
    similar: z.array(z.strictObject({ category: z.string().min(1), summary: z.string().min(1) })).default([]),
  }),
  answer: z.strictObject({
    category: z.string().min(1),
    severity: z.string().min(1),
    confidence: z.number(),
    evidence_lines: z.array(z.number().int()),
    en: localizedSchema,
    zh: localizedSchema,
    ru: localizedSchema,
  }),
});

/**
 * One few-shot example of `prompts/examples.jsonl`: a small incident (its evidence may name the
 * expected template text directly; `null` is the end of the session) and the ideal answer, its
 * text in every {@link TriageLanguage}.
 */
export type PromptExample = z.infer<typeof exampleSchema>;

/** The prompt templates: `prompts/system.md` and `prompts/examples.jsonl`, read and checked. */
export interface PromptTemplates {
  /** The system prompt with its `{{categories}}` and `{{language}}` placeholders. */
  system: string;
  examples: PromptExample[];
  /** Hash of the files' text (with the render format and the language instructions); {@link promptVersion} adds the taxonomy. */
  digest: string;
}

/** The bundled `prompts/` folder. */
export function defaultPromptsDir(): string {
  return join(packageRoot(), 'prompts');
}

const cache = new Map<string, PromptTemplates>();

/**
 * Reads `system.md` and `examples.jsonl` from `dir` (default: the bundled `prompts/`), once per
 * folder. Throws {@link InputError} naming the file, the line and what is wrong.
 */
export function loadPromptTemplates(dir: string = defaultPromptsDir()): PromptTemplates {
  const cached = cache.get(dir);
  if (cached) return cached;
  const systemPath = join(dir, 'system.md');
  const examplesPath = join(dir, 'examples.jsonl');
  const system = read(systemPath);
  for (const placeholder of SYSTEM_PLACEHOLDERS) {
    const count = system.split(placeholder).length - 1;
    if (count !== 1) throw new InputError(`${systemPath}: expected the placeholder ${placeholder} once, found it ${count} times`);
  }
  const unknown = /\{\{(?!categories\}\}|language\}\})[^}]*\}\}/.exec(system);
  if (unknown) throw new InputError(`${systemPath}: unknown placeholder ${unknown[0]}; the template knows ${SYSTEM_PLACEHOLDERS.join(' and ')}`);

  const examplesText = read(examplesPath);
  const examples: PromptExample[] = [];
  const ids = new Set<string>();
  examplesText.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${examplesPath}:${i + 1}: not JSON (${(error as Error).message})`, { cause: error });
    }
    const parsed = exampleSchema.safeParse(data);
    if (!parsed.success) {
      throw new InputError(`${examplesPath}:${i + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ')}`);
    }
    if (ids.has(parsed.data.id)) throw new InputError(`${examplesPath}:${i + 1}: the id ${parsed.data.id} is used twice`);
    ids.add(parsed.data.id);
    examples.push(parsed.data);
  });

  const digest = createHash('sha256')
    .update(`${RENDER_FORMAT}\0${system}\0${examplesText}\0${JSON.stringify(TRIAGE_LANGUAGES.map((l) => LANGUAGE_INSTRUCTIONS[l]))}`)
    .digest('hex');
  const templates: PromptTemplates = { system, examples, digest };
  cache.set(dir, templates);
  return templates;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the prompt template ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
}

/**
 * The prompt version recorded with results and datasets: 12 hex digits of a hash of the templates
 * (system prompt, examples, language instructions, render format) and the taxonomy.
 */
export function promptVersion(templates: PromptTemplates, taxonomy: Taxonomy): string {
  return createHash('sha256').update(`${templates.digest}\0${JSON.stringify(taxonomy)}`).digest('hex').slice(0, 12);
}
