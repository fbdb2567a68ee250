import { describe, expect, it } from 'vitest';
import * as logtriage from '../src/index.js';

describe('the library entry point', () => {
  it('exports the stages a user builds on', () => {
    const miner = new logtriage.TemplateMiner();
    expect(miner.add('user 42 logged in')?.template).toBe('user <*> logged in');
    expect(typeof logtriage.loadConfig).toBe('function');
    expect(typeof logtriage.readLogEvents).toBe('function');
    expect(typeof logtriage.Sessionizer).toBe('function');
    expect(typeof logtriage.generateSequences).toBe('function');
  });
});
