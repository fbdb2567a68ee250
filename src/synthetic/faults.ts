import type { HttpRequest } from './http.js';
import type { Datastore, ExternalApi, Instance, Service, ServiceName } from './topology.js';

/** A unit of work inside one service: its log lines share the span id. */
export interface Span {
  readonly id: string;
  readonly service: Service;
  readonly instance: Instance;
  /** Clock (epoch ms) when the span started. */
  readonly start: number;
  readonly parent: Span | undefined;
}

/** Where a flow touches something that can fail. */
export type SiteKind = 'call' | 'db' | 'cache' | 'queue' | 'external' | 'handler' | 'auth';

/** An authorization decision a service takes. */
export type AuthCheck =
  | { kind: 'token'; jti: string; userId: number }
  | { kind: 'role'; userId: number; role: string; request: HttpRequest };

/** One place where a failure may be injected, with what the scenario needs to describe it. */
export interface FaultSite {
  kind: SiteKind;
  /** The span the site belongs to: the caller for `call`, the owning service otherwise. */
  span: Span;
  /** `call`: the called service's span (not yet entered). */
  callee?: Span;
  /** `call`, `handler`, `external`: the request being made or handled. */
  request?: HttpRequest;
  /** `db`, `cache`, `queue`: the store. */
  store?: Datastore;
  /** `db`: table; `cache`: key; `queue`: topic. */
  object?: string;
  /** `db`: the operation as the driver names it (`SELECT`, `find`, …); `cache`: the command. */
  op?: string;
  /** `db`: whether the operation writes. */
  write?: boolean;
  /** `queue`: the event being published. */
  event?: string;
  /** `external`: the third-party API. */
  external?: ExternalApi;
  /** `auth`: the decision being taken. */
  check?: AuthCheck;
}

/** How a failure looks to whoever called the failing component. */
export interface Failure {
  /** The HTTP status the caller ends up with. */
  status: number;
  /** What the caller's client reports (`socket hang up`, `HTTP 503 Service Unavailable`, …). */
  error: string;
  /** A deadline ran out: every hop answers 504. */
  timeout?: boolean;
  /** The caller got no HTTP response at all (connection refused, reset, crash). */
  noResponse?: boolean;
  /** The failing service crashed or already said all it would: no summary line from it. */
  quiet?: boolean;
  /** The span that already reported this failure; its caller still reports what it saw. */
  loggedBy: Span;
  /** The service the gateway blames in its access line. */
  upstream?: ServiceName;
}

/** Thrown through the flow to unwind the request from the point of failure. */
export class RequestFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.error);
    this.name = 'RequestFailure';
  }
}
