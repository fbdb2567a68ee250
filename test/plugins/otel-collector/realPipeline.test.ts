import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPLogExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../../src/pipeline/Pipeline.js';
import { TEMPLATE_ATTRIBUTE, TEMPLATE_ID_ATTRIBUTE } from '../../../src/pipeline/types.js';
import { OtlpHttpForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';
import { OtlpGrpcReceiver } from '../../../plugins/otel-collector/src/OtlpGrpcReceiver.js';
import { OtlpHttpReceiver } from '../../../plugins/otel-collector/src/OtlpHttpReceiver.js';
import { Downstream, attribute } from './helpers.js';
import { sdkClient } from './sdkClients.js';

// Real HDFS-style lines (Loghub HDFS_2k), two templates with variable block ids, sizes and hosts.
const LINES = [
  'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010',
  'Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: /10.251.215.16:50010',
  'PacketResponder 1 for block blk_-1608999687919862906 terminating',
  'Receiving block blk_-3544583377289625738 src: /10.250.19.102:39325 dest: /10.250.19.102:50010',
  'PacketResponder 0 for block blk_7503483334202473044 terminating',
  'PacketResponder 2 for block blk_-3544583377289625738 terminating',
];

async function ingested(registry: Registry): Promise<number> {
  const values = (await registry.getSingleMetric('logtriage_events_ingested_total')?.get())?.values ?? [];
  return values.reduce((n, v) => n + v.value, 0);
}

describe('the receivers with the real Pipeline (mining only, no model)', () => {
  let dataDir: string;
  let pipeline: Pipeline;
  let registry: Registry;
  let downstream: Downstream;
  const cleanup: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'logtriage-otel-collector-'));
    registry = new Registry();
    pipeline = new Pipeline({
      config: { service: { dataDir }, scoring: { backend: 'cpu' }, pipeline: { learning: { enabled: false }, incidents: { sink: 'memory' } } },
      registry,
      persist: false,
    });
    await pipeline.start();
    downstream = new Downstream();
    await downstream.start();
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await downstream.stop();
    await pipeline.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('annotates records from the proto exporter (HTTP) and the gRPC exporter with mined templates', async () => {
    const forwarder = new OtlpHttpForwarder({ endpoint: downstream.url, registry });
    const http = new OtlpHttpReceiver({ pipeline, forwarder, port: 0, registry });
    const grpc = new OtlpGrpcReceiver({ pipeline, forwarder, port: 0, registry });
    await http.start();
    await grpc.start();
    cleanup.push(
      () => forwarder.dispose(),
      () => http.close(),
      () => grpc.close(),
    );
    const viaHttp = sdkClient(new OtlpProtoExporter({ url: `${http.url}/v1/logs` }), 'hdfs');
    const viaGrpc = sdkClient(new OtlpGrpcExporter({ url: `http://${grpc.address}` }), 'hdfs');
    cleanup.push(
      () => viaHttp.shutdown(),
      () => viaGrpc.shutdown(),
    );
    for (const line of LINES.slice(0, 3)) viaHttp.emit(line);
    await viaHttp.flush();
    for (const line of LINES.slice(3)) viaGrpc.emit(line);
    await viaGrpc.flush();

    const records = downstream.records();
    expect(records.map((r) => r.body?.stringValue)).toEqual(LINES);
    const ids = records.map((r) => attribute(r, TEMPLATE_ID_ATTRIBUTE));
    expect(ids.every((id) => typeof id === 'string' && id !== '' && id !== 'empty')).toBe(true);
    // Same template across transports: "Receiving block …" lines share one id, "PacketResponder …" another.
    expect(new Set([ids[0], ids[1], ids[3]]).size).toBe(1);
    expect(new Set([ids[2], ids[4], ids[5]]).size).toBe(1);
    expect(ids[0]).not.toBe(ids[2]);
    const template = attribute(records[5]!, TEMPLATE_ATTRIBUTE) ?? '';
    expect(template).toContain('PacketResponder');
    expect(template).toContain('<*>');
    expect(template).not.toContain('blk_-3544583377289625738');
    expect(await ingested(registry)).toBe(LINES.length);
  });
});
