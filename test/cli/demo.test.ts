import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { runDemo } from '../../src/cli/demo/runDemo.js';
import { bundledDataPath } from '../../src/util/packageRoot.js';
import { silentLogger } from '../../src/util/logger.js';

describe('logtriage demo (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logtriage-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('trains tier 1 at the first start, replays the bundled log through OTLP, and the review API lists triaged incidents', async () => {
    let printed = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed += chunk.toString();
        done();
      },
    });
    const config = configSchema.parse({
      service: { dataDir },
      receivers: { http: { port: 0 }, grpc: { port: 0 } },
      api: { port: 0 },
      sessions: { idleTimeoutMs: 1_000, sweepIntervalMs: 200 },
      pipeline: { learning: { enabled: false } },
    });
    const { summary, stop } = await runDemo(config, {
      logFile: bundledDataPath('synthetic', 'demo.log'),
      labelsFile: bundledDataPath('synthetic', 'demo.labels.csv'),
      trainSessions: 400,
      rate: 0,
      once: true,
      quiet: true,
      out,
      logger: silentLogger(),
    });
    try {
      expect(summary.trainedModel).toBe(true);
      expect(summary.records).toBe(2769);
      expect(summary.injected).toBe(30);
      // Every injected failure is flagged; what else is flagged are templates the short training never saw.
      expect(summary.injectedFlagged).toBeGreaterThanOrEqual(27);
      expect(summary.incidents.every((i) => i.category !== null)).toBe(true);
      const listed = (await (await fetch(`${summary.api}/api/incidents?limit=500`)).json()) as { items: { triage: { status: string } }[] };
      expect(listed.items).toHaveLength(summary.incidents.length);
      expect(listed.items.every((i) => i.triage.status === 'triaged')).toBe(true);
      expect(printed).toMatch(/Review them at http:\/\/127\.0\.0\.1:\d+\//);
      expect(printed).toContain('keyword heuristic');
    } finally {
      await stop();
    }
  }, 120_000);
});
