import type { Failure, FaultSite, SiteKind, Span } from './faults.js';
import { statusText, type HttpRequest } from './http.js';
import type { RequestBuilder } from './RequestBuilder.js';
import type { Datastore, Runtime } from './topology.js';
import type { AnomalyCategory } from './types.js';
import { vary } from './variables.js';

/**
 * One way a failure of a category shows up at a kind of site. `run` writes the lines of the failure
 * (the first one at WARN or above) and says how it looks to the caller.
 */
interface Scenario {
  /** What goes wrong, for people reading this file. */
  name: string;
  kinds: readonly SiteKind[];
  when?: (site: FaultSite) => boolean;
  run: (b: RequestBuilder, site: FaultSite) => Failure;
}

type ByRuntime = Record<Runtime, string>;

const isGateway = (span: Span): boolean => span.service.name === 'api-gateway';
const req = (site: FaultSite): HttpRequest => site.request ?? { method: 'GET', path: '/' };
const store = (site: FaultSite): Datastore => {
  if (!site.store) throw new RangeError(`${site.kind} site without a store`);
  return site.store;
};
const callee = (site: FaultSite): Span => {
  if (!site.callee) throw new RangeError('call site without a callee');
  return site.callee;
};
const short = (name: string): string => name.replace(/-service$/, '');
const http = (status: number): string => `HTTP ${status} ${statusText(status)}`;

/** Caller-side retries of a failing call: `attempts - 1` WARN lines, each after `waitMs`. */
function retries(b: RequestBuilder, span: Span, target: string, attempts: number, error: string, waitMs: number): void {
  for (let attempt = 1; attempt < attempts; attempt++) {
    b.pause(waitMs);
    const backoff = b.rng.pick([100, 200, 400, 800]);
    b.log(span, 'WARN', 'call.retry', { target, error, backoff, attempt, max: attempts });
    b.pause(backoff);
  }
  b.pause(waitMs);
}

function connectionRefused(runtime: Runtime, host: string, ip: string, port: number): string {
  const errors: ByRuntime = {
    go: `dial tcp ${ip}:${port}: connect: connection refused`,
    java: `java.net.ConnectException: Connection refused (${host}/${ip}:${port})`,
    node: `connect ECONNREFUSED ${ip}:${port}`,
    python: `ConnectionRefusedError: [Errno 111] Connection refused`,
  };
  return errors[runtime];
}

function connectionReset(runtime: Runtime, ip: string, port: number): string {
  const errors: ByRuntime = {
    go: `read tcp 10.0.0.1:41234->${ip}:${port}: read: connection reset by peer`,
    java: 'java.net.SocketException: Connection reset',
    node: 'read ECONNRESET',
    python: 'ConnectionResetError: [Errno 104] Connection reset by peer',
  };
  return errors[runtime];
}

function dnsFailure(runtime: Runtime, host: string): string {
  const errors: ByRuntime = {
    go: `lookup ${host} on 10.96.0.10:53: no such host`,
    java: `java.net.UnknownHostException: ${host}: Temporary failure in name resolution`,
    node: `getaddrinfo EAI_AGAIN ${host}`,
    python: 'socket.gaierror: [Errno -3] Temporary failure in name resolution',
  };
  return errors[runtime];
}

function peerGone(runtime: Runtime): string {
  const errors: ByRuntime = { go: 'EOF', java: 'java.io.IOException: Connection reset by peer', node: 'socket hang up', python: 'RemoteDisconnected: Remote end closed connection without response' };
  return errors[runtime];
}

