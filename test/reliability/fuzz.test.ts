import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzTarget, startFuzzService, type FuzzFigures, type FuzzService } from '../../bench/reliability/fuzz.js';

/** Fixed seed and budget: the same 2,000 cases per target on every run. */
const SEED = 20_261_123;
const CASES = 2_000;

function summary(figures: FuzzFigures): string {
  return JSON.stringify({ statuses: figures.statuses, failures: figures.failures.slice(0, 5) }, null, 2);
}

describe('fuzzing the receivers and the API (logtriage serve in-process, real SQLite store)', () => {
  let service: FuzzService;
  const processErrors: unknown[] = [];
  const onError = (error: unknown): void => {
    processErrors.push(error);
  };

  beforeAll(async () => {
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    service = await startFuzzService();
  });

  afterAll(async () => {
    await service.close();
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  });

  it('OTLP/HTTP: mutated protobuf and JSON bodies, gzip or not, are answered 200/400/413/415 in the declared format, and valid requests still pass', async () => {
    const figures = await fuzzTarget(service, 'otlp-http', { cases: CASES, seed: SEED, timeoutMs: 10_000 });
    expect(figures.failures, summary(figures)).toEqual([]);
    expect(figures.validRefused).toBe(0);
    expect(figures.validChecks).toBeGreaterThan(1);
    // The generator reaches every class of answer: accepted, malformed, too large, wrong type.
    for (const status of ['200', '400', '413', '415']) expect(figures.statuses[status], summary(figures)).toBeGreaterThan(0);
    expect(service.downstreamUndecodable()).toBe(0);
    expect(processErrors).toEqual([]);
  }, 120_000);

  it('OTLP/gRPC: arbitrary bytes to LogsService/Export are answered OK, INVALID_ARGUMENT or RESOURCE_EXHAUSTED, and valid calls still pass', async () => {
    const figures = await fuzzTarget(service, 'otlp-grpc', { cases: CASES, seed: SEED, timeoutMs: 10_000 });
    expect(figures.failures, summary(figures)).toEqual([]);
    expect(figures.validRefused).toBe(0);
    for (const status of ['OK', 'INVALID_ARGUMENT']) expect(figures.statuses[status], summary(figures)).toBeGreaterThan(0);
    expect(service.downstreamUndecodable()).toBe(0);
    expect(processErrors).toEqual([]);
  }, 120_000);

  it('API: random paths, query strings, methods and review bodies get 2xx/4xx answers, every error in the one JSON shape, and the API still lists incidents', async () => {
    const figures = await fuzzTarget(service, 'api', { cases: CASES, seed: SEED, timeoutMs: 10_000 });
    expect(figures.failures, summary(figures)).toEqual([]);
    expect(figures.validRefused).toBe(0);
    for (const status of ['200', '400', '404', '405']) expect(figures.statuses[status], summary(figures)).toBeGreaterThan(0);
    expect(processErrors).toEqual([]);
  }, 120_000);
});
