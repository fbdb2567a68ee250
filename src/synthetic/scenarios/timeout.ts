import { vary } from '../variables.js';
import { isGateway, req, store, callee, http, retries, external, type Scenario, type ByRuntime } from './common.js';

/** The timeout scenarios: how this category of failure shows up at each kind of site. */
export const TIMEOUT: Scenario[] = [
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
      const api = external(site);
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
