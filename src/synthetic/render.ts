import { MESSAGES_EN, type MessageCatalog, type MessageKey } from './messages.js';
import { MESSAGES_ZH } from './messages.zh.js';
import type { Language } from './types.js';

/** Values of a message's variables. */
export type MessageVars = Readonly<Record<string, string | number>>;

/** The catalogue of each language. */
export const CATALOGS: Readonly<Record<Language, MessageCatalog>> = { en: MESSAGES_EN, zh: MESSAGES_ZH };

const PLACEHOLDER = /\{(\w+)\}/g;

/** The variable names a template uses, in order of first appearance. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/**
 * Fills a template. A variable the template needs but `vars` lacks is a bug in a flow, so it
 * throws rather than writing `{name}` into the data.
 */
export function renderMessage(language: Language, key: MessageKey, vars: MessageVars): string {
  return CATALOGS[language][key].replace(PLACEHOLDER, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new RangeError(`message ${key} needs variable {${name}}`);
    return String(value);
  });
}
