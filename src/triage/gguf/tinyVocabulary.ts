/** Token types of `tokenizer.ggml.token_type` (gguf-py `TokenType`, llama.cpp `llama_token_type`). */
export const TOKEN_TYPES = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** SentencePiece's visible space: llama.cpp's `llama` tokenizer turns every space into it before matching pieces. */
export const SPM_SPACE = '\u2581';

/** A vocabulary in the three parallel arrays GGUF stores, with the ids of its special tokens. */
export interface TinyVocabulary {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
  unkId: number;
  bosId: number;
  eosId: number;
  /** `<|im_start|>`, opens a ChatML turn. */
  imStartId: number;
  /** `<|im_end|>`, closes a ChatML turn; the end-of-turn token. */
  imEndId: number;
}

// Multi-character pieces, most preferred first. SentencePiece-style tokenizing merges two adjacent
// pieces only when their concatenation is itself a piece, so each entry splits into two earlier ones.
const MERGED_PIECES = [
  'er', 'in', 'on', 're', 'or', 'at', 'en', 'ti', 'es', 'ro', 'rr', 'ed', 'al', 'il', 'ai', 'nn', 'ec', 'ct',
  `${SPM_SPACE}t`, `${SPM_SPACE}a`, `${SPM_SPACE}c`, `${SPM_SPACE}f`, `${SPM_SPACE}s`, `${SPM_SPACE}e`, `${SPM_SPACE}i`,
  'me', 'ou', 'he', 'err', 'erro', 'error', `${SPM_SPACE}error`, 'ion', 'tion', 'ail', 'fail', `${SPM_SPACE}fail`, 'ailed',
  'ect', 'onn', 'conn', 'connect', `${SPM_SPACE}connect`, 'time', 'out', 'timeout', `${SPM_SPACE}timeout`,
  `${SPM_SPACE}th`, `${SPM_SPACE}the`, `${SPM_SPACE}to`, `${SPM_SPACE}in`, 'ing',
];

/**
 * A byte-level vocabulary for llama.cpp's `llama` (SentencePiece) tokenizer that can encode any text:
 * `<unk>`, `<s>`, `</s>`, the 256 byte tokens `<0x00>`…`<0xFF>` (text that no piece covers falls back
 * to its UTF-8 bytes, which is how CJK and emoji get through), the ChatML control tokens, the visible
 * space `▁`, the 94 printable ASCII characters and a few merged pieces common in logs.
 *
 * `▁` must be a piece of its own: a space that fell back to the bytes E2 96 81 would come back from
 * detokenizing as `▁`, since llama.cpp only turns `▁` back into a space in normal pieces.
 */
export function tinyVocabulary(): TinyVocabulary {
  const tokens: string[] = [];
  const scores: number[] = [];
  const tokenTypes: number[] = [];
  const add = (text: string, score: number, type: number): number => {
    tokens.push(text);
    scores.push(score);
    tokenTypes.push(type);
    return tokens.length - 1;
  };
  // llama.cpp's defaults for this tokenizer are unk 0, bos 1, eos 2; the ids are stored explicitly anyway.
  const unkId = add('<unk>', 0, TOKEN_TYPES.unknown);
  const bosId = add('<s>', 0, TOKEN_TYPES.control);
  const eosId = add('</s>', 0, TOKEN_TYPES.control);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TOKEN_TYPES.byte);
  const imStartId = add('<|im_start|>', 0, TOKEN_TYPES.control);
  const imEndId = add('<|im_end|>', 0, TOKEN_TYPES.control);
  // Single characters are never the result of a merge, so their scores only order them among themselves.
  add(SPM_SPACE, -1, TOKEN_TYPES.normal);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), -2, TOKEN_TYPES.normal);
  MERGED_PIECES.forEach((piece, rank) => add(piece, -3 - rank * 0.01, TOKEN_TYPES.normal));
  return { tokens, scores, tokenTypes, unkId, bosId, eosId, imStartId, imEndId };
}
