import { describe, expect, it } from 'vitest';
import { decodeJsonLine, type LogEvent } from '../../src/ingest/index.js';

const NOW = Date.UTC(2026, 0, 1);

function event(line: string): LogEvent {
  const result = decodeJsonLine(line, NOW);
  if (!result.ok) throw new Error(`not decoded: ${result.reason}`);
  return result.event;
}

describe('decodeJsonLine', () => {
  it('reads a pino line: msg, numeric level, epoch-ms time, other fields as attributes', () => {
    const e = event('{"level":50,"time":1700000000123,"pid":4242,"hostname":"web-1","msg":"upstream timed out","req":{"id":7}}');
    expect(e).toEqual({
      timestamp: 1700000000123,
      observedTime: NOW,
      body: 'upstream timed out',
      severityNumber: 17,
      severityText: '',
      attributes: { pid: 4242, hostname: 'web-1', req: { id: 7 } },
      resource: {},
    });
  });

  it('reads an OTel-shaped record with body, severityText, attributes, resource, trace and span ids', () => {
    const e = event(
      JSON.stringify({
        timestamp: '2024-03-01T12:00:00.250Z',
        severityText: 'WARN',
        body: 'cache miss ratio high',
        attributes: { 'cache.name': 'sessions', ratio: 0.7 },
        resource: { 'service.name': 'checkout' },
        traceId: '5B8EFFF798038103D269B633813FC60C',
        spanId: 'eee19b7ec3c1b174',
      }),
    );
    expect(e).toMatchObject({
      timestamp: Date.UTC(2024, 2, 1, 12, 0, 0, 250),
      severityText: 'WARN',
      severityNumber: 13,
      body: 'cache miss ratio high',
      attributes: { 'cache.name': 'sessions', ratio: 0.7 },
      resource: { 'service.name': 'checkout' },
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
    });
  });

  it('reads an ECS / Logstash line with @timestamp, message and log.level', () => {
    const e = event('{"@timestamp":"2024-03-01T12:00:00Z","log.level":"error","message":"payment declined","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}');
    expect(e).toMatchObject({ timestamp: Date.UTC(2024, 2, 1, 12), severityText: 'error', severityNumber: 17, body: 'payment declined', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: {} });
  });

  it("reads a Docker json-file line, dropping the log's trailing newline", () => {
    const e = event('{"log":"GET /healthz 200\\n","stream":"stdout","time":"2024-03-01T12:00:00.123456789Z"}');
    expect(e.body).toBe('GET /healthz 200');
    expect(e.attributes).toEqual({ stream: 'stdout' });
    expect(e.timestamp).toBeCloseTo(Date.UTC(2024, 2, 1, 12) + 123.456789, 3);
  });

  it('reads OTLP/JSON AnyValue bodies and KeyValue attribute lists', () => {
    const e = event(
      JSON.stringify({
        timeUnixNano: '1700000000000000000',
        severityNumber: 9,
        body: { stringValue: 'hello' },
        attributes: [
          { key: 'http.status_code', value: { intValue: '503' } },
          { key: 'retry', value: { boolValue: true } },
        ],
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
      }),
    );
    expect(e).toMatchObject({ timestamp: 1700000000000, severityNumber: 9, body: 'hello', attributes: { 'http.status_code': 503, retry: true }, resource: { 'service.name': 'api' } });
  });

  it('takes epoch seconds in ts and keeps an object body as JSON text', () => {
    const e = event('{"ts":1700000000.5,"body":{"event":"login","user":"ann"}}');
    expect(e.timestamp).toBe(1700000000500);
    expect(e.body).toBe('{"event":"login","user":"ann"}');
  });

  it('keeps the whole line as body when there is no message field', () => {
    const line = '{"event":"login","user":"ann"}';
    expect(event(line)).toMatchObject({ body: line, attributes: { event: 'login', user: 'ann' } });
  });

  it('keeps an unreadable time and an invalid trace id as attributes and uses the observed time', () => {
    const e = event('{"msg":"x","time":"yesterday","traceId":"not-hex","level":"verbose"}');
    expect(e).toMatchObject({ timestamp: NOW, severityText: 'verbose', severityNumber: 1, attributes: { time: 'yesterday', traceId: 'not-hex' } });
    expect(e.traceId).toBeUndefined();
  });

  it('reads a number under level as a pino level and under severity as an OTel number', () => {
    expect(event('{"msg":"x","level":20}').severityNumber).toBe(5);
    expect(event('{"msg":"x","severity":20}').severityNumber).toBe(20);
  });

  it('prefers body over message over msg; the others stay attributes', () => {
    const e = event('{"msg":"third","message":"second","body":"first"}');
    expect(e.body).toBe('first');
    expect(e.attributes).toEqual({ msg: 'third', message: 'second' });
  });

  it('adds the configured resource to every event', () => {
    const result = decodeJsonLine('{"msg":"x","resource":{"host.name":"h1"}}', NOW, { 'service.name': 'svc' });
    expect(result.ok && result.event.resource).toEqual({ 'service.name': 'svc', 'host.name': 'h1' });
  });

  it.each([
    ['{"msg": "unterminated', /^not valid JSON: /],
    ['not json at all', /^not valid JSON: /],
    ['[1,2,3]', /^expected a JSON object, found an array$/],
    ['"just a string"', /^expected a JSON object, found a string$/],
    ['null', /^expected a JSON object, found null$/],
  ])('reports %s as malformed instead of throwing', (line, reason) => {
    const result = decodeJsonLine(line, NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
