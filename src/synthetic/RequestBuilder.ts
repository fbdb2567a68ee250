import type { LogEvent } from '../ingest/LogEvent.js';
import { FAULT_SITES, injectFault } from './anomalies.js';
import { maybeDecoy, type DecoyContext } from './controls.js';
import { RequestFailure, type AuthCheck, type Failure, type FaultSite, type SiteKind, type Span } from './faults.js';
import { statusText, type HttpRequest, type Reply } from './http.js';
import type { MessageKey } from './messages.js';
import type { Random } from './random.js';
import { renderMessage, type MessageVars } from './render.js';
import type { Service, ServiceName, Topology } from './topology.js';
import { LEVELS, type AnomalyCategory, type Language, type Level } from './types.js';
import { vary } from './variables.js';

/** Everything one request is built from. */
export interface RequestPlan {
  rng: Random;
  topology: Topology;
  /** The language each service writes. */
  languageOf: (service: ServiceName) => Language;
  /** Epoch ms of the first line. */
  start: number;
  requestId: string;
  traceId: string;
  clientIp: string;
  /**
   * The failure to inject: at the `at`-th site (0-based) where the category can occur. `at: -1`
   * injects nothing and only counts the sites (`eligibleSites`).
   */
  fault?: { category: AnomalyCategory; at: number };
  /** Seed benign but alarming-sounding lines (a clean control). */
  control: boolean;
}

/** Options of {@link RequestBuilder.call}. */
export interface CallOptions<T> {
  /** Used instead of failing when the callee fails (sometimes: not every client degrades gracefully). */
  fallback?: () => T;
  /** What the fallback serves, for the log line, in each language. */
  fallbackLabel?: Readonly<Record<Language, string>>;
  /** No routing / outgoing-call line. */
  quiet?: boolean;
}

const OPS: Record<string, Record<'read' | 'insert' | 'update', string>> = {
  postgres: { read: 'SELECT', insert: 'INSERT', update: 'UPDATE' },
  mysql: { read: 'SELECT', insert: 'INSERT', update: 'UPDATE' },
  mongodb: { read: 'find', insert: 'insertOne', update: 'updateOne' },
  elasticsearch: { read: '_search', insert: '_index', update: '_update' },
};

const TRANSIENT_ERRORS = ['connection reset by peer', 'HTTP 503 Service Unavailable', 'socket hang up', 'read ECONNRESET', 'HTTP 502 Bad Gateway'] as const;

// Share of normal traffic whose outgoing call needs one retry before it succeeds.
const BENIGN_RETRY_RATE = 0.02;
const CONTROL_RETRY_RATE = 0.2;
const MAX_DECOYS = 3;

/**
 * Writes the log lines of one request across services: a clock that only moves forward, spans per
 * service hop, and helpers for each kind of work (calls, queries, cache, queues, third-party APIs,
 * authorization). Each helper is a site where the planned failure may be injected; from there the
 * failure unwinds through the callers (error lines, retries, fallbacks, a 4xx/5xx at the gateway).
 */
export class RequestBuilder {
  readonly rng: Random;
  readonly topology: Topology;
  readonly clientIp: string;
  /** The lines written so far. */
  readonly lines: LogEvent[] = [];
  /** Sites seen where the planned category could have been injected. */
  eligibleSites = 0;
  /** The kind of each of those sites, in order. */
  readonly siteKinds: SiteKind[] = [];
  /** Index of the first line written by the injected failure, or null. */
  failureIndex: number | null = null;
  /** Benign alarming lines written (controls only). */
  decoys = 0;
  /** Clock, epoch ms. */
  now: number;

  private readonly plan: RequestPlan;
  private injected = false;

  constructor(plan: RequestPlan) {
    this.plan = plan;
    this.rng = plan.rng;
    this.topology = plan.topology;
    this.clientIp = plan.clientIp;
    this.now = plan.start;
  }

  /** Whether this request is a clean control. */
  get control(): boolean {
    return this.plan.control;
  }

