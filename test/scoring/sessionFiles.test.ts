import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIdLines, readSessionLines } from '../../src/scoring/index.js';
import { InputError } from '../../src/util/errors.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'logtriage-sessions-')), name);
  writeFileSync(path, text);
  return path;
}

describe('readSessionLines', () => {
  it('reads template and event-id sessions with their labels', () => {
    const path = file('s.jsonl', '{"label":0,"templates":["a","b"]}\n\n{"label":1,"events":[5,22]}\n');
    expect(readSessionLines(path, { labelRequired: true })).toEqual({ sessions: [['a', 'b'], ['5', '22']], labels: [0, 1] });
  });

  it('takes a missing label as normal only when labels are not required', () => {
    const path = file('s.jsonl', '{"templates":["a"]}\n');
    expect(readSessionLines(path, { labelRequired: false }).labels).toEqual([0]);
    expect(() => readSessionLines(path, { labelRequired: true })).toThrow(/s\.jsonl:1: .*the label is required/);
  });

  it('names the file and line of a broken line, and a missing file', () => {
    expect(() => readSessionLines(file('b.jsonl', '{"label":0,"templates":[]}\n{oops\n'), { labelRequired: false })).toThrow(/b\.jsonl:2: not JSON/);
    expect(() => readSessionLines('/nonexistent/x.jsonl', { labelRequired: false })).toThrow(InputError);
  });
});

describe('readIdLines', () => {
  it('reads one session of space-separated ids per line', () => {
    expect(readIdLines(file('ids', '5 5 22\n\n11  9\n'))).toEqual([['5', '5', '22'], ['11', '9']]);
  });
});
