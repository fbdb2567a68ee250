import { SeverityNumber } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { ANOMALY_ATTRIBUTES, anomalyBody, anomalyLogRecord } from '../../../plugins/otel-sdk/src/anomalyRecord.js';
import { ANOMALY_EVENT_NAME } from '../../../plugins/otel-sdk/src/index.js';
import { makeAnomaly } from './fakePipeline.js';

describe('anomalyLogRecord', () => {
  it('is a WARN event record with a one-line body and the anomaly attributes', () => {
    const record = anomalyLogRecord(makeAnomaly({ service: undefined }));
    expect(record).toEqual({
      eventName: ANOMALY_EVENT_NAME,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'logtriage: anomalous session 4bf92f3577b34da6a3ce929d0e0e4736 (score 12.3 > threshold 7.1, 2 events), incident inc-1',
      attributes: {
        [ANOMALY_ATTRIBUTES.score]: 12.34,
        [ANOMALY_ATTRIBUTES.threshold]: 7.08,
        [ANOMALY_ATTRIBUTES.sessionKey]: '4bf92f3577b34da6a3ce929d0e0e4736',
        [ANOMALY_ATTRIBUTES.sessionEvents]: 2,
        [ANOMALY_ATTRIBUTES.incidentId]: 'inc-1',
        [ANOMALY_ATTRIBUTES.modelVersion]: 'lstm-20250101T000000Z',
      },
    });
  });

  it('keeps the body on one line and short when the session key is hostile log content', () => {
    const body = anomalyBody(makeAnomaly({ sessionKey: `user\nFAKE: all good\r\u2028${'k'.repeat(500)}`, service: 'api' }));
    expect(body).not.toMatch(/[\n\r\u2028]/);
    expect(body).toMatch(/^logtriage: anomalous session user FAKE: all good k+… of api \(score/);
    expect(body.length).toBeLessThan(260);
  });

  it('says so when the incident could not be stored (empty id) and leaves the id attribute out', () => {
    const record = anomalyLogRecord(makeAnomaly({ incidentId: '', score: Infinity }));
    expect(record.body).toMatch(/\(score Infinity > threshold 7\.1, 2 events\), incident not stored$/);
    expect(record.attributes?.[ANOMALY_ATTRIBUTES.incidentId]).toBeUndefined();
  });
});
