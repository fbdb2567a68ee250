import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One row of a Loghub `<System>_2k.log_structured.csv`. */
export interface LoghubRow {
  lineId: number;
  eventId: string;
  content: string;
  eventTemplate: string;
}

const PATH = fileURLToPath(new URL('../fixtures/templates/loghub-excerpt.json', import.meta.url));

/** The Loghub excerpt of `test/fixtures/templates/` (see its README), by system. */
export function loghubExcerpt(): Record<string, LoghubRow[]> {
  return (JSON.parse(readFileSync(PATH, 'utf8')) as { systems: Record<string, LoghubRow[]> }).systems;
}

/** Every message of the excerpt, system after system, in file order. */
export function allMessages(): string[] {
  return Object.values(loghubExcerpt()).flatMap((rows) => rows.map((row) => row.content));
}
