import { describe, expect, it } from 'vitest';
import { epochToMillis, parseTimestamp } from '../../src/ingest/index.js';

const REFERENCE = Date.UTC(2026, 0, 15, 12);

describe('parseTimestamp', () => {
  it.each([
    ['081109 203615', Date.UTC(2008, 10, 9, 20, 36, 15)],
    ['2015-10-18 18:01:47,978', Date.UTC(2015, 9, 18, 18, 1, 47, 978)],
    ['17/06/09 20:10:40', Date.UTC(2017, 5, 9, 20, 10, 40)],
    ['2005-06-03-15.42.50.675872', Date.UTC(2005, 5, 3, 15, 42, 50) + 675.872],
    ['1077804742', 1077804742000],
    ['2016-09-28 04:30:30', Date.UTC(2016, 8, 28, 4, 30, 30)],
    ['Sun Dec 04 04:47:44 2005', Date.UTC(2005, 11, 4, 4, 47, 44)],
    ['20171223-22:15:29:606', Date.UTC(2017, 11, 23, 22, 15, 29, 606)],
    ['20171223-22:32:0:95', Date.UTC(2017, 11, 23, 22, 32, 0, 95)],
    ['2017-05-16 00:00:00.008', Date.UTC(2017, 4, 16, 0, 0, 0, 8)],
    ['2024-03-01T12:00:00+02:00', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01T12:00:00.5Z', Date.UTC(2024, 2, 1, 12, 0, 0, 500)],
    ['10/Oct/2000:13:55:36 -0700', Date.UTC(2000, 9, 10, 20, 55, 36)],
    ['Tue, 01 Nov 2005 10:00:00 GMT', Date.UTC(2005, 10, 1, 10)],
    ['1700000000123', 1700000000123],
    ['1700000000123456789', 1700000000123.4568],
  ])('parses %s (no zone means UTC)', (text, expected) => {
    expect(parseTimestamp(text, REFERENCE)).toBeCloseTo(expected, 3);
  });

  it('gives a yearless date the year that puts it before the reference time', () => {
    expect(parseTimestamp('Jan 10 08:00:00', REFERENCE)).toBe(Date.UTC(2026, 0, 10, 8));
    // A December line read in January is from last December, not from next.
    expect(parseTimestamp('Dec 31 23:59:59', REFERENCE)).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
    expect(parseTimestamp('10.30 16:49:06', REFERENCE)).toBe(Date.UTC(2025, 9, 30, 16, 49, 6));
  });

  it.each(['', 'yesterday', '15:16:01', '2024-13-01 00:00:00', '12345', 'INFO', '99999999999999999999'])('gives undefined for %j', (text) => {
    expect(parseTimestamp(text, REFERENCE)).toBeUndefined();
  });
});

describe('epochToMillis', () => {
  it('guesses seconds, milliseconds, microseconds and nanoseconds from the size', () => {
    expect(epochToMillis(1700000000)).toBe(1700000000000);
    expect(epochToMillis(1700000000123)).toBe(1700000000123);
    expect(epochToMillis(1700000000123456)).toBeCloseTo(1700000000123.456, 3);
    expect(epochToMillis(1.7e18)).toBe(1.7e12);
    expect(epochToMillis(42)).toBeUndefined();
    expect(epochToMillis(-1)).toBeUndefined();
  });
});
