import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeExportResponse,
  decodeLogsJson,
  decodeLogsProtobuf,
  encodeExportResponse,
  encodeLogsJson,
  encodeLogsProtobuf,
  logEventsOf,
  OtlpDecodeError,
  setRecordAttributes,
  type OtlpAnyValue,
  type OtlpLogsRequest,
} from '../../src/ingest/otlp/index.js';

const TRACE = '0102030405060708090a0b0c0d0e0f10';
const SPAN = 'a1a2a3a4a5a6a7a8';

function request(records: Record<string, unknown>[]): OtlpLogsRequest {
  return {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeLogs: [{ scope: { name: 'app' }, logRecords: records as never }] }],
  };
}

describe('OTLP logs codec', () => {
  it('round-trips a request through protobuf and keeps every field, event_name included', () => {
    const original = request([
      {
        timeUnixNano: '1700000000123456789',
        observedTimeUnixNano: '1700000000200000000',
        severityNumber: 17,
        severityText: 'ERROR',
        body: { stringValue: 'Connection to db-1 timed out after 30 s' },
        attributes: [{ key: 'http.status', value: { intValue: 503 } }],
        traceId: Buffer.from(TRACE, 'hex'),
        spanId: Buffer.from(SPAN, 'hex'),
        eventName: 'db.timeout',
        flags: 1,
      },
    ]);
    const decoded = decodeLogsProtobuf(encodeLogsProtobuf(original));
    const record = decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record.eventName).toBe('db.timeout');
    expect(record.severityText).toBe('ERROR');
    expect(Buffer.from(record.traceId!).toString('hex')).toBe(TRACE);
    const { events, rejected } = logEventsOf(decoded);
    expect(rejected).toBe(0);
    expect(events[0]).toMatchObject({
      body: 'Connection to db-1 timed out after 30 s',
      severityNumber: 17,
      traceId: TRACE,
      spanId: SPAN,
      attributes: { 'http.status': 503 },
      resource: { 'service.name': 'checkout' },
    });
    expect(events[0]!.timestamp).toBeCloseTo(1700000000123.457, 2);
    expect(events[0]!.observedTime).toBeCloseTo(1700000000200, 2);
  });

  it('reads OTLP/JSON with hex ids, int64 as strings or numbers and enum names', () => {
    const text = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: '1700000000000000000', severityNumber: 'SEVERITY_NUMBER_WARN', body: { stringValue: 'a' }, traceId: TRACE, spanId: SPAN, attributes: [{ key: 'n', value: { intValue: '9007199254740993' } }] },
                { timeUnixNano: 1700000001000000000, severityNumber: 9, body: { intValue: 7 } },
              ],
            },
          ],
        },
      ],
    });
    const { events } = logEventsOf(decodeLogsJson(text));
    expect(events.map((e) => [e.body, e.severityNumber, e.traceId])).toEqual([
      ['a', 13, TRACE],
      ['7', 9, undefined],
    ]);
    expect(events[1]!.timestamp).toBe(1700000001000);
  });

  it('writes OTLP/JSON that decodes to the same records, ids in hex', () => {
    const original = request([{ body: { stringValue: 'x' }, attributes: [], traceId: Buffer.from(TRACE, 'hex'), timeUnixNano: '1700000000000000001' }]);
    const json = encodeLogsJson(original);
    expect(json).toContain(`"traceId":"${TRACE}"`);
    expect(json).toContain('"timeUnixNano":"1700000000000000001"');
    expect(logEventsOf(decodeLogsJson(json)).events[0]!.traceId).toBe(TRACE);
  });

  it('refuses what is not a request with OtlpDecodeError', () => {
    const valid = encodeLogsProtobuf(request([{ body: { stringValue: 'hello world' }, attributes: [] }]));
    expect(() => decodeLogsProtobuf(valid.subarray(0, valid.length - 3))).toThrow(OtlpDecodeError);
    expect(() => decodeLogsProtobuf(gzipSync(Buffer.from('not protobuf at all, but gzip')))).toThrow(OtlpDecodeError);
    expect(() => decodeLogsJson('{"resourceLogs": [')).toThrow(/malformed OTLP\/JSON/);
    expect(() => decodeLogsJson('{"resourceLogs": 5}')).toThrow(/resourceLogs must be an array/);
    expect(() => decodeLogsJson(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'zz' }] }] }] }))).toThrow(/traceId must be a hex string/);
    expect(() => decodeLogsJson('[]')).toThrow(OtlpDecodeError);
  });

  it('rejects records with ids of the wrong length or values nested too deep, and keeps the rest', () => {
    let deep: OtlpAnyValue = { stringValue: 'bottom' };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const decoded = decodeLogsProtobuf(
      encodeLogsProtobuf(
        request([
          { body: { stringValue: 'good 1' }, attributes: [] },
          { body: { stringValue: 'bad trace' }, attributes: [], traceId: Buffer.from('0102', 'hex') },
          { body: deep, attributes: [] },
          { body: { stringValue: 'good 2' }, attributes: [], spanId: Buffer.from(SPAN, 'hex') },
        ]),
      ),
    );
    const result = logEventsOf(decoded);
    expect(result.events.map((e) => e.body)).toEqual(['good 1', 'good 2']);
    expect(result.rejected).toBe(2);
    expect(result.reasons.join(' ')).toMatch(/trace id of 2 bytes/);
    expect(result.reasons.join(' ')).toMatch(/nested deeper than 16/);
    expect(result.request.resourceLogs[0]!.scopeLogs[0]!.logRecords).toHaveLength(2);
  });

  it('hands on a capped copy of a 1 MB body for mining and forwards the whole of it', () => {
    const big = 'x'.repeat(1 << 20);
    const decoded = decodeLogsProtobuf(encodeLogsProtobuf(request([{ body: { stringValue: big }, attributes: [] }])));
    const { events, request: kept } = logEventsOf(decoded, { maxBodyChars: 1000 });
    expect(events[0]!.body).toHaveLength(1000);
    expect(decodeLogsProtobuf(encodeLogsProtobuf(kept)).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.body!.stringValue).toHaveLength(1 << 20);
  });

  it('adds or replaces attributes on a decoded record without touching other records', () => {
    const decoded = decodeLogsProtobuf(encodeLogsProtobuf(request([{ body: { stringValue: 'a' } }, { body: { stringValue: 'b' }, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }])));
    const [first, second] = decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    setRecordAttributes(first!, { 'logtriage.template.id': 't1' });
    setRecordAttributes(second!, { k: 'w', 'logtriage.template.id': 't2' });
    const again = logEventsOf(decodeLogsProtobuf(encodeLogsProtobuf(decoded))).events;
    expect(again.map((e) => e.attributes)).toEqual([{ 'logtriage.template.id': 't1' }, { k: 'w', 'logtriage.template.id': 't2' }]);
  });

  it('encodes and reads back partial success in both formats', () => {
    const partial = { rejectedLogRecords: 3, errorMessage: 'trace id of 2 bytes' };
    expect(decodeExportResponse('protobuf', encodeExportResponse('protobuf', partial))).toEqual(partial);
    expect(decodeExportResponse('json', encodeExportResponse('json', partial))).toEqual(partial);
    expect(JSON.parse(encodeExportResponse('json', partial))).toEqual({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'trace id of 2 bytes' } });
    expect(decodeExportResponse('protobuf', encodeExportResponse('protobuf'))).toBeUndefined();
    expect(encodeExportResponse('json')).toBe('{}');
  });
});

