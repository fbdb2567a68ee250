import { describe, expect, it } from 'vitest';
import { makeLogEvent, type Attributes, type AttributeValue, type LogEvent } from '../../src/ingest/LogEvent.js';
import {
  AttributeKeyExtractor,
  CountWindowKeyExtractor,
  createKeyExtractor,
  RegexKeyExtractor,
  TimeWindowKeyExtractor,
  TraceIdKeyExtractor,
} from '../../src/sessions/index.js';
import { ConfigError } from '../../src/util/errors.js';

// Message parts of HDFS_v1 (Loghub) lines; ASK_DELETE follows the format of the NameNode's
// "ask … to delete" lines, with one block repeated to exercise de-duplication.
const RECEIVING = 'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010';
const ADD_STORED = 'BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.250.10.6:50010 is added to blk_-1608999687919862906 size 91178';
const ASK_DELETE = 'BLOCK* ask 10.250.11.85:50010 to delete  blk_-1608999687919862906 blk_7503483334202473044 blk_-1608999687919862906';
const BLOCK_REGEX = String.raw`blk_-?\d+`;

function event(body: string, fields: Partial<LogEvent> = {}): LogEvent {
  return makeLogEvent({ timestamp: 1_000, ...fields, body });
}

const ids = (keys: readonly { id: string }[]): string[] => keys.map((key) => key.id);

describe('TraceIdKeyExtractor', () => {
  it('keys an event by its trace id', () => {
    const extractor = new TraceIdKeyExtractor();
    expect(ids(extractor.keys(event('x', { traceId: '5b8efff798038103d269b633813fc60c' })))).toEqual(['5b8efff798038103d269b633813fc60c']);
  });

  it('gives no key to events without a trace id or with the all-zero id', () => {
    const extractor = new TraceIdKeyExtractor();
    expect(extractor.keys(event('x'))).toEqual([]);
    expect(extractor.keys(event('x', { traceId: '00000000000000000000000000000000' }))).toEqual([]);
  });
});

describe('AttributeKeyExtractor', () => {
  it('keys by a record attribute, turning numbers and booleans into strings', () => {
    const extractor = new AttributeKeyExtractor('attribute', 'user.id');
    expect(ids(extractor.keys(event('login', { attributes: { 'user.id': 'u-42' } })))).toEqual(['u-42']);
    expect(ids(extractor.keys(event('login', { attributes: { 'user.id': 42 } })))).toEqual(['42']);
    expect(extractor.spec).toBe('attribute:user.id');
  });

  it('keys by a resource attribute and ignores a record attribute of the same name', () => {
    const extractor = new AttributeKeyExtractor('resource', 'k8s.pod.name');
    const pod = event('started', { resource: { 'k8s.pod.name': 'checkout-7d9f' }, attributes: { 'k8s.pod.name': 'other' } });
    expect(ids(extractor.keys(pod))).toEqual(['checkout-7d9f']);
  });

  it('gives no key for a missing, empty, null, list or map value', () => {
    const extractor = new AttributeKeyExtractor('attribute', 'user.id');
    const values: (AttributeValue | undefined)[] = [undefined, '', null, ['a'], { a: 1 }];
    for (const value of values) {
      const attributes: Attributes = value === undefined ? {} : { 'user.id': value };
      expect(extractor.keys(event('x', { attributes }))).toEqual([]);
    }
  });
});

describe('RegexKeyExtractor', () => {
  it('finds the HDFS block id in a DataNode line', () => {
    const extractor = new RegexKeyExtractor(BLOCK_REGEX);
    expect(ids(extractor.keys(event(RECEIVING)))).toEqual(['blk_-1608999687919862906']);
    expect(ids(extractor.keys(event(ADD_STORED)))).toEqual(['blk_-1608999687919862906']);
  });

  it('returns every block a line names, each once', () => {
    const extractor = new RegexKeyExtractor(BLOCK_REGEX);
    expect(ids(extractor.keys(event(ASK_DELETE)))).toEqual(['blk_-1608999687919862906', 'blk_7503483334202473044']);
  });

  it('uses the first capture group when the pattern has one', () => {
    const extractor = new RegexKeyExtractor(String.raw`blk_(-?\d+)`);
    expect(ids(extractor.keys(event(RECEIVING)))).toEqual(['-1608999687919862906']);
  });

  it('gives no key to a line without a match', () => {
    expect(new RegexKeyExtractor(BLOCK_REGEX).keys(event('Verification succeeded for nothing'))).toEqual([]);
  });

  it('stops after maxKeys distinct ids', () => {
    const body = Array.from({ length: 50 }, (_, i) => `blk_${i}`).join(' ');
    expect(ids(new RegexKeyExtractor(BLOCK_REGEX, 3).keys(event(body)))).toEqual(['blk_0', 'blk_1', 'blk_2']);
  });

  it('skips zero-width matches instead of looping on them', () => {
    expect(new RegexKeyExtractor(String.raw`\b`).keys(event('two words'))).toEqual([]);
  });

  it('rejects a pattern that does not compile, or that matches the empty string, with a ConfigError', () => {
    expect(() => new RegexKeyExtractor('blk_(')).toThrowError(ConfigError);
    expect(() => new RegexKeyExtractor('blk_(')).toThrowError(/"regex:blk_\(" is not a valid regular expression/);
    expect(() => new RegexKeyExtractor(String.raw`\d*`)).toThrowError(/matches the empty string/);
  });
});

