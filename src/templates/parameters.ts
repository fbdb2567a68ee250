import { WILDCARD } from './masks.js';
import { splitMessage } from './tokenize.js';

/** One variable of a message: its value and the index of its token in the message. */
export interface Parameter {
  value: string;
  tokenIndex: number;
}

const cache = new Map<string, RegExp>();

function tokenPattern(templateToken: string): RegExp {
  let re = cache.get(templateToken);
  if (!re) {
    const source = templateToken
      .split(WILDCARD)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(.*?)');
    re = new RegExp(`^${source}$`, 's');
    if (cache.size > 10_000) cache.clear();
    cache.set(templateToken, re);
  }
  return re;
}

/**
 * The values behind the `<*>` of a template in a message of that template, token by token
 * (`blk_<*>` on `blk_-42` gives `-42`). Returns undefined when the message does not fit the
 * template (another token count, or a literal that differs).
 */
export function extractParameters(template: string, message: string): Parameter[] | undefined {
  const templateTokens = splitMessage(template).tokens;
  const tokens = splitMessage(message).tokens;
  if (templateTokens.length !== tokens.length) return undefined;
  const parameters: Parameter[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = templateTokens[i]!;
    const token = tokens[i]!;
    if (!t.includes(WILDCARD)) {
      if (t !== token) return undefined;
      continue;
    }
    const m = tokenPattern(t).exec(token);
    // A masked value may span what the template shows as literal (a size `2.1 KB` is one value,
    // two tokens): then the whole token is the value.
    if (!m) {
      parameters.push({ value: token, tokenIndex: i });
      continue;
    }
    for (const value of m.slice(1)) parameters.push({ value: value ?? '', tokenIndex: i });
  }
  return parameters;
}
