import type { AuthCheck, SiteKind, Span } from './faults.js';
import type { RequestBuilder } from './RequestBuilder.js';
import type { Datastore } from './topology.js';

/** What a site knows that a benign line can mention. */
export interface DecoyContext {
  target?: string;
  store?: Datastore;
  table?: string;
  topic?: string;
  host?: string;
  check?: AuthCheck;
}

// Chance that a site in a clean control gets a benign alarming line.
const DECOY_RATE = 0.3;

/**
 * In a clean control, sometimes writes a line that sounds alarming but is benign (`timeout
 * configured to 30s`, `permission check passed`, `circuit breaker CLOSED`, `0 errors`), chosen to
 * fit the site. Returns whether it wrote one.
 */
export function maybeDecoy(b: RequestBuilder, kind: SiteKind, span: Span, context: DecoyContext): boolean {
  const { rng } = b;
  if (!rng.chance(DECOY_RATE)) return false;
  const service = span.service;
  switch (kind) {
    case 'call': {
      const target = context.target ?? 'upstream';
      const pick = rng.int(0, 2);
      if (pick === 0) b.log(span, 'INFO', 'decoy.timeoutConfigured', { target, connectTimeout: rng.pick([250, 500, 1000]), timeoutS: rng.pick([5, 10, 30]) });
      else if (pick === 1) b.log(span, 'DEBUG', 'decoy.circuitClosed', { target, failures: 0, threshold: rng.pick([5, 10, 20]), window: rng.pick([30, 60]) });
      else b.log(span, 'DEBUG', 'decoy.retryPolicy', { target, max: 3, backoff: rng.pick([100, 200, 500]) });
      return true;
    }
    case 'handler': {
      const pick = rng.int(0, 2);
      if (pick === 0) {
        const max = rng.pick([512, 1024, 2048]);
        const pct = rng.int(25, 70);
        b.log(span, 'DEBUG', 'decoy.heapOk', { used: Math.round((max * pct) / 100), max, pct, limit: 90 });
      } else if (pick === 1) {
        b.log(span, 'DEBUG', 'decoy.diskOk', { mount: rng.pick(['/var/lib', '/var/log', '/tmp']), pct: rng.int(12, 64) });
      } else {
        b.log(span, 'INFO', 'decoy.noErrors', { count: rng.int(2, 400) });
      }
      return true;
    }
    case 'db': {
      const db = context.store;
      if (!db) return false;
      const pick = rng.int(0, 2);
      if (pick === 0) b.log(span, 'INFO', 'decoy.poolWarmed', { db: db.name, size: service.poolSize });
      else if (pick === 1) b.log(span, 'DEBUG', 'decoy.idleClosed', { db: db.name, host: db.host, port: db.port, idle: rng.pick([300, 600, 1800]) });
      else {
        const role = `${service.name.replace(/-service$/, '')}_rw`;
        b.log(span, 'DEBUG', 'decoy.permissionPassed', { subject: role, role: rng.pick(['SELECT', 'INSERT', 'UPDATE']), resource: `${db.name}.${context.table ?? ''}` });
      }
      return true;
    }
    case 'cache': {
      const cache = context.store;
      if (!cache) return false;
      b.log(span, 'DEBUG', 'decoy.cacheStats', { cache: cache.name, ratio: rng.int(71, 99) });
      return true;
    }
    case 'queue':
      b.log(span, 'DEBUG', 'decoy.queueLag', { topic: context.topic ?? 'events', lag: rng.int(0, 120), threshold: 10000 });
      return true;
    case 'external': {
      const host = context.host ?? 'upstream';
      if (rng.chance(0.5)) b.log(span, 'INFO', 'decoy.timeoutConfigured', { target: host, connectTimeout: rng.pick([1000, 2000]), timeoutS: rng.pick([10, 30, 60]) });
      else b.log(span, 'DEBUG', 'decoy.tlsOk', { host, days: rng.int(20, 340) });
      return true;
    }
    case 'auth': {
      const check = context.check;
      if (!check) return false;
      if (check.kind === 'token' && rng.chance(0.5)) {
        b.log(span, 'INFO', 'decoy.tokenRefreshed', { userId: check.userId, jti: check.jti });
      } else {
        const role = check.kind === 'role' ? check.role : 'session:validate';
        b.log(span, 'DEBUG', 'decoy.permissionPassed', { subject: `user:${check.userId}`, role, resource: check.kind === 'role' ? check.request.path : 'token' });
      }
      return true;
    }
  }
}
