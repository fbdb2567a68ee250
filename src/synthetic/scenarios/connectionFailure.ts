import { isGateway, store, callee, http, retries, connectionRefused, connectionReset, dnsFailure, external, type Scenario, type ByRuntime } from './common.js';

/** The connectionFailure scenarios: how this category of failure shows up at each kind of site. */
export const CONNECTION: Scenario[] = [
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
      const api = external(site);
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
      const api = external(site);
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
