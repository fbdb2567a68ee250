import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../src/synthetic/flows.js';
import { Random } from '../../src/synthetic/random.js';
import { RequestBuilder, type RequestPlan } from '../../src/synthetic/RequestBuilder.js';
import { buildTopology } from '../../src/synthetic/topology.js';
import { ANOMALY_CATEGORIES, LEVELS } from '../../src/synthetic/types.js';

const topology = buildTopology(10, new Random(1));

function run(flow: (typeof FLOWS)[number], seed: number, fault?: RequestPlan['fault']): RequestBuilder {
  const b = new RequestBuilder({
    rng: new Random(seed),
    topology,
    languageOf: () => 'en',
    start: Date.UTC(2025, 0, 1),
    requestId: 'r',
    traceId: 'a'.repeat(32),
    clientIp: '203.0.113.9',
    ...(fault ? { fault } : {}),
    control: false,
  });
  flow.run(b);
  return b;
}

describe('RequestBuilder', () => {
  it('injects a failure into a request that was normal up to the failure line', () => {
    let checked = 0;
    for (const flow of FLOWS) {
      for (const category of ANOMALY_CATEGORIES) {
        for (let seed = 0; seed < 8; seed++) {
          const normal = run(flow, seed);
          const probe = run(flow, seed, { category, at: -1 });
          for (let at = 0; at < probe.eligibleSites; at++) {
            const failed = run(flow, seed, { category, at });
            const index = failed.failureIndex ?? -1;
            expect(index).toBeGreaterThanOrEqual(0);
            expect(failed.lines.slice(0, index)).toEqual(normal.lines.slice(0, index));
            expect(failed.lines[index]?.severityNumber).toBeGreaterThanOrEqual(LEVELS.WARN);
            expect(failed.lines.map((l) => l.body)).not.toEqual(normal.lines.map((l) => l.body));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('writes no failure when none is planned and only counts the sites when probing', () => {
    const flow = FLOWS.find((f) => f.name === 'place_order');
    if (!flow) throw new Error('place_order flow missing');
    const probe = run(flow, 3, { category: 'database_error', at: -1 });
    expect(probe.failureIndex).toBeNull();
    expect(probe.eligibleSites).toBeGreaterThan(0);
    expect(probe.siteKinds.every((kind) => kind === 'db')).toBe(true);
    expect(probe.lines).toEqual(run(flow, 3).lines);
  });
});
