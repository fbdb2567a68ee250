// Han, kana, hangul and full-width forms: tokenizers of the usual chat models (Llama 3, Qwen,
// Mistral) spend about one token per character on them, often more than one on rare ones.
const DENSE = /[\u1100-\u11FF\u2E80-\u2FFF\u3000-\u30FF\u3100-\u31FF\u3200-\u4DBF\u4E00-\u9FFF\uA960-\uA97F\uAC00-\uD7FF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u{20000}-\u{3FFFF}]/gu;
// Other letters outside Latin (Cyrillic, Greek, Arabic, …) take about one token per two characters.
const OTHER_SCRIPT = /[^\u0000-\u024F\s]/gu;

/**
 * A conservative token count without a tokenizer: one token per CJK character, one per two
 * characters of other non-Latin scripts, and one per three of the rest. Real tokenizers land at
 * about 4 characters a token on English log text, so this overestimates it by about a quarter.
 */
export function estimateTokens(text: string): number {
  const dense = text.match(DENSE)?.length ?? 0;
  const rest = text.replace(DENSE, '');
  const other = rest.match(OTHER_SCRIPT)?.length ?? 0;
  const plain = [...rest].length - other;
  return dense + Math.ceil(other / 2) + Math.ceil(plain / 3);
}
