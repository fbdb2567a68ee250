import { WILDCARD } from './masks.js';
import { splitMessage } from './tokenize.js';

/** One variable of a message: its value and the index of the token where it starts. */
export interface Parameter {
  value: string;
  tokenIndex: number;
}

const cache = new Map<string, RegExp>();

/** The template as an anchored regex: literals escaped, whitespace runs flexible, `<*>` lazy groups. */
function templatePattern(template: string): RegExp {
  let re = cache.get(template);
  if (!re) {
    const source = template
      .trim()
      .split(WILDCARD)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
      .join('(.*?)');
    re = new RegExp(`^\\s*${source}\\s*$`, 'sd');
    if (cache.size > 10_000) cache.clear();
    cache.set(template, re);
  }
  return re;
}

/**
 * The values behind the `<*>` of a template in a message of that template, in order
 * (`blk_<*>` on `blk_-42` gives `-42`; a size `17.7 GB` is one value although it spans two
 * tokens). Returns undefined when the message does not fit the template.
 */
export function extractParameters(template: string, message: string): Parameter[] | undefined {
  const m = templatePattern(template).exec(message);
  if (!m?.indices) return undefined;
  // Token index of each character offset: the number of whitespace-separated tokens before it.
  const starts: number[] = [];
  let offset = 0;
  const { tokens, seps } = splitMessage(message);
  for (let i = 0; i < tokens.length; i++) {
    offset = message.indexOf(tokens[i]!, offset + (i === 0 ? 0 : seps[i]!.length - 1));
    starts.push(offset);
    offset += tokens[i]!.length;
  }
  const parameters: Parameter[] = [];
  for (let g = 1; g < m.length; g++) {
    const at = m.indices[g]?.[0] ?? 0;
    let tokenIndex = 0;
    while (tokenIndex + 1 < starts.length && starts[tokenIndex + 1]! <= at) tokenIndex++;
    parameters.push({ value: m[g] ?? '', tokenIndex });
  }
  return parameters;
}