  /** The language a service writes. */
  languageOf(service: ServiceName): Language {
    return this.plan.languageOf(service);
  }

  /** Moves the clock forward. */
  pause(ms: number): void {
    this.now += Math.max(0, Math.round(ms));
  }

  /** Time since the span started, formatted (`35ms`). */
  since(span: Span): string {
    return vary.duration(this.now - span.start);
  }

  /** Writes one line of the span's service at the current time. */
  log(span: Span, level: Level, key: MessageKey, vars: MessageVars): void {
    this.lines.push({
      timestamp: this.now,
      observedTime: this.now + this.rng.int(1, 30),
      body: renderMessage(this.plan.languageOf(span.service.name), key, vars),
      severityNumber: LEVELS[level],
      severityText: level,
      attributes: { 'request.id': this.plan.requestId },
      resource: { 'service.name': span.service.name, 'service.instance.id': span.instance.id },
      traceId: this.plan.traceId,
      spanId: span.id,
    });
    this.pause(this.rng.int(0, 2));
  }

  /** Starts a span in a replica of `service`. */
  openSpan(service: Service, parent: Span | undefined): Span {
    let id = this.rng.hex(16);
    if (/^0+$/.test(id)) id = `${id.slice(0, 15)}1`;
    return { id, service, instance: this.rng.pick(service.instances), start: this.now, parent };
  }

  /**
   * Handles one request at the gateway: access line, rate limit, token introspection when `auth`,
   * then `handler` (which routes it), then the response line with status and latency.
   */
  root(request: HttpRequest & { service: ServiceName; auth?: { jti: string; userId: number } }, handler: (gateway: Span) => Reply): void {
    const gw = this.openSpan(this.topology.get('api-gateway'), undefined);
    const { method, path } = request;
    this.log(gw, 'INFO', 'gw.request', { method, path, clientIp: this.clientIp });
    let status: number;
    let upstream: ServiceName = request.service;
    let bytes = 0;
    try {
      this.rateLimit(gw);
      if (request.auth && this.topology.has('auth-service')) this.introspect(gw, request, request.auth);
      const reply = handler(gw);
      status = reply.status;
      bytes = reply.bytes;
    } catch (error) {
      if (!(error instanceof RequestFailure)) throw error;
      status = error.failure.status;
      upstream = error.failure.upstream ?? upstream;
    }
    this.pause(this.rng.int(0, 2));
    const vars = { method, path, status, statusText: statusText(status), duration: this.since(gw), bytes, service: upstream };
    if (status >= 500) this.log(gw, 'ERROR', 'gw.responseError', vars);
    else if (status >= 400) this.log(gw, 'WARN', 'gw.responseDenied', vars);
    else this.log(gw, 'INFO', 'gw.response', vars);
  }

