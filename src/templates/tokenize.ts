import { charClasses, WILDCARD, type Mask } from './masks.js';

/** A message split into tokens; `seps[i]` is the whitespace (or nothing) before `tokens[i]`. */
export interface Tokens {
  tokens: string[];
  seps: string[];
}

// Han, Hiragana/Katakana, Hangul, CJK punctuation and full-width forms: scripts written without
// spaces between words, which need a word segmenter instead of whitespace splitting.
const NO_SPACE_SCRIPT = /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]/;

let segmenter: Intl.Segmenter | undefined;

/**
 * Splits a message on whitespace. Text in scripts written without spaces (Chinese, Japanese) is
 * segmented into words with `Intl.Segmenter`, and their punctuation stands alone, so a Chinese
 * message gets tokens comparable to an English one. Cyrillic and other spaced scripts split on
 * whitespace like Latin text.
 */
export function splitMessage(message: string): Tokens {
  const tokens: string[] = [];
  const seps: string[] = [];
  const n = message.length;
  let i = 0;
  let sep = '';
  let hasNoSpaceScript = false;
  while (i < n) {
    let j = i;
    while (j < n && isSpace(message.charCodeAt(j))) j++;
    if (j > i) sep = message.slice(i, j);
    if (j >= n) break;
    let k = j;
    while (k < n && !isSpace(message.charCodeAt(k))) {
      if (message.charCodeAt(k) >= 0x2e80) hasNoSpaceScript = true;
      k++;
    }
    tokens.push(message.slice(j, k));
    seps.push(tokens.length === 1 ? '' : sep);
    sep = '';
    i = k;
  }
  if (hasNoSpaceScript && NO_SPACE_SCRIPT.test(message)) return segmentWords(tokens, seps);
  return { tokens, seps };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function segmentWords(spaced: string[], spacedSeps: string[]): Tokens {
  segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  const tokens: string[] = [];
  const seps: string[] = [];
  for (let t = 0; t < spaced.length; t++) {
    const token = spaced[t]!;
    if (!NO_SPACE_SCRIPT.test(token)) {
      tokens.push(token);
      seps.push(spacedSeps[t]!);
      continue;
    }
    let first = true;
    let pending = '';
    const flush = (): void => {
      if (!pending) return;
      tokens.push(pending);
      seps.push(first ? spacedSeps[t]! : '');
      first = false;
      pending = '';
    };
    for (const part of segmenter.segment(token)) {
      // Keep runs of ASCII word characters together (`orders-db`, `5000ms`, `/v1/pay`) so the
      // masks see whole values; the segmenter would cut them at `-`, `/` and `.`.
      if (!part.isWordLike || NO_SPACE_SCRIPT.test(part.segment)) {
        if (!NO_SPACE_SCRIPT.test(part.segment) && !/^[，。、；：！？（）【】《》「」]$/.test(part.segment)) {
          pending += part.segment;
          continue;
        }
        flush();
        tokens.push(part.segment);
        seps.push(first ? spacedSeps[t]! : '');
        first = false;
      } else {
        pending += part.segment;
      }
    }
    flush();
  }
  return { tokens, seps };
}

/**
 * Tokens with token-scope masks applied: the form that templates are built from and compared in.
 * `memo` keeps recent results: values such as addresses, ports and small numbers recur, and a
 * lookup is cheaper than the mask chain.
 */
export function maskTokens(tokens: readonly string[], masks: readonly Mask[], memo?: Map<string, string>): string[] {
  const out = new Array<string>(tokens.length);
  for (let t = 0; t < tokens.length; t++) {
    const raw = tokens[t]!;
    const bits = charClasses(raw);
    if (bits === 0) {
      out[t] = raw;
      continue;
    }
    let token = memo?.get(raw);
    if (token === undefined) {
      token = raw;
      for (const mask of masks) {
        if ((bits & mask.needs) === mask.needs) token = mask.apply(token);
      }
      if (memo) {
        // Cleared rather than evicted one by one: cheap, and it refills with what recurs.
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(raw, token);
      }
    }
    out[t] = token;
  }
  return out;
}

const MEMO_LIMIT = 4096;

// An empty value: a bracket or quote pair with nothing inside, as in `connection from 1.2.3.4 ()`.
const EMPTY_VALUE = /^[,;:.]?(?:\(\)|\[\]|\{\}|""|''|<>)[,;:.]?$/;

/**
 * True for a token that is all variable: wildcards and punctuation, no letters (`<*>`, `<*>:<*>`,
 * `(<*>)`, `<*>,<*>`) or an empty value (`()`, `""`). Two such tokens say only "a value here" and
 * compare as equal.
 */
export function isVariableToken(token: string): boolean {
  if (!token.includes(WILDCARD)) return token.length <= 4 && EMPTY_VALUE.test(token);
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 60 && token.startsWith(WILDCARD, i)) {
      i += 2;
      continue;
    }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c >= 0x80) return false;
  }
  return true;
}
