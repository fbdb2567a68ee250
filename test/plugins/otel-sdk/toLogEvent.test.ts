import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyText, hrTimeToMs, resourceAttributes, toAttributes } from '../../../plugins/otel-sdk/src/toLogEvent.js';

describe('bodyText', () => {
  it('gives the miner a string for every kind of body', () => {
    expect(bodyText('disk /dev/sda1 is 91% full')).toBe('disk /dev/sda1 is 91% full');
    expect(bodyText(undefined)).toBe('');
    expect(bodyText(null)).toBe('');
    expect(bodyText(42)).toBe('42');
    expect(bodyText(false)).toBe('false');
    expect(bodyText(new Uint8Array(12))).toBe('<12 bytes>');
    expect(bodyText({ msg: 'login failed', user: 'bob', raw: new Uint8Array(3) })).toBe('{"msg":"login failed","user":"bob","raw":"<3 bytes>"}');
    expect(bodyText(['a', 1, { b: true }])).toBe('["a",1,{"b":true}]');
  });

  it('cuts long bodies, strings and JSON alike, to maxChars', () => {
    expect(bodyText('y'.repeat(100), 10)).toBe('y'.repeat(10));
    expect(bodyText({ text: 'z'.repeat(100) }, 12)).toBe('{"text":"zzz');
    expect(bodyText('a'.repeat(20_000))).toHaveLength(16_384);
  });

  it('survives a cyclic body', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(bodyText(cyclic as never)).toBe('[unserialisable body]');
  });
});

describe('hrTimeToMs', () => {
  it('keeps sub-millisecond precision', () => {
    expect(hrTimeToMs([1_700_000_000, 123_456_789])).toBeCloseTo(1_700_000_000_123.4568, 3);
  });
});

describe('toAttributes', () => {
  it('copies attributes, turning bytes into a size and leaving out undefined values', () => {
    const source = { 'http.method': 'GET', status: 200, ok: true, none: null, gone: undefined, tags: ['a', new Uint8Array(2)], nested: { k: new Uint8Array(1) } };
    const copy = toAttributes(source);
    expect(copy).toEqual({ 'http.method': 'GET', status: 200, ok: true, none: null, tags: ['a', '<2 bytes>'], nested: { k: '<1 bytes>' } });
    source['http.method'] = 'POST';
    expect(copy['http.method']).toBe('GET');
  });
});

describe('resourceAttributes', () => {
  const errors: string[] = [];
  afterEach(() => {
    diag.disable();
    errors.length = 0;
  });

  it('reads settled attributes of a resource whose async detectors are pending, without the SDK error', async () => {
    const logger: DiagLogger = { error: (m) => errors.push(m), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    let settle: (value: string) => void = () => {};
    const pending = new Promise<string>((resolve) => (settle = resolve));
    const resource = resourceFromAttributes({ 'service.name': 'shop', 'host.id': pending });
    expect(resource.asyncAttributesPending).toBe(true);
    expect(resourceAttributes(resource)).toEqual({ 'service.name': 'shop' });
    expect(errors).toEqual([]);

    settle('h-1');
    await resource.waitForAsyncAttributes?.();
    expect(resourceAttributes(resource)).toEqual({ 'service.name': 'shop', 'host.id': 'h-1' });
    // Settled resources are converted once.
    expect(resourceAttributes(resource)).toBe(resourceAttributes(resource));
  });
});
