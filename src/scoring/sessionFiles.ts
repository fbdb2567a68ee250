import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../util/errors.js';

const label = z.union([z.literal(0), z.literal(1)]);

function lines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * Reads JSON lines `{"label":0|1,"templates":[…]}` or `{"label":0|1,"events":[ids…]}` (the layout
 * of the deep-loglizer HDFS sessions). With `labelRequired: false` a line without a label is
 * normal; evaluation data should require labels, so a missing one is an error, not a guess.
 */
export function readSessionLines(path: string, options: { labelRequired: boolean }): { sessions: string[][]; labels: (0 | 1)[] } {
  const labelSchema = options.labelRequired ? label : label.default(0);
  const line = z.union([z.object({ label: labelSchema, templates: z.array(z.string()) }), z.object({ label: labelSchema, events: z.array(z.union([z.string(), z.number()])) })]);
  const sessions: string[][] = [];
  const labels: (0 | 1)[] = [];
  lines(path).forEach((text, i) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InputError(`${path}:${i + 1}: not JSON`);
    }
    const parsed = line.safeParse(json);
    if (!parsed.success) throw new InputError(`${path}:${i + 1}: expected {"label":0|1,"templates":[…]} or {"label":0|1,"events":[…]}${options.labelRequired ? ' (the label is required here)' : ''}`);
    sessions.push('templates' in parsed.data ? parsed.data.templates : parsed.data.events.map(String));
    labels.push(parsed.data.label);
  });
  return { sessions, labels };
}

/** Reads one session per line of space-separated event ids (the DeepLog HDFS layout). */
export function readIdLines(path: string): string[][] {
  return lines(path).map((l) => l.split(/\s+/));
}
