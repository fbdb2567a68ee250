import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseSessionKeySpec, parseSessionsConfig, sessionsConfigSchema } from '../../src/config/sessions.js';
import { ConfigError } from '../../src/util/errors.js';

describe('sessionsConfigSchema', () => {
  it('gives every field but slideMs a default, and every field a description', () => {
    const config = parseSessionsConfig();
    expect(config).toEqual({
      key: 'traceId',
      windowMs: 60_000,
      countWindow: 100,
      idleTimeoutMs: 30_000,
      maxEvents: 1000,
      maxDurationMs: 300_000,
      timeSource: 'processing',
      allowedLatenessMs: 5_000,
      maxOpenSessions: 100_000,
      maxKeysPerEvent: 16,
      sweepIntervalMs: 1_000,
    });
    for (const [name, field] of Object.entries(sessionsConfigSchema.shape)) {
      expect(field.description, name).toMatch(/\w/);
    }
  });

  it('is the sessions section of the whole configuration', () => {
    const config = loadConfig({ env: { LOGTRIAGE_SESSIONS__KEY: 'regex:blk_-?\\d+', LOGTRIAGE_SESSIONS__IDLE_TIMEOUT_MS: '60000' } });
    expect(config.sessions.key).toBe('regex:blk_-?\\d+');
    expect(config.sessions.idleTimeoutMs).toBe(60_000);
  });

  it('rejects an invalid regex key at parse time with a clear message', () => {
    expect(() => loadConfig({ env: {}, assignments: ['sessions.key=regex:blk_(\\d+'] })).toThrowError(ConfigError);
    expect(() => loadConfig({ env: {}, assignments: ['sessions.key=regex:blk_(\\d+'] })).toThrowError(
      /sessions\.key: session key "regex:blk_\(\\d\+" is not a valid regular expression .*\(from --set\)/,
    );
  });

  it('rejects a sliding window with gaps or with too many windows per event', () => {
    expect(() => parseSessionsConfig({ key: 'window', windowMs: 10_000, slideMs: 20_000 })).toThrowError(/sessions\.slideMs: slideMs \(20000\) is larger than windowMs/);
    expect(() => parseSessionsConfig({ key: 'window', windowMs: 60_000, slideMs: 1_000 })).toThrowError(/belongs to 60 windows, more than maxKeysPerEvent \(16\)/);
    expect(parseSessionsConfig({ key: 'window', windowMs: 60_000, slideMs: 1_000, maxKeysPerEvent: 60 }).slideMs).toBe(1_000);
  });

  it('names unknown fields and out-of-range values', () => {
    expect(() => parseSessionsConfig({ idleTimeout: 5 } as never)).toThrowError(/sessions\.idleTimeout: unknown field/);
    expect(() => parseSessionsConfig({ maxEvents: 0 })).toThrowError(/sessions\.maxEvents: /);
    expect(() => parseSessionsConfig({ timeSource: 'wall' as never })).toThrowError(/sessions\.timeSource: /);
  });
});

describe('parseSessionKeySpec', () => {
  it('parses every documented form', () => {
    expect(parseSessionKeySpec('traceId')).toEqual({ spec: { kind: 'traceId' } });
    expect(parseSessionKeySpec('attribute:user.id')).toEqual({ spec: { kind: 'attribute', name: 'user.id' } });
    expect(parseSessionKeySpec('resource:k8s.pod.name')).toEqual({ spec: { kind: 'resource', name: 'k8s.pod.name' } });
    expect(parseSessionKeySpec('regex:req=(\\w+):x')).toEqual({ spec: { kind: 'regex', pattern: 'req=(\\w+):x' } });
    expect(parseSessionKeySpec('window')).toEqual({ spec: { kind: 'window' } });
    expect(parseSessionKeySpec('count')).toEqual({ spec: { kind: 'count' } });
  });

  it('explains what is wrong with an unusable spec', () => {
    expect(parseSessionKeySpec('TraceID')).toEqual({ problem: expect.stringMatching(/unknown session key "TraceID"; expected `traceId`/) });
    expect(parseSessionKeySpec('regex:a?')).toEqual({ problem: expect.stringMatching(/matches the empty string/) });
  });
});
