import { createHash, randomBytes } from 'node:crypto';

/** A new incident id: time-ordered (so ids sort by creation) and unique across replicas. */
export function newIncidentId(now = Date.now()): string {
  return `inc_${now.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

/** The signature of a session: a hash of its template-id sequence. */
export function signatureOf(templateIds: readonly string[]): string {
  return createHash('sha256').update(templateIds.join(' ')).digest('hex').slice(0, 32);
}
