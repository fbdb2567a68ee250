/**
 * A small "shop" service that logs through the OpenTelemetry logs SDK with logtriage in its log
 * pipeline. It serves a few requests, one of which fails in a way it never failed before, and
 * logtriage emits a `logtriage.anomaly` record for that request's trace.
 *
 *   npx tsx plugins/otel-sdk/example/app.ts
 *       no model yet: the pipeline learns from 60 warm-up requests first (learning mode), then
 *       detects; records go to the console.
 *   LOGTRIAGE_DATA_DIR=.logtriage npx tsx plugins/otel-sdk/example/app.ts
 *       uses the active model of that data directory (trained with `logtriage train`).
 *   OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://localhost:4318/v1/logs npx tsx plugins/otel-sdk/example/app.ts
 *       exports over OTLP/HTTP instead of printing.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { Pipeline } from '../../../src/pipeline/index.js';
import { LogtriageLogRecordProcessor } from '../src/index.js';

const dataDir = process.env.LOGTRIAGE_DATA_DIR;

// 1. The pipeline. With a data directory it loads the active tier-1 model (and the template
//    snapshot) from it; without one it starts in learning mode and trains on what it sees.
const pipeline = new Pipeline({
  config: {
    ...(dataDir ? { service: { dataDir } } : {}),
    // Requests are short: a trace's session closes after 300 ms without a log line.
    sessions: { idleTimeoutMs: 300, sweepIntervalMs: 100 },
    pipeline: { learning: { sessions: 60, minSessions: 20, maxTrainSeconds: 60 }, incidents: { sink: 'memory' } },
  },
  persist: dataDir !== undefined,
});
await pipeline.start();

// 2. The provider: logtriage FIRST, the exporting processor after it, so the exported records
//    carry `logtriage.template.id` and `logtriage.template`.
const logtriage = new LogtriageLogRecordProcessor({ pipeline });
const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
const exporting: LogRecordProcessor = otlpEndpoint
  ? new BatchLogRecordProcessor({ exporter: new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter({ url: otlpEndpoint }) })
  : new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() });
let warmingUp = pipeline.status().mode === 'learning';
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'shop' }),
  processors: [logtriage, quietWhile(() => warmingUp, exporting)],
});
// The provider is built from the processors, so logtriage learns of it afterwards.
logtriage.setLoggerProvider(provider);

const logger = provider.getLogger('shop-api', '1.0.0');

if (warmingUp) {
  process.stderr.write('no tier-1 model: learning from 60 warm-up requests…\n');
  for (let n = 0; n < 60; n++) serve(logger, n, n % 3 === 0 ? 'cached' : 'ok');
  while (pipeline.status().mode !== 'detecting') {
    const status = pipeline.status();
    if (status.mode !== 'learning' && status.mode !== 'training') throw new Error(`learning did not finish: ${status.detail ?? status.mode}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  process.stderr.write(`model trained (threshold ${pipeline.status().threshold?.toFixed(2)}); serving requests\n`);
  warmingUp = false;
}

// 3. The demo: five requests, the fourth fails unusually.
for (let n = 100; n < 105; n++) serve(logger, n, n === 103 ? 'pool-exhausted' : n % 3 === 0 ? 'cached' : 'ok');

// 4. Shut down in this order: logtriage first (it closes the open sessions and scores them, so
//    their anomaly records are exported), then the provider, then the pipeline.
await logtriage.shutdown();
await provider.shutdown();
await pipeline.dispose();
process.stderr.write(`logtriage: ${JSON.stringify(logtriage.stats)}\n`);

/** Logs one request in its own trace, as instrumented request handling would. */
function serve(log: Logger, n: number, outcome: 'ok' | 'cached' | 'pool-exhausted'): void {
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED });
  const info = (body: string): void => log.emit({ body, severityNumber: SeverityNumber.INFO, severityText: 'INFO', context, attributes: { 'http.route': '/api/items/:id' } });
  info(`GET /api/items/${n} from 10.0.0.${n % 250}`);
  if (outcome === 'cached') info(`cache hit for key item:${n}`);
  else info(`cache miss for key item:${n}`);
  if (outcome === 'ok') info(`query items took ${n % 40} ms`);
  if (outcome === 'pool-exhausted') {
    log.emit({ body: `database pool exhausted, waited ${n * 10} ms for a connection`, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', context });
    info(`response 503 in ${n * 10} ms`);
    return;
  }
  info(`response 200 in ${n % 90} ms`);
}

/** Passes records to `next` except while `quiet()` holds: keeps the warm-up traffic off the console. */
function quietWhile(quiet: () => boolean, next: LogRecordProcessor): LogRecordProcessor {
  return {
    onEmit: (record, context) => {
      if (!quiet()) next.onEmit(record, context);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
