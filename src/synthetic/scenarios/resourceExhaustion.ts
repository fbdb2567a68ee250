import type { Runtime } from '../topology.js';
import { req, store, http, peerGone, type Scenario, type ByRuntime } from './common.js';

/** The resourceExhaustion scenarios: how this category of failure shows up at each kind of site. */
export const RESOURCE: Scenario[] = [
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
