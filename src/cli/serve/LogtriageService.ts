import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { assertListenAllowed, createApiApp } from '../../api/index.js';
import type { StoredIncident, TriageResult } from '../../incidents/index.js';
import type { Anomaly } from '../../pipeline/index.js';
import { createTriager, loadTaxonomy, TriageWorker, type Triager } from '../../triage/index.js';
import { createWebHandler } from '../../web/index.js';
import { AnomalyPublisher, createForwarder, OtlpGrpcReceiver, OtlpHttpReceiver, type LogForwarder } from '../../../plugins/otel-collector/src/index.js';
import type { Config } from '../../config/index.js';
import type { IncidentSink } from '../../incidents/index.js';
import { opsRoutes, Pipeline } from '../../pipeline/index.js';
import type { SequenceScorer } from '../../scoring/index.js';
import { silentLogger, type Logger } from '../../util/logger.js';

/** What {@link LogtriageService} is built from besides the config. */
export interface LogtriageServiceOptions {
  logger?: Logger;
  /** Tier-1 model to use instead of the configured or active one (tests, benchmarks). */
  scorer?: SequenceScorer;
  /** Incident sink instead of the configured one. */
  sink?: IncidentSink;
  /** Persist templates, learned models and JSONL incidents under `service.dataDir`. Default true. */
  persist?: boolean;
  /**
   * Tier-2 backend for the triage worker instead of the one `triage.*` configures (tests: a backend
   * with settings config cannot express). The caller keeps ownership (it is not disposed).
   */
  triager?: Triager;
}

/** Where a started service listens. */
export interface ServiceAddresses {
  /** OTLP/HTTP base URL (`/v1/logs`, and `/metrics`, `/healthz`, `/readyz`), when enabled. */
  http?: string;
  /** OTLP/gRPC `host:port`, when enabled. */
  grpc?: string;
  /** The explanation API and the review page, when enabled and the incident store is in use. */
  api?: string;
  /** The tier-2 backend the triage worker uses, when it runs. */
  triage?: string;
}

/**
 * `logtriage serve` as an object: the pipeline, the OTLP receivers (HTTP with the operational
 * endpoints, gRPC), the forwarder and the anomaly publisher, started and stopped in the order
 * that loses nothing: stop accepting, finish requests in flight, close and score every session,
 * send the anomaly records, then release the model and the files.
 */