  /**
   * A synchronous call from `from` to service `to`; `handler` runs in the callee's span. When the
   * callee fails, the caller logs what it saw, then serves `fallback` or fails in turn.
   */
  call<T>(from: Span, to: ServiceName, request: HttpRequest, handler: (span: Span) => T, options: CallOptions<T> = {}): T {
    const target = this.topology.get(to);
    const viaGateway = from.service.name === 'api-gateway';
    const { method, path } = request;
    const callStart = this.now;
    const span = this.openSpan(target, from);
    if (!options.quiet) {
      if (viaGateway) {
        if (this.rng.chance(0.75)) {
          this.log(from, 'DEBUG', 'gw.route', { method, path, service: to, instance: span.instance.id, port: target.port });
        }
      } else if (this.rng.chance(0.4)) {
        this.log(from, 'DEBUG', 'call.out', { target: to, method, path });
      }
    }
    if (!viaGateway) this.decoy('call', from, { target: to });
    this.pause(this.rng.int(1, 3));

    let failure: Failure;
    if (this.faultAt('call')) {
      failure = this.inject({ kind: 'call', span: from, callee: span, request });
    } else {
      const retry = viaGateway ? undefined : this.benignRetry(from, to);
      try {
        this.enter(span, request);
        const result = handler(span);
        this.pause(this.rng.int(1, 3));
        if (retry) this.log(from, 'INFO', 'call.retryOk', { target: to, attempt: retry.attempt, max: retry.max });
        return result;
      } catch (error) {
        if (!(error instanceof RequestFailure)) throw error;
        failure = error.failure;
        if (!failure.quiet && this.rng.chance(0.35)) {
          this.log(span, 'ERROR', 'svc.requestFailed', { method, path, status: failure.status, duration: this.since(span) });
        }
      }
    }

    if (failure.loggedBy !== from) {
      const duration = vary.duration(this.now - callStart);
      if (viaGateway) {
        if (failure.noResponse) {
          this.log(from, 'ERROR', 'gw.upstreamReset', { service: to, ip: span.instance.ip, port: target.port, error: failure.error });
        }
      } else if (failure.noResponse) {
        this.log(from, 'ERROR', 'call.failed', { target: to, method, path, duration, error: failure.error });
      } else if (failure.status === 401 || failure.status === 403) {
        this.log(from, 'ERROR', 'call.unauthorized', { target: to, method, path, status: failure.status, statusText: statusText(failure.status), error: failure.error });
      } else {
        this.log(from, 'ERROR', 'call.badStatus', { target: to, method, path, status: failure.status, statusText: statusText(failure.status), duration });
      }
    }
    if (options.fallback && this.rng.chance(0.6)) {
      const label = options.fallbackLabel ?? { en: 'defaults', zh: '默认值' };
      this.log(from, 'WARN', 'call.fallback', { target: to, fallback: label[this.plan.languageOf(from.service.name)] });
      return options.fallback();
    }
    throw new RequestFailure(this.propagate(failure, from, to));
  }

  /** A query on the span's database. `rows` is what it returns; `logChance` how often it is logged. */
  db(span: Span, op: 'read' | 'insert' | 'update', table: string, options: { rows?: number; logChance?: number; level?: Level; medianMs?: number } = {}): void {
    const store = span.service.db;
    if (!store) throw new RangeError(`${span.service.name} has no database`);
    const opName = OPS[store.kind]?.[op] ?? op;
    this.decoy('db', span, { store, table });
    if (this.faultAt('db')) throw new RequestFailure(this.inject({ kind: 'db', span, store, object: table, op: opName, write: op !== 'read' }));
    const ms = this.rng.latency(options.medianMs ?? (store.kind === 'elasticsearch' ? 25 : 3), 0.7);
    this.pause(ms);
    const rows = options.rows ?? 1;
    if (this.rng.chance(0.012)) {
      const slow = this.rng.int(800, 2500);
      this.pause(slow);
      this.log(span, 'WARN', 'db.slowQuery', { db: store.name, table, op: opName, duration: vary.duration(ms + slow), threshold: 500 });
    } else if (this.rng.chance(options.logChance ?? 0.6)) {
      this.log(span, options.level ?? 'DEBUG', 'db.query', { op: opName, db: store.name, table, duration: vary.duration(ms), rows });
    }
  }

  /**
   * A cache read. Returns whether it hit. When the cache fails the service reads its database
   * instead (a miss) or, without a database, fails.
   */
  cacheGet(span: Span, key: string, options: { hitRate: number; logChance?: number; command?: string }): boolean {
    const cache = span.service.cache;
    if (!cache) return false;
    const command = options.command ?? 'GET';
    this.decoy('cache', span, { store: cache });
    if (this.faultAt('cache')) {
      const failure = this.inject({ kind: 'cache', span, store: cache, object: key, op: command });
      if (!span.service.db) throw new RequestFailure(failure);
      this.log(span, 'WARN', 'cache.fallback', { cache: cache.name, key, db: span.service.db.name });
      return false;
    }
    this.pause(this.rng.latency(1, 0.4));
    const hit = this.rng.chance(options.hitRate);
    if (!hit && span.service.db && this.plan.control && this.decoys < MAX_DECOYS && this.rng.chance(0.4)) {
      this.decoys++;
      this.log(span, 'DEBUG', 'decoy.cacheMiss', { key, db: span.service.db.name });
    } else if (this.rng.chance(options.logChance ?? 0.7)) {
      if (hit) this.log(span, 'DEBUG', 'cache.hit', { key, bytes: this.rng.int(120, 24000) });
      else this.log(span, 'DEBUG', 'cache.miss', { key });
    }
    return hit;
  }

