import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../../src/util/packageRoot.js';

interface CollectorConfig {
  receivers: Record<string, { protocols: Record<string, { endpoint: string }> }>;
  processors: Record<string, unknown>;
  exporters: Record<string, Record<string, unknown>>;
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

function example(name: string): CollectorConfig {
  return parse(readFileSync(join(packageRoot(), 'plugins', 'otel-collector', 'examples', name), 'utf8')) as CollectorConfig;
}

describe('example collector configs', () => {
  for (const name of ['collector-roundtrip.yaml', 'collector-load-balancing.yaml']) {
    it(`${name}: every pipeline names defined components, and annotated records never go back to logtriage`, () => {
      const config = example(name);
      for (const pipeline of Object.values(config.service.pipelines)) {
        for (const r of pipeline.receivers) expect(config.receivers, r).toHaveProperty([r]);
        for (const p of pipeline.processors) expect(config.processors, p).toHaveProperty([p]);
        for (const e of pipeline.exporters) expect(config.exporters, e).toHaveProperty([e]);
      }
      const toLogtriage = Object.keys(config.exporters).filter((e) => e !== 'debug');
      expect(config.service.pipelines['logs/annotated']?.exporters.some((e) => toLogtriage.includes(e))).toBe(false);
      expect(config.service.pipelines['logs/annotated']?.receivers).toEqual(['otlp/annotated']);
    });
  }

  it('round trip: otlphttp to logtriage on 4318 with a compression logtriage accepts', () => {
    const exporter = example('collector-roundtrip.yaml').exporters['otlphttp/logtriage']!;
    expect(exporter.endpoint).toMatch(/:4318$/);
    expect(['gzip', 'none']).toContain(exporter.compression);
    expect(exporter.encoding).toBe('proto');
  });

  it('load balancing: attribute routing over three replicas on 4317', () => {
    const exporter = example('collector-load-balancing.yaml').exporters.loadbalancing as {
      routing_key: string;
      routing_attributes: string[];
      resolver: { static: { hostnames: string[] } };
    };
    expect(exporter.routing_key).toBe('attributes');
    expect(exporter.routing_attributes).toEqual(['session.id']);
    expect(exporter.resolver.static.hostnames).toHaveLength(3);
    for (const host of exporter.resolver.static.hostnames) expect(host).toMatch(/:4317$/);
  });
});
