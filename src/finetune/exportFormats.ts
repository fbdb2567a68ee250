import type { TriagePrompt } from '../triage/types.js';
import { InputError } from '../util/errors.js';

/**
 * Dataset formats as Unsloth reads them: `alpaca` (`instruction`/`input`/`output`), `sharegpt`
 * (`conversations` of `from`: system | human | gpt) and `chatml` (OpenAI-style `messages` of
 * `role`: system | user | assistant, what `tokenizer.apply_chat_template` takes).
 */
export const FINETUNE_FORMATS = ['alpaca', 'sharegpt', 'chatml'] as const;
export type FinetuneFormat = (typeof FINETUNE_FORMATS)[number];

/** One Alpaca record: instruction = the system turn, input = the user turn, output = the answer JSON. The few-shot turns are not in it. */
export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
}

/** One ShareGPT record. */
export interface ShareGptRecord {
  conversations: { from: 'system' | 'human' | 'gpt'; value: string }[];
}

/** One chat (`messages`) record. */
export interface ChatMlRecord {
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
}

export type FinetuneRecord = AlpacaRecord | ShareGptRecord | ChatMlRecord;

/**
 * One training record of `prompt` with `answer` (the target JSON text) as the last assistant turn.
 * ShareGPT and chat records hold the whole runtime conversation, as `LlamaCppTriager` and
 * `OpenAiTriager` send it: the system turn, each few-shot example as a user turn and an assistant
 * turn, then the incident and the answer. Alpaca has no turns: its `instruction` is the system turn
 * and its `input` the incident's user turn; the few-shot examples are left out (documented in
 * finetune/README.md: prefer sharegpt or chatml, which match the runtime exactly).
 */
export function toRecord(prompt: TriagePrompt, answer: string, format: FinetuneFormat): FinetuneRecord {
  switch (format) {
    case 'alpaca':
      return { instruction: prompt.system, input: prompt.user, output: answer };
    case 'sharegpt':
      return {
        conversations: [
          { from: 'system', value: prompt.system },
          ...prompt.examples.flatMap((e) => [
            { from: 'human' as const, value: e.user },
            { from: 'gpt' as const, value: e.assistant },
          ]),
          { from: 'human', value: prompt.user },
          { from: 'gpt', value: answer },
        ],
      };
    case 'chatml':
      return {
        messages: [
          { role: 'system', content: prompt.system },
          ...prompt.examples.flatMap((e) => [
            { role: 'user' as const, content: e.user },
            { role: 'assistant' as const, content: e.assistant },
          ]),
          { role: 'user', content: prompt.user },
          { role: 'assistant', content: answer },
        ],
      };
  }
}

/** A record read back: the conversation as a prompt (system, few-shot pairs, user turn) and the answer. */
export interface ParsedRecord {
  system: string;
  examples: { user: string; assistant: string }[];
  user: string;
  answer: string;
}

/**
 * Reads a record of `format` back into its turns (the inverse of {@link toRecord}). Throws
 * {@link InputError} when the record does not have the shape of the format.
 */
export function parseRecord(record: unknown, format: FinetuneFormat): ParsedRecord {
  const fail = (what: string): never => {
    throw new InputError(`not a ${format} record: ${what}`);
  };
  if (record === null || typeof record !== 'object') return fail('expected an object');
  if (format === 'alpaca') {
    const { instruction, input, output } = record as Partial<AlpacaRecord>;
    if (typeof instruction !== 'string' || typeof input !== 'string' || typeof output !== 'string') return fail('expected string fields instruction, input and output');
    return { system: instruction, examples: [], user: input, answer: output };
  }
  const turns: { role: string; text: unknown }[] =
    format === 'sharegpt'
      ? ((record as Partial<ShareGptRecord>).conversations ?? fail('expected "conversations"')).map((t) => ({ role: t.from, text: t.value }))
      : ((record as Partial<ChatMlRecord>).messages ?? fail('expected "messages"')).map((t) => ({ role: t.role, text: t.content }));
  const [system, ...rest] = turns;
  const names = format === 'sharegpt' ? { system: 'system', user: 'human', assistant: 'gpt' } : { system: 'system', user: 'user', assistant: 'assistant' };
  if (!system || system.role !== names.system || typeof system.text !== 'string') return fail(`the first turn must be ${names.system}`);
  if (rest.length < 2 || rest.length % 2 !== 0) return fail('expected user and assistant turns in pairs after the system turn');
  const pairs: { user: string; assistant: string }[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const user = rest[i]!;
    const assistant = rest[i + 1]!;
    if (user.role !== names.user || assistant.role !== names.assistant || typeof user.text !== 'string' || typeof assistant.text !== 'string') {
      return fail(`turns ${i + 1} and ${i + 2} after the system turn must be ${names.user} then ${names.assistant}`);
    }
    pairs.push({ user: user.text, assistant: assistant.text });
  }
  const last = pairs.pop()!;
  return { system: system.text, examples: pairs, user: last.user, answer: last.assistant };
}