  /** A cache write. A failure is logged and ignored unless `critical` (the cache is the store). */
  cacheSet(span: Span, key: string, ttl: number, options: { critical?: boolean; logChance?: number; command?: string } = {}): void {
    const cache = span.service.cache;
    if (!cache) return;
    if (this.faultAt('cache')) {
      const failure = this.inject({ kind: 'cache', span, store: cache, object: key, op: options.command ?? 'SET' });
      if (options.critical) throw new RequestFailure(failure);
      return;
    }
    this.pause(this.rng.latency(1, 0.4));
    if (this.rng.chance(options.logChance ?? 0.5)) this.log(span, 'DEBUG', 'cache.set', { key, ttl, bytes: this.rng.int(200, 18000) });
  }

  /**
   * Publishes an event on the span's queue (Kafka topic or RabbitMQ queue) and returns the message
   * id. On failure the event goes to the outbox (sometimes) or the request fails.
   */
  publish(span: Span, event: string, entity: string, options: { logChance?: number } = {}): string {
    const queue = span.service.queue;
    const messageId = vary.messageId(this.rng);
    if (!queue) return messageId;
    const topic = queue.tables[0] ?? 'events';
    this.decoy('queue', span, { store: queue, topic });
    if (this.faultAt('queue')) {
      const failure = this.inject({ kind: 'queue', span, store: queue, object: topic, event });
      if (this.rng.chance(0.4)) {
        this.log(span, 'WARN', 'queue.outbox', { event, entity });
        return messageId;
      }
      throw new RequestFailure(failure);
    }
    this.pause(this.rng.latency(4, 0.5));
    if (this.rng.chance(options.logChance ?? 0.7)) {
      if (queue.kind === 'kafka') {
        this.log(span, 'DEBUG', 'queue.published', { event, topic, partition: this.rng.int(0, 11), offset: this.rng.int(100000, 9999999) });
      } else {
        this.log(span, 'DEBUG', 'queue.enqueued', { event, messageId, topic });
      }
    }
    return messageId;
  }

  /** A call to the span's third-party API; logs the outbound request with `logChance`. Returns its latency. */
  external(span: Span, request: HttpRequest, options: { status?: number; medianMs?: number; logChance?: number; level?: Level } = {}): number {
    const api = span.service.external;
    if (!api) throw new RangeError(`${span.service.name} has no external API`);
    this.decoy('external', span, { host: api.host });
    if (this.faultAt('external')) throw new RequestFailure(this.inject({ kind: 'external', span, external: api, request }));
    const retry = this.benignRetry(span, api.host);
    const ms = this.rng.latency(options.medianMs ?? 180, 0.45);
    this.pause(ms);
    if (retry) this.log(span, 'INFO', 'call.retryOk', { target: api.host, attempt: retry.attempt, max: retry.max });
    if (this.rng.chance(options.logChance ?? 0.6)) {
      this.log(span, options.level ?? 'DEBUG', 'http.outbound', { method: request.method, host: api.host, path: request.path, status: options.status ?? 200, duration: vary.duration(ms) });
    }
    return ms;
  }

  /** An authorization decision; passes silently unless a permission failure is injected here. */
  authorize(span: Span, check: AuthCheck): void {
    this.decoy('auth', span, { check });
    if (this.faultAt('auth')) throw new RequestFailure(this.inject({ kind: 'auth', span, check }));
    this.pause(this.rng.int(0, 1));
  }

