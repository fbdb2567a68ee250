import { InputError } from '../util/errors.js';

/** Where a page of incidents ended: the last row's `detectedAt` (epoch ms) and id. */
export interface ListCursor {
  detectedAt: number;
  id: string;
}

/** The opaque cursor string of a page's last row (base64url of `[detectedAt, id]`). */
export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.detectedAt, cursor.id])).toString('base64url');
}

/** Parses a cursor from {@link encodeCursor}; an `InputError` for anything else. */
export function decodeCursor(text: string): ListCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
    return { detectedAt: value[0] as number, id: value[1] };
  }
  throw new InputError(`cursor "${text.slice(0, 80)}" is not one this store handed out; pass the nextCursor of the previous page unchanged, or no cursor for the first page`);
}