export class LogtriageService {
  readonly pipeline: Pipeline;
  readonly registry = new Registry();
  private readonly forwarder: LogForwarder;
  /** Sends anomaly records downstream; none without a forward endpoint. */
  private readonly publisher: AnomalyPublisher | undefined;
  private readonly http: OtlpHttpReceiver | undefined;
  private readonly grpc: OtlpGrpcReceiver | undefined;
  private api: Server | undefined;
  private triager: Triager | undefined;
  /** Whether the service created the triager (and so disposes of it). */
  private ownsTriager = false;
  private readonly injectedTriager: Triager | undefined;
  private worker: TriageWorker | undefined;
  private readonly logger: Logger;
  private listening = false;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    options: LogtriageServiceOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger();
    this.injectedTriager = options.triager;
    collectDefaultMetrics({ register: this.registry });
    this.pipeline = new Pipeline({
      config,
      logger: this.logger.child({ component: 'pipeline' }),
      registry: this.registry,
      ...(options.scorer ? { scorer: options.scorer } : {}),
      ...(options.sink ? { sink: options.sink } : {}),
      ...(options.persist !== undefined ? { persist: options.persist } : {}),
    });
    this.forwarder = createForwarder(config.forward, { registry: this.registry, logger: this.logger });
    if (config.forward.endpoint) this.publisher = new AnomalyPublisher({ pipeline: this.pipeline, forwarder: this.forwarder, registry: this.registry, logger: this.logger });
    const receiver = { pipeline: this.pipeline, forwarder: this.forwarder, registry: this.registry };
    if (config.receivers.http.enabled) {
      this.http = new OtlpHttpReceiver({
        ...receiver,
        host: config.receivers.http.host,
        port: config.receivers.http.port,
        maxBodyBytes: config.receivers.http.maxBodyBytes,
        routes: opsRoutes({ metrics: this.registry, status: () => this.pipeline.status(), listening: () => this.listening && (this.grpc?.listening ?? true) }),
        logger: this.logger,
      });
    }
    if (config.receivers.grpc.enabled) {
      this.grpc = new OtlpGrpcReceiver({
        ...receiver,
        host: config.receivers.grpc.host,
        port: config.receivers.grpc.port,
        maxMessageBytes: config.receivers.grpc.maxMessageBytes,
        logger: this.logger,
      });
    }
  }

  /** Loads the model (or enters learning mode) and opens the receivers. */
  async start(): Promise<ServiceAddresses> {
    await this.pipeline.start();
    const addresses: ServiceAddresses = {};
    if (this.http) {
      await this.http.start();
      addresses.http = this.http.url;
    }
    if (this.grpc) {
      await this.grpc.start();
      addresses.grpc = this.grpc.address;
    }
    const store = this.pipeline.store;
    if (store && this.config.triage.worker.enabled) {
      const triager = this.injectedTriager ?? (await createTriager(this.config.triage, this.logger.child({ component: 'triage' })));
      this.triager = triager;
      this.ownsTriager = this.injectedTriager === undefined;
      const taxonomy = this.config.triage.taxonomy ? loadTaxonomy(this.config.triage.taxonomy) : loadTaxonomy();
      const worker = new TriageWorker({
        store,
        triager,
        taxonomy,
        config: this.config.triage,
        registry: this.registry,
        logger: this.logger.child({ component: 'triage-worker' }),
        // Once classified, the anomaly goes downstream again with its category and explanation.
        onTriaged: (incident, result) => this.publisher?.publish(triagedAnomaly(incident, result)),
      });
      this.worker = worker;
      worker.start();
      // A new incident is worth a look at once, not at the next poll.
      this.pipeline.onAnomaly(() => worker.notify());
      addresses.triage = triager.name;
    }
    if (this.config.api.enabled && store) {
      assertListenAllowed(this.config.api.host, await store.hasTokens());
      const app = createApiApp({
        store,
        maxBodyBytes: this.config.api.maxBodyBytes,
        logger: this.logger.child({ component: 'api' }),
        stats: { pipelineStatus: () => this.pipeline.status() },
        web: createWebHandler(),
      });
      const server = createServer(app);
      this.api = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.api.port, this.config.api.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      addresses.api = `http://${this.config.api.host.includes(':') ? `[${this.config.api.host}]` : this.config.api.host}:${port}`;
    }
    this.listening = true;
    this.logger.info({ ...addresses, forward: this.config.forward.endpoint ?? null, mode: this.pipeline.status().mode }, 'logtriage serving');
    return addresses;
  }

  /** Stops without losing what was acknowledged. Safe to call twice (the second call waits for the first). */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private closeApi(): Promise<void> {
    const server = this.api;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async shutdown(): Promise<void> {
    this.listening = false;
    this.logger.info('shutting down: finishing requests in flight');
    await Promise.all([this.http?.close(), this.grpc?.close(), this.closeApi()]);
    this.logger.info('closing sessions and scoring them');
    await this.pipeline.flush();
    await this.worker?.stop();
    if (this.ownsTriager) await this.triager?.dispose();
    await this.publisher?.dispose();
    await this.forwarder.dispose();
    await this.pipeline.dispose();
    this.logger.info('stopped');
  }
}

/** The anomaly record's content for an incident tier 2 has just classified. */
function triagedAnomaly(incident: StoredIncident, result: TriageResult): Anomaly {
  return {
    incidentId: incident.id,
    sessionKey: incident.sessionKey,
    ...(incident.service !== undefined ? { service: incident.service } : {}),
    score: incident.score,
    threshold: incident.threshold,
    modelVersion: incident.modelVersion,
    templateIds: incident.templateIds,
    templates: incident.templates,
    evidence: incident.evidence,
    eventCount: incident.templateIds.length,
    firstTimestamp: incident.firstTimestamp,
    lastTimestamp: incident.lastTimestamp,
    ...(incident.traceId !== undefined ? { traceId: incident.traceId } : {}),
    category: result.category,
    explanation: result.backend === 'heuristic' ? `(heuristic) ${result.explanation}` : result.explanation,
  };
}