  private rateLimit(gw: Span): void {
    if (!gw.service.cache || !this.rng.chance(0.35)) return;
    if (this.faultAt('cache')) {
      const failure = this.inject({ kind: 'cache', span: gw, store: gw.service.cache, object: `ratelimit:${this.clientIp}`, op: 'INCR' });
      this.log(gw, 'WARN', 'gw.rateLimitFailOpen', { error: failure.error, clientIp: this.clientIp });
      return;
    }
    this.pause(1);
    this.log(gw, 'DEBUG', 'gw.rateLimit', { clientIp: this.clientIp, used: this.rng.int(1, 80), limit: 120 });
  }

  private introspect(gw: Span, request: HttpRequest, token: { jti: string; userId: number }): void {
    try {
      this.call(
        gw,
        'auth-service',
        { method: 'POST', path: '/internal/tokens/introspect' },
        (auth) => {
          if (!this.cacheGet(auth, `token:${token.jti}`, { hitRate: 0.85, logChance: 0.3 })) {
            this.db(auth, 'read', 'sessions', { rows: 1, logChance: 0.4 });
          }
          this.authorize(auth, { kind: 'token', ...token });
          if (this.rng.chance(0.5)) {
            this.log(auth, 'DEBUG', 'auth.tokenValid', { jti: token.jti, userId: token.userId, scopes: 'openid profile orders', ttl: this.rng.int(60, 3599) });
          }
          return { status: 200, bytes: 180 };
        },
        { quiet: true },
      );
    } catch (error) {
      if (error instanceof RequestFailure && error.failure.status < 500) {
        this.log(gw, 'WARN', 'gw.tokenRejected', { method: request.method, path: request.path, reason: error.failure.error });
      }
      throw error;
    }
  }

  /** The start of a handler in a service: where crashes and exhausted resources strike. */
  private enter(span: Span, request: HttpRequest): void {
    this.decoy('handler', span, {});
    if (this.faultAt('handler')) throw new RequestFailure(this.inject({ kind: 'handler', span, request }));
  }

  /** A transient failure that the next attempt fixes: normal, not an anomaly. */
  private benignRetry(span: Span, target: string): { attempt: number; max: number } | undefined {
    const control = this.plan.control && this.decoys < MAX_DECOYS;
    if (!this.rng.chance(control ? CONTROL_RETRY_RATE : BENIGN_RETRY_RATE)) return undefined;
    if (control) this.decoys++;
    const backoff = this.rng.pick([100, 200, 250, 500]);
    this.pause(this.rng.latency(20, 0.6));
    this.log(span, 'WARN', 'call.retry', { target, error: this.rng.pick(TRANSIENT_ERRORS), backoff, attempt: 1, max: 3 });
    this.pause(backoff);
    return { attempt: 1, max: 3 };
  }

  private decoy(kind: SiteKind, span: Span, context: DecoyContext): void {
    if (this.plan.control && this.decoys < MAX_DECOYS && maybeDecoy(this, kind, span, context)) this.decoys++;
  }

  /** Counts an eligible site and says whether the planned failure goes here. */
  private faultAt(kind: SiteKind): boolean {
    const fault = this.plan.fault;
    if (!fault || this.injected || !FAULT_SITES[fault.category].includes(kind)) return false;
    const index = this.eligibleSites++;
    this.siteKinds.push(kind);
    if (index !== fault.at) return false;
    this.injected = true;
    this.failureIndex = this.lines.length;
    return true;
  }

  private inject(site: FaultSite): Failure {
    const fault = this.plan.fault;
    if (!fault) throw new RangeError('inject without a planned fault');
    return injectFault(this, fault.category, site);
  }

  /** What the caller of `from` sees when `from`'s call to `to` failed. */
  private propagate(failure: Failure, from: Span, to: ServiceName): Failure {
    if (from.service.name === 'api-gateway') return { ...failure, loggedBy: from, upstream: to };
    const status = failure.timeout ? 504 : failure.status === 503 ? 503 : 500;
    return { status, error: `HTTP ${status} ${statusText(status)}`, timeout: failure.timeout ?? false, loggedBy: from, upstream: from.service.name };
  }
}
