import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitedDiagWarn } from '../../../plugins/otel-sdk/src/rateLimitedDiagWarn.js';

describe('rateLimitedDiagWarn', () => {
  afterEach(() => diag.disable());

  it('writes one warning per interval and counts the ones it held back', () => {
    const warnings: string[] = [];
    const logger: DiagLogger = { error: () => {}, warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.WARN);
    let now = 1_000_000;
    const warn = rateLimitedDiagWarn(10_000, () => now);
    warn('first');
    now += 5_000;
    warn('second');
    warn('third');
    now += 6_000;
    warn('fourth');
    expect(warnings).toEqual(['first', 'fourth (2 similar warnings suppressed in the last 11 s)']);
  });
});
