import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../src/api/isStoreUnavailable.js';
import { LogtriageError } from '../../src/util/errors.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isStoreUnavailable', () => {
  it.each([
    ['PostgreSQL refusing connections', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a PostgreSQL connection exception (class 08)', coded('connection failure', '08006')],
    ['a PostgreSQL shutdown', coded('terminating connection due to administrator command', '57P01')],
    ['a busy SQLite file (extended code)', coded('database is locked', 'SQLITE_BUSY_TIMEOUT')],
    ['a full disk', coded('database or disk is full', 'SQLITE_FULL')],
    ['a closed better-sqlite3 handle', new TypeError('The database connection is not open')],
    ['an ended pg pool', new Error('Cannot use a pool after calling end on the pool')],
    ['a store error wrapping one of these', new LogtriageError('STORE_FAILED', 'incident store (postgres …): cannot list incidents', { cause: coded('connect ETIMEDOUT', 'ETIMEDOUT') })],
    ['a store error classified unavailable', new LogtriageError('STORE_UNAVAILABLE', 'incident store (postgres …): cannot list incidents')],
    ['a disposed store', new LogtriageError('STORE_CLOSED', 'incident store (sqlite /x.db): cannot read an incident: the store is closed (dispose() was called)')],
  ])('is true for %s', (_label, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a failed statement', new LogtriageError('STORE_FAILED', 'incident store (sqlite /x.db): cannot list incidents: no such table: incidents', { cause: coded('no such table: incidents', 'SQLITE_ERROR') })],
    ['a constraint violation', coded('duplicate key value violates unique constraint', '23505')],
    ['something not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_label, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });

  it('ends on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isStoreUnavailable(a)).toBe(false);
  });
});
