import { describe, expect, it } from 'vitest';
import { severityNumberOf, severityNumberOfNumber } from '../../src/ingest/index.js';

describe('severityNumberOf', () => {
  it.each([
    ['TRACE', 1],
    ['debug', 5],
    ['INFO', 9],
    ['Info', 9],
    ['notice', 10],
    ['WARN', 13],
    ['warning', 13],
    ['ERROR', 17],
    ['err', 17],
    ['SEVERE', 17],
    ['FAILURE', 17],
    ['crit', 18],
    ['alert', 19],
    ['FATAL', 21],
    ['emerg', 21],
    ['E', 17],
    ['W', 13],
    ['I', 9],
    ['D', 5],
    ['[WARN]', 13],
    ['<error>', 17],
    ['INFO:', 9],
  ])('maps %s to %i', (text, number) => {
    expect(severityNumberOf(text)).toBe(number);
  });

  it.each(['combo', 'RAS', '', 'informative', 'X'])('gives 0 for %j, which is not a level', (text) => {
    expect(severityNumberOf(text)).toBe(0);
  });
});

describe('severityNumberOfNumber', () => {
  it('maps pino levels and passes OTel numbers through', () => {
    expect([10, 20, 30, 40, 50, 60].map((level) => severityNumberOfNumber(level))).toEqual([1, 5, 9, 13, 17, 21]);
    expect(severityNumberOfNumber(20, false)).toBe(20);
    expect(severityNumberOfNumber(18)).toBe(18);
    expect(severityNumberOfNumber(99)).toBe(0);
    expect(severityNumberOfNumber(2.5)).toBe(0);
  });
});