const TIMEOUT: Scenario[] = [
  {
    name: 'caller deadline',
    kinds: ['call'],
    run(b, site) {
      const { span } = site;
      const target = callee(site).service.name;
      const { method, path } = req(site);
      const timeout = b.rng.pick([1000, 2000, 3000, 5000]);
      if (isGateway(span)) {
        b.pause(timeout);
        b.log(span, 'ERROR', 'gw.upstreamTimeout', { service: target, method, path, timeout });
        return { status: 504, error: 'upstream request timeout', timeout: true, loggedBy: span };
      }
      retries(b, span, target, b.rng.pick([1, 2, 3]), `timeout after ${timeout}ms`, timeout);
      b.log(span, 'ERROR', 'call.timeout', { target, method, path, timeout });
      return { status: 504, error: `timeout after ${timeout}ms`, timeout: true, loggedBy: span };
    },
  },
  {
    name: 'slow callee',
    kinds: ['call'],
    run(b, site) {
      const { span } = site;
      const slow = callee(site);
      const { method, path } = req(site);
      const timeout = b.rng.pick([2000, 3000, 5000, 10000]);
      const dependency = slow.service.db?.name ?? slow.service.cache?.name ?? slow.service.external?.host ?? 'worker pool';
      b.pause(timeout * 0.8);
      b.log(slow, 'WARN', 'svc.slow', { method, path, duration: vary.duration(timeout * 0.8), dependency });
      b.pause(timeout * 0.2);
      if (isGateway(span)) {
        b.log(span, 'ERROR', 'gw.upstreamTimeout', { service: slow.service.name, method, path, timeout });
      } else if (span.service.runtime === 'go') {
        b.log(span, 'ERROR', 'call.deadline', { method, path, target: slow.service.name, duration: vary.duration(timeout) });
      } else {
        b.log(span, 'ERROR', 'call.timeout', { target: slow.service.name, method, path, timeout });
      }
      return { status: 504, error: 'context deadline exceeded', timeout: true, loggedBy: span };
    },
  },
  {
    name: 'statement timeout',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const timeout = b.rng.pick([2000, 5000, 10000, 30000]);
      const errors: Record<string, string> = {
        postgres: 'ERROR: canceling statement due to statement timeout (SQLSTATE 57014)',
        mysql: 'Error 3024 (HY000): Query execution was interrupted, maximum statement execution time exceeded',
        mongodb: 'MongoServerError: operation exceeded time limit (MaxTimeMSExpired)',
        elasticsearch: `ConnectionTimeout caused by - ReadTimeoutError(HTTPConnectionPool(host='${db.host}', port=${db.port}): Read timed out. (read timeout=${timeout / 1000}))`,
      };
      b.pause(timeout);
      b.log(site.span, 'ERROR', 'db.timeout', { db: db.name, table: site.object ?? '', timeout, error: errors[db.kind] ?? 'i/o timeout' });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'database connect timeout',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const timeout = b.rng.pick([1000, 3000, 5000]);
      b.pause(timeout);
      b.log(site.span, 'ERROR', 'db.connectTimeout', { db: db.name, timeout });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'cache command timeout',
    kinds: ['cache'],
    run(b, site) {
      const cache = store(site);
      const timeout = b.rng.pick([100, 250, 500, 1000]);
      const errors: ByRuntime = {
        go: `dial tcp ${cache.ip}:${cache.port}: i/o timeout`,
        java: `io.lettuce.core.RedisCommandTimeoutException: Command timed out after ${timeout} millisecond(s)`,
        node: 'Command timed out',
        python: 'redis.exceptions.TimeoutError: Timeout reading from socket',
      };
      b.pause(timeout);
      const error = errors[site.span.service.runtime];
      b.log(site.span, 'ERROR', 'cache.error', { command: site.op ?? 'GET', key: site.object ?? '', cache: cache.name, error });
      return { status: 503, error, loggedBy: site.span };
    },
  },
  {
    name: 'third-party read timeout',
    kinds: ['external'],
    run(b, site) {
      const api = site.external;
      if (!api) throw new RangeError('external site without an API');
      const { method, path } = req(site);
      const timeout = b.rng.pick([5000, 10000, 15000]);
      retries(b, site.span, api.host, b.rng.pick([1, 2, 3]), 'read timed out', timeout);
      // The mail relay speaks SMTP, not HTTPS.
      if (api.port === 587) b.log(site.span, 'ERROR', 'call.timeout', { target: `${api.host}:${api.port}`, method: 'SMTP', path: 'DATA', timeout });
      else b.log(site.span, 'ERROR', 'external.timeout', { method, host: api.host, path, timeout });
      return { status: 504, error: 'read timed out', timeout: true, loggedBy: site.span };
    },
  },
  {
    name: 'queue publish timeout',
    kinds: ['queue'],
    run(b, site) {
      const queue = store(site);
      const timeout = queue.kind === 'kafka' ? 30000 : b.rng.pick([5000, 10000]);
      const error =
        queue.kind === 'kafka'
          ? `org.apache.kafka.common.errors.TimeoutException: Expiring ${b.rng.int(1, 12)} record(s) for ${site.object ?? 'events'}-${b.rng.int(0, 11)}: ${timeout + b.rng.int(1, 40)} ms has passed since batch creation`
          : `Timeout waiting for publisher confirms after ${timeout}ms`;
      b.pause(timeout);
      b.log(site.span, 'ERROR', 'queue.failed', { event: site.event ?? 'event', topic: site.object ?? '', error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
];

const CONNECTION: Scenario[] = [
  {
    name: 'peer unreachable',
    kinds: ['call'],
    run(b, site) {
      const { span } = site;
      const target = callee(site);
      const host = `${target.service.name}.prod.svc.cluster.local`;
      const { ip } = target.instance;
      const { port } = target.service;
      if (isGateway(span)) {
        const error = b.rng.pick([
          'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
          'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
          'no healthy upstream',
        ]);
        b.pause(b.rng.int(1, 30));
        b.log(span, 'ERROR', 'gw.upstreamReset', { service: target.service.name, ip, port, error });
        return { status: error === 'no healthy upstream' ? 503 : 502, error, noResponse: true, loggedBy: span };
      }
      const runtime = span.service.runtime;
      const error = b.rng.pick([connectionRefused(runtime, host, ip, port), connectionReset(runtime, ip, port), dnsFailure(runtime, host)]);
      const attempts = b.rng.pick([1, 2, 3]);
      retries(b, span, target.service.name, attempts, error, b.rng.int(1, 20));
      if (attempts > 1) b.log(span, 'ERROR', 'call.giveUp', { target: target.service.name, attempts, error });
      else b.log(span, 'ERROR', 'call.connectFailed', { target: target.service.name, ip, port, error });
      return { status: 503, error, noResponse: true, loggedBy: span };
    },
  },
  {
    name: 'database unreachable',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const runtime = site.span.service.runtime;
      const byKind: Record<string, string[]> = {
        postgres: [
          connectionRefused(runtime, db.host, db.ip, db.port),
          runtime === 'java'
            ? `org.postgresql.util.PSQLException: Connection to ${db.host}:${db.port} refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.`
            : 'SSL SYSCALL error: EOF detected',
          dnsFailure(runtime, db.host),
        ],
        mysql: [connectionRefused(runtime, db.host, db.ip, db.port), `dial tcp ${db.ip}:${db.port}: connect: connection reset by peer`, 'invalid connection'],
        mongodb: [`MongoNetworkError: connect ECONNREFUSED ${db.ip}:${db.port}`, `MongoNetworkError: connection 7 to ${db.ip}:${db.port} closed`],
        elasticsearch: [`ConnectionError(<urllib3.connection.HTTPConnection object>: Failed to establish a new connection: [Errno 111] Connection refused) caused by: NewConnectionError`],
      };
      const error = b.rng.pick(byKind[db.kind] ?? [connectionRefused(runtime, db.host, db.ip, db.port)]);
      if (b.rng.chance(0.4)) retries(b, site.span, db.name, 2, error, b.rng.int(1, 10));
      b.log(site.span, 'ERROR', 'db.connectFailed', { db: db.name, host: db.host, port: db.port, error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'cache unreachable',
    kinds: ['cache'],
    run(b, site) {
      const cache = store(site);
      const errors: ByRuntime = {
        go: `dial tcp ${cache.ip}:${cache.port}: connect: connection refused`,
        java: `io.lettuce.core.RedisConnectionException: Unable to connect to ${cache.host}/${cache.ip}:${cache.port}`,
        node: `connect ECONNREFUSED ${cache.ip}:${cache.port}`,
        python: `redis.exceptions.ConnectionError: Error 111 connecting to ${cache.host}:${cache.port}. Connection refused.`,
      };
      const error = b.rng.chance(0.3) ? connectionReset(site.span.service.runtime, cache.ip, cache.port) : errors[site.span.service.runtime];
      b.pause(b.rng.int(1, 10));
      b.log(site.span, 'ERROR', 'cache.error', { command: site.op ?? 'GET', key: site.object ?? '', cache: cache.name, error });
      return { status: 503, error, loggedBy: site.span };
    },
  },
  {
    name: 'TLS failure',
    kinds: ['external'],
    run(b, site) {
      const api = site.external;
      if (!api) throw new RangeError('external site without an API');
      const errors: ByRuntime = {
        go: b.rng.pick(['x509: certificate has expired or is not yet valid', 'remote error: tls: handshake failure']),
        java: b.rng.pick([
          'javax.net.ssl.SSLHandshakeException: PKIX path building failed: unable to find valid certification path to requested target',
          'javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure',
        ]),
        node: b.rng.pick(['CERT_HAS_EXPIRED: certificate has expired', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate']),
        python: '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)',
      };
      b.pause(b.rng.latency(40, 0.4));
      b.log(site.span, 'ERROR', 'external.tlsFailed', { host: api.host, port: api.port, error: errors[site.span.service.runtime] });
      return { status: 502, error: http(502), loggedBy: site.span };
    },
  },
  {
    name: 'DNS failure or reset',
    kinds: ['external'],
    run(b, site) {
      const api = site.external;
      if (!api) throw new RangeError('external site without an API');
      const runtime = site.span.service.runtime;
      const dns = b.rng.chance(0.5);
      const error = dns ? dnsFailure(runtime, api.host) : connectionReset(runtime, '104.18.0.1', api.port);
      retries(b, site.span, api.host, b.rng.pick([1, 2, 3]), error, b.rng.latency(30, 0.5));
      if (dns) b.log(site.span, 'ERROR', 'external.dnsFailed', { host: api.host, error });
      else b.log(site.span, 'ERROR', 'external.connectFailed', { host: api.host, port: api.port, error });
      return { status: 502, error: http(502), loggedBy: site.span };
    },
  },
  {
    name: 'broker unreachable',
    kinds: ['queue'],
    run(b, site) {
      const queue = store(site);
      const error =
        queue.kind === 'kafka'
          ? `Connection to node ${b.rng.int(0, 2)} (${queue.host}/${queue.ip}:${queue.port}) could not be established. Broker may not be available.`
          : b.rng.pick(['Socket closed abruptly during opening handshake', `connect ECONNREFUSED ${queue.ip}:${queue.port}`, 'AMQP connection lost: read ECONNRESET']);
      b.pause(b.rng.int(5, 60));
      b.log(site.span, 'ERROR', 'queue.failed', { event: site.event ?? 'event', topic: site.object ?? '', error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
];

const DATABASE: Scenario[] = [
  {
    name: 'deadlock',
    kinds: ['db'],
    when: (site) => site.write === true && site.store?.kind !== 'elasticsearch',
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const errors: Record<string, string> = {
        postgres: 'ERROR: deadlock detected (SQLSTATE 40P01)',
        mysql: 'Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction',
        mongodb: 'WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.',
      };
      const error = errors[db.kind] ?? 'deadlock detected';
      const txId = vary.txId(b.rng);
      b.pause(b.rng.int(50, 1000));
      b.log(site.span, 'ERROR', 'db.deadlock', { db: db.name, table, txId, error });
      if (b.rng.chance(0.5)) {
        b.pause(b.rng.pick([50, 100, 200]));
        b.log(site.span, 'WARN', 'db.txRetry', { txId, table, attempt: 2, max: 2 });
        b.pause(b.rng.int(50, 1000));
        b.log(site.span, 'ERROR', 'db.deadlock', { db: db.name, table, txId, error });
        b.log(site.span, 'ERROR', 'db.txGiveUp', { txId, table, attempts: 2 });
      }
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
  {
    name: 'constraint violation',
    kinds: ['db'],
    when: (site) => site.write === true,
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const byKind: Record<string, string[]> = {
        postgres: [
          `ERROR: duplicate key value violates unique constraint "${table}_pkey" (SQLSTATE 23505)`,
          `ERROR: insert or update on table "${table}" violates foreign key constraint "${table}_user_id_fkey" (SQLSTATE 23503)`,
          `ERROR: null value in column "created_at" of relation "${table}" violates not-null constraint (SQLSTATE 23502)`,
          `ERROR: new row for relation "${table}" violates check constraint "${table}_version_check" (SQLSTATE 23514)`,
        ],
        mysql: [
          `Error 1062 (23000): Duplicate entry '${b.rng.int(10000, 99999)}' for key '${table}.PRIMARY'`,
          'Error 1452 (23000): Cannot add or update a child row: a foreign key constraint fails',
        ],
        mongodb: [`E11000 duplicate key error collection: ${db.name.replace(/-/g, '_')}.${table} index: _id_ dup key: { _id: "${b.rng.hex(24)}" }`],
        elasticsearch: [`version_conflict_engine_exception: [${b.rng.hex(20)}]: version conflict, required seqNo [${b.rng.int(100, 999)}], primary term [1]`],
      };
      b.pause(b.rng.int(2, 40));
      b.log(site.span, 'ERROR', 'db.constraint', { db: db.name, table, error: b.rng.pick(byKind[db.kind] ?? ['constraint violation']) });
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
  {
    name: 'too many connections',
    kinds: ['db'],
    when: (site) => site.store?.kind === 'postgres' || site.store?.kind === 'mysql',
    run(b, site) {
      const db = store(site);
      const error =
        db.kind === 'mysql'
          ? 'Error 1040 (08004): Too many connections'
          : b.rng.pick([
              'FATAL: sorry, too many clients already (SQLSTATE 53300)',
              'FATAL: remaining connection slots are reserved for non-replication superuser connections (SQLSTATE 53300)',
            ]);
      b.pause(b.rng.int(2, 20));
      b.log(site.span, 'ERROR', 'db.tooManyConnections', { db: db.name, error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'query failed',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const byKind: Record<string, string[]> = {
        postgres: [
          `ERROR: relation "${table}" does not exist (SQLSTATE 42P01)`,
          `ERROR: column "${table === 'orders' ? 'shipping_zone' : 'updated_by'}" does not exist (SQLSTATE 42703)`,
          // After a failover the service may still point at a replica, which only refuses writes.
          site.write ? `ERROR: cannot execute ${site.op ?? 'UPDATE'} in a read-only transaction (SQLSTATE 25006)` : 'ERROR: invalid input syntax for type uuid: "undefined" (SQLSTATE 22P02)',
          'ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)',
          'ERROR: canceling statement due to conflict with recovery (SQLSTATE 40001)',
        ],
        mysql: [
          `Error 1146 (42S02): Table 'inventory.${table}' doesn't exist`,
          "Error 1054 (42S22): Unknown column 'reserved_qty' in 'field list'",
          site.write
            ? 'Error 1290 (HY000): The MySQL server is running with the --read-only option so it cannot execute this statement'
            : "Error 1054 (42S22): Unknown column 'warehouse_code' in 'where clause'",
        ],
        mongodb: ['MongoServerError: not primary and secondaryOk=false', 'MongoServerError: Document failed validation'],
        elasticsearch: [
          'search_phase_execution_exception: all shards failed',
          `index_not_found_exception: no such index [${table}]`,
          'search_phase_execution_exception: [query_shard_exception] failed to create query: For input string: "null"',
        ],
      };
      b.pause(b.rng.int(2, 60));
      b.log(site.span, 'ERROR', 'db.queryFailed', { db: db.name, table, error: b.rng.pick(byKind[db.kind] ?? ['query failed']) });
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
];

const UNHANDLED: Record<Runtime, readonly string[]> = {
  java: [
    'java.lang.NullPointerException: Cannot invoke "com.shop.dto.LineItem.getPrice()" because "item" is null',
    'java.lang.IllegalStateException: Duplicate key 42 (attempted merging values 1 and 2)',
    'com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from String "N/A"',
  ],
  go: ['runtime error: invalid memory address or nil pointer dereference', 'runtime error: index out of range [3] with length 3'],
  node: ["TypeError: Cannot read properties of undefined (reading 'price')", 'RangeError: Invalid time value'],
  python: ["KeyError: 'price'", "AttributeError: 'NoneType' object has no attribute 'get'", "ValueError: invalid literal for int() with base 10: 'None'"],
};

const SERVICE_CALL: Scenario[] = [
  {
    name: 'unhandled exception',
    kinds: ['call'],
    run(b, site) {
      const target = callee(site);
      const { method, path } = req(site);
      b.pause(b.rng.latency(15, 0.6));
      b.log(target, 'ERROR', 'svc.unhandled', { method, path, error: b.rng.pick(UNHANDLED[target.service.runtime]) });
      return { status: 500, error: http(500), loggedBy: target };
    },
  },
  {
    name: 'load shedding',
    kinds: ['call'],
    run(b, site) {
      const target = callee(site);
      const { method, path } = req(site);
      const limit = b.rng.pick([64, 128, 256]);
      b.pause(b.rng.int(1, 5));
      b.log(target, 'ERROR', 'svc.overloaded', { method, path, inflight: limit + b.rng.int(1, 40), limit });
      if (!isGateway(site.span) && b.rng.chance(0.6)) {
        const attempts = b.rng.pick([2, 3]);
        retries(b, site.span, target.service.name, attempts, http(503), b.rng.int(2, 10));
        b.log(site.span, 'ERROR', 'call.giveUp', { target: target.service.name, attempts, error: http(503) });
        return { status: 503, error: http(503), loggedBy: site.span };
      }
      return { status: 503, error: http(503), loggedBy: target };
    },
  },
  {
    name: 'circuit breaker open',
    kinds: ['call'],
    when: (site) => !isGateway(site.span),
    run(b, site) {
      const threshold = b.rng.pick([5, 10, 20]);
      b.pause(b.rng.int(0, 1));
      b.log(site.span, 'ERROR', 'call.circuitOpen', { target: callee(site).service.name, failures: threshold, threshold, window: b.rng.pick([10, 30, 60]) });
      return { status: 503, error: 'circuit breaker open', loggedBy: site.span };
    },
  },
  {
    name: 'invalid upstream response',
    kinds: ['call'],
    when: (site) => isGateway(site.span),
    run(b, site) {
      const target = callee(site);
      const { method, path } = req(site);
      b.pause(b.rng.latency(20, 0.5));
      const error = b.rng.pick([
        'upstream prematurely closed connection while reading response header',
        'upstream sent invalid header while reading response header',
        'protocol error: received HTTP/1.1 response on HTTP/2 connection',
      ]);
      b.log(site.span, 'ERROR', 'gw.badGateway', { service: target.service.name, method, path, error });
      return { status: 502, error, loggedBy: site.span };
    },
  },
];

const RESOURCE: Scenario[] = [
  {
    name: 'out of memory',
    kinds: ['handler'],
    run(b, site) {
      const { span } = site;
      const { method, path } = req(site);
      const runtime = span.service.runtime;
      if (b.rng.chance(0.5)) {
        const max = b.rng.pick([512, 1024, 2048]);
        const pct = b.rng.int(95, 99);
        b.log(span, 'WARN', 'res.heapHigh', { pct, used: Math.round((max * pct) / 100), max });
        b.pause(b.rng.int(100, 1500));
      }
      const errors: Record<Runtime, readonly string[]> = {
        java: ['java.lang.OutOfMemoryError: Java heap space', 'java.lang.OutOfMemoryError: GC overhead limit exceeded'],
        go: ['fatal error: runtime: out of memory'],
        node: ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
        python: ['MemoryError'],
      };
      b.log(span, 'FATAL', 'res.oom', { method, path, error: b.rng.pick(errors[runtime]) });
      const caller = span.parent?.service.runtime ?? 'go';
      return { status: 502, error: peerGone(caller), noResponse: true, quiet: true, loggedBy: span };
    },
  },
  {
    name: 'worker pool exhausted',
    kinds: ['handler'],
    run(b, site) {
      const { method, path } = req(site);
      const max = b.rng.pick([50, 100, 200]);
      const queueMax = b.rng.pick([100, 500, 1000]);
      b.pause(b.rng.int(0, 3));
      b.log(site.span, 'ERROR', 'res.threadPool', { active: max, max, queued: queueMax, queueMax, method, path });
      return { status: 503, error: http(503), quiet: true, loggedBy: site.span };
    },
  },
  {
    name: 'too many open files',
    kinds: ['handler'],
    run(b, site) {
      const { span } = site;
      const name = span.service.name;
      const limit = b.rng.pick([1024, 4096, 65536]);
      const file = `/var/lib/${name}/tmp/${b.rng.uuid()}.json`;
      const errors: ByRuntime = {
        go: 'accept4: too many open files',
        java: 'java.io.IOException: Too many open files',
        node: `EMFILE: too many open files, open '${file}'`,
        python: `OSError: [Errno 24] Too many open files: '${file}'`,
      };
      const what = span.service.runtime === 'go' ? 'socket' : file;
      b.pause(b.rng.int(0, 3));
      b.log(span, 'ERROR', 'res.fd', { what, error: errors[span.service.runtime], open: limit, limit });
      return { status: 500, error: http(500), loggedBy: span };
    },
  },
  {
    name: 'disk full',
    kinds: ['handler'],
    run(b, site) {
      const { span } = site;
      const file = b.rng.chance(0.5) ? `/var/lib/${span.service.name}/spool/${b.rng.uuid()}.tmp` : `/var/log/${span.service.name}/app.log`;
      const errors: ByRuntime = {
        go: `write ${file}: no space left on device`,
        java: 'java.io.IOException: No space left on device',
        node: `ENOSPC: no space left on device, write`,
        python: '[Errno 28] No space left on device',
      };
      b.pause(b.rng.int(0, 5));
      b.log(span, 'ERROR', 'res.diskFull', { file, error: errors[span.service.runtime], mount: file.startsWith('/var/log') ? '/var/log' : '/var/lib', pct: 100 });
      return { status: 500, error: http(500), loggedBy: span };
    },
  },
  {
    name: 'connection pool exhausted',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const size = site.span.service.poolSize;
      const runtime = site.span.service.runtime;
      const errors: ByRuntime = {
        java: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.',
        go: 'failed to acquire connection: pool exhausted, context deadline exceeded',
        node: 'timeout exceeded when trying to connect',
        python: `QueuePool limit of size ${size} overflow 10 reached, connection timed out, timeout 30.00`,
      };
      const error =
        db.kind === 'mongodb'
          ? 'MongoWaitQueueTimeoutError: Timed out while checking out a connection from connection pool'
          : db.kind === 'elasticsearch'
            ? 'es_rejected_execution_exception: rejected execution of coordinating operation, queue capacity = 1000'
            : errors[runtime];
      b.pause(runtime === 'java' || runtime === 'python' ? 30000 : b.rng.pick([5000, 10000]));
      b.log(site.span, 'ERROR', 'db.poolExhausted', { db: db.name, active: size, size, waiting: b.rng.int(5, 200), error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'cache out of memory',
    kinds: ['cache'],
    run(b, site) {
      const cache = store(site);
      const write = site.op !== 'GET';
      const error = write ? "OOM command not allowed when used memory > 'maxmemory'." : 'ERR max number of clients reached';
      b.pause(b.rng.int(1, 5));
      b.log(site.span, 'ERROR', 'cache.error', { command: site.op ?? 'GET', key: site.object ?? '', cache: cache.name, error });
      return { status: 503, error, loggedBy: site.span };
    },
  },
  {
    name: 'producer buffer exhausted',
    kinds: ['queue'],
    run(b, site) {
      const queue = store(site);
      const error =
        queue.kind === 'kafka'
          ? 'org.apache.kafka.clients.producer.BufferExhaustedException: Failed to allocate memory within the configured max blocking time 60000 ms.'
          : b.rng.pick(['connection blocked by broker: low on memory (memory alarm)', 'connection blocked by broker: disk free limit reached (disk alarm)']);
      b.pause(queue.kind === 'kafka' ? 60000 : b.rng.int(5, 50));
      b.log(site.span, 'ERROR', 'queue.failed', { event: site.event ?? 'event', topic: site.object ?? '', error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
];

const PERMISSION: Scenario[] = [
  {
    name: 'token or role rejected',
    kinds: ['auth'],
    run(b, site) {
      const check = site.check;
      if (!check) throw new RangeError('auth site without a check');
      b.pause(b.rng.int(0, 2));
      if (check.kind === 'token') {
        const revoked = b.rng.chance(0.3);
        const expiredAt = vary.isoSeconds(b.now - b.rng.int(60, 7200) * 1000);
        b.log(site.span, 'WARN', revoked ? 'authz.tokenRevoked' : 'authz.tokenExpired', { jti: check.jti, userId: check.userId, expiredAt });
        return { status: 401, error: revoked ? 'token revoked' : `token expired at ${expiredAt}`, loggedBy: site.span };
      }
      const { method, path } = check.request;
      b.log(site.span, 'WARN', 'authz.denied', { subject: `user:${check.userId}`, role: check.role, method, path });
      return { status: 403, error: `missing role ${check.role}`, loggedBy: site.span };
    },
  },
  {
    name: 'service account missing scope',
    kinds: ['handler'],
    run(b, site) {
      const { span } = site;
      const { method, path } = req(site);
      const caller = span.parent?.service.name ?? 'api-gateway';
      const scope = `${short(span.service.name)}:${method === 'GET' ? 'read' : 'write'}`;
      b.pause(b.rng.int(0, 2));
      b.log(span, 'ERROR', 'authz.serviceDenied', { caller, method, path, scope });
      return { status: 403, error: `missing scope ${scope}`, quiet: true, loggedBy: span };
    },
  },
  {
    name: 'unreadable secret',
    kinds: ['handler'],
    run(b, site) {
      const { span } = site;
      const file = `/var/run/secrets/${span.service.name}/${b.rng.pick(['db-password', 'tls.key', 'api-key'])}`;
      const errors: ByRuntime = {
        go: `open ${file}: permission denied`,
        java: `java.nio.file.AccessDeniedException: ${file}`,
        node: `EACCES: permission denied, open '${file}'`,
        python: `PermissionError: [Errno 13] Permission denied: '${file}'`,
      };
      b.pause(b.rng.int(0, 2));
      b.log(span, 'ERROR', 'authz.secretDenied', { file, error: errors[span.service.runtime] });
      return { status: 500, error: http(500), loggedBy: span };
    },
  },
  {
    name: 'service credentials rejected',
    kinds: ['call'],
    run(b, site) {
      const target = callee(site);
      const { method, path } = req(site);
      if (isGateway(site.span)) {
        // Behind the gateway the service itself says why; the gateway only relays the status.
        const scope = `${short(target.service.name)}:${method === 'GET' ? 'read' : 'write'}`;
        b.pause(b.rng.int(1, 4));
        b.log(target, 'ERROR', 'authz.serviceDenied', { caller: 'api-gateway', method, path, scope });
        return { status: 403, error: `missing scope ${scope}`, loggedBy: target };
      }
      const status = b.rng.pick([401, 403]);
      const error =
        status === 401
          ? b.rng.pick([`service token expired at ${vary.isoSeconds(b.now - b.rng.int(1, 600) * 1000)}`, `invalid audience "${target.service.name}"`])
          : b.rng.pick(['mTLS client certificate not authorized', `RBAC: access denied for ${site.span.service.name}`]);
      b.pause(b.rng.latency(5, 0.5));
      b.log(site.span, 'ERROR', 'call.unauthorized', { target: target.service.name, method, path, status, statusText: statusText(status), error });
      return { status, error, loggedBy: site.span };
    },
  },
  {
    name: 'database permission denied',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const role = `${short(site.span.service.name)}_rw`;
      const byKind: Record<string, string> = {
        postgres: b.rng.pick([`ERROR: permission denied for table ${table} (SQLSTATE 42501)`, `FATAL: password authentication failed for user "${role}" (SQLSTATE 28P01)`]),
        mysql: `Error 1142 (42000): ${site.op ?? 'SELECT'} command denied to user '${role}'@'${site.span.instance.ip}' for table '${table}'`,
        mongodb: `MongoServerError: not authorized on ${db.name.replace(/-/g, '_')} to execute command { ${site.op ?? 'find'}: "${table}" }`,
        elasticsearch: `security_exception: action [indices:data/read/search] is unauthorized for user [${role}]`,
      };
      b.pause(b.rng.int(1, 10));
      b.log(site.span, 'ERROR', 'db.permissionDenied', { db: db.name, table, role, error: byKind[db.kind] ?? 'permission denied' });
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
  {
    name: 'API key rejected',
    kinds: ['external'],
    run(b, site) {
      const api = site.external;
      if (!api) throw new RangeError('external site without an API');
      const [status, error] =
        api.role === 'mail relay'
          ? [535, '5.7.8 Authentication failed: Bad username / password']
          : api.role === 'payment provider'
            ? [401, `Invalid API Key provided: sk_live_****${b.rng.chars('abcdefghijklmnopqrstuvwxyz0123456789', 4)}`]
            : [403, 'Forbidden: API key is not authorized for this resource'];
      b.pause(b.rng.latency(120, 0.4));
      b.log(site.span, 'ERROR', 'external.unauthorized', { host: api.host, status, error });
      return { status: 502, error: http(502), loggedBy: site.span };
    },
  },
];

const SCENARIOS: Record<AnomalyCategory, readonly Scenario[]> = {
  timeout: TIMEOUT,
  connection_failure: CONNECTION,
  database_error: DATABASE,
  service_call_failure: SERVICE_CALL,
  resource_exhaustion: RESOURCE,
  permission_error: PERMISSION,
};

const kindsOf = (category: AnomalyCategory): readonly SiteKind[] => [...new Set(SCENARIOS[category].flatMap((s) => s.kinds))];

/** The kinds of site where each category can be injected. */
export const FAULT_SITES: Readonly<Record<AnomalyCategory, readonly SiteKind[]>> = {
  timeout: kindsOf('timeout'),
  connection_failure: kindsOf('connection_failure'),
  database_error: kindsOf('database_error'),
  service_call_failure: kindsOf('service_call_failure'),
  resource_exhaustion: kindsOf('resource_exhaustion'),
  permission_error: kindsOf('permission_error'),
};

/** Writes the lines of a failure of `category` at `site` (one scenario picked at random) and returns how the caller sees it. */
export function injectFault(b: RequestBuilder, category: AnomalyCategory, site: FaultSite): Failure {
  const candidates = SCENARIOS[category].filter((s) => s.kinds.includes(site.kind) && (s.when?.(site) ?? true));
  return b.rng.pick(candidates).run(b, site);
}