describe('TimeWindowKeyExtractor', () => {
  it('keys a tumbling window by service and epoch-aligned window start', () => {
    const extractor = new TimeWindowKeyExtractor(60_000);
    const keys = extractor.keys(event('x', { resource: { 'service.name': 'checkout' } }), 1_700_000_065_000);
    expect(keys).toEqual([{ id: 'checkout@1700000040000', service: 'checkout', windowStart: 1_700_000_040_000, windowEnd: 1_700_000_100_000 }]);
  });

  it('puts an event in every sliding window that covers it, oldest first', () => {
    const extractor = new TimeWindowKeyExtractor(10_000, 5_000);
    expect(ids(extractor.keys(event('x', { resource: { 'service.name': 'api' } }), 17_000))).toEqual(['api@10000', 'api@15000']);
    // A window covers [start, start + size): an event exactly at a start is in that window, not the one ending there.
    expect(ids(extractor.keys(event('x', { resource: { 'service.name': 'api' } }), 15_000))).toEqual(['api@10000', 'api@15000']);
    expect(ids(new TimeWindowKeyExtractor(10_000, 3_000).keys(event('x'), 10_000))).toEqual(['unknown_service@3000', 'unknown_service@6000', 'unknown_service@9000']);
  });

  it('rejects a slide larger than the window, which would leave events in no window', () => {
    expect(() => new TimeWindowKeyExtractor(1_000, 2_000)).toThrowError(ConfigError);
    expect(() => new TimeWindowKeyExtractor(0)).toThrowError(/0 < slideMs <= windowMs/);
  });

  it('names events without service.name unknown_service', () => {
    expect(ids(new TimeWindowKeyExtractor(1_000).keys(event('x'), 2_500))).toEqual(['unknown_service@2000']);
  });
});

describe('CountWindowKeyExtractor', () => {
  it('keys by service and carries the window size', () => {
    expect(new CountWindowKeyExtractor(5).keys(event('x', { resource: { 'service.name': 'db' } }))).toEqual([{ id: 'db', service: 'db', windowCount: 5 }]);
  });

  it('rejects a window of fewer than one event', () => {
    expect(() => new CountWindowKeyExtractor(0)).toThrowError(/at least 1, found 0/);
  });
});

describe('createKeyExtractor', () => {
  it('builds the extractor each key spec names', () => {
    expect(createKeyExtractor()).toBeInstanceOf(TraceIdKeyExtractor);
    expect(createKeyExtractor({ key: 'attribute:user.id' }).spec).toBe('attribute:user.id');
    expect(createKeyExtractor({ key: 'resource:k8s.pod.name' }).spec).toBe('resource:k8s.pod.name');
    expect(createKeyExtractor({ key: `regex:${BLOCK_REGEX}` })).toBeInstanceOf(RegexKeyExtractor);
    expect(createKeyExtractor({ key: 'window', windowMs: 10_000, slideMs: 5_000 }).keys(event('x'), 12_000)).toHaveLength(2);
    expect(createKeyExtractor({ key: 'count', countWindow: 7 }).keys(event('x'), 0)[0]?.windowCount).toBe(7);
  });

  it('rejects an unknown key spec with a ConfigError that lists the valid forms', () => {
    expect(() => createKeyExtractor({ key: 'trace_id' })).toThrowError(ConfigError);
    expect(() => createKeyExtractor({ key: 'trace_id' })).toThrowError(/sessions\.key: unknown session key "trace_id"; expected `traceId`, `attribute:<name>`/);
  });

  it('rejects an attribute or resource key without a name', () => {
    expect(() => createKeyExtractor({ key: 'attribute:' })).toThrowError(/names no attribute; write attribute:<name>/);
    expect(() => createKeyExtractor({ key: 'resource:' })).toThrowError(/names no resource/);
  });

  it('rejects an invalid regex key', () => {
    expect(() => createKeyExtractor({ key: 'regex:[blk' })).toThrowError(/sessions\.key: .*not a valid regular expression/);
    expect(() => createKeyExtractor({ key: 'regex:' })).toThrowError(/has no pattern/);
  });
});