describe('logsRequestOf', () => {
  it('turns events into a request that decodes back to the same events, grouped by resource', async () => {
    const { logsRequestOf } = await import('../../src/ingest/otlp/index.js');
    const { makeLogEvent } = await import('../../src/ingest/index.js');
    const events = [
      makeLogEvent({ body: 'a', timestamp: 1_700_000_000_123.5, observedTime: 1_700_000_000_200, severityNumber: 17, severityText: 'ERROR', attributes: { n: 3, f: 1.5, ok: true, list: ['x', 2], map: { k: 'v' } }, resource: { 'service.name': 'api' }, traceId: TRACE, spanId: SPAN }),
      makeLogEvent({ body: 'b', timestamp: 1_700_000_001_000, observedTime: 1_700_000_001_000, resource: { 'service.name': 'db' } }),
      makeLogEvent({ body: 'c', timestamp: 1_700_000_002_000, observedTime: 1_700_000_002_000, resource: { 'service.name': 'api' } }),
    ];
    const request = logsRequestOf(events);
    expect(request.resourceLogs).toHaveLength(2);
    const back = logEventsOf(decodeLogsProtobuf(encodeLogsProtobuf(request))).events;
    expect(back.map((e) => e.body)).toEqual(['a', 'c', 'b']);
    expect(back[0]).toMatchObject({ severityNumber: 17, severityText: 'ERROR', traceId: TRACE, spanId: SPAN, attributes: { n: 3, f: 1.5, ok: true, list: ['x', 2], map: { k: 'v' } }, resource: { 'service.name': 'api' } });
    expect(back[0]!.timestamp).toBeCloseTo(1_700_000_000_123.5, 3);
  });
});
