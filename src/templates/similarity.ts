import { WILDCARD } from './masks.js';
import { isVariableToken } from './tokenize.js';

/** How well a message fits a template of the same token count. */
export interface Fit {
  /** Agreeing positions over the positions where either side holds a constant; 1 when none does. */
  similarity: number;
  /** Positions where the template has `<*>`: Drain's tie-break, the more general template wins. */
  wildcards: number;
}

/**
 * Similarity over the positions where either side holds a constant: a position that is a value
 * on both sides (`<*>`, `<*>:<*>`, `()`) says nothing, so messages rich in masked values are not
 * penalised as in Drain (agreeing / all positions). `vars[i]` is `isVariableToken(tokens[i])`.
 */
export function fit(template: readonly string[], tokens: readonly string[], vars: readonly boolean[]): Fit {
  const n = tokens.length;
  let same = 0;
  let wildcards = 0;
  let bothVariable = 0;
  for (let i = 0; i < n; i++) {
    const a = template[i]!;
    if (a === WILDCARD) wildcards++;
    if (vars[i] && (a === tokens[i] || isVariableToken(a))) bothVariable++;
    else if (a === tokens[i]) same++;
  }
  return { similarity: n === bothVariable ? 1 : same / (n - bothVariable), wildcards };
}

/** Share of positions where a template accepts a message's token: `<*>` accepts anything. */
export function matchShare(template: readonly string[], tokens: readonly string[], vars: readonly boolean[]): number {
  if (tokens.length === 0) return 1;
  let ok = 0;
  for (let i = 0; i < tokens.length; i++) {
    const a = template[i]!;
    if (a === WILDCARD || a === tokens[i] || (vars[i] && isVariableToken(a))) ok++;
  }
  return ok / tokens.length;
}

/** The tokens that are not pure values, joined: equal for messages that differ only in values. */
export function skeletonOf(tokens: readonly string[]): string {
  let skeleton = '';
  for (const token of tokens) if (!isVariableToken(token)) skeleton += `${token}\u0000`;
  return skeleton;
}

/** Number of tokens that are not pure values. */
export function constantCount(tokens: readonly string[]): number {
  let n = 0;
  for (const token of tokens) if (!isVariableToken(token)) n++;
  return n;
}
