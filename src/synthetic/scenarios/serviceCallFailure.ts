import type { Runtime } from '../topology.js';
import { isGateway, req, callee, http, retries, type Scenario } from './common.js';

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

/** The serviceCallFailure scenarios: how this category of failure shows up at each kind of site. */
export const SERVICE_CALL: Scenario[] = [
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
