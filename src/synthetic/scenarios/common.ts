import type { RequestBuilder } from '../RequestBuilder.js';
import type { Failure, FaultSite, SiteKind, Span } from '../faults.js';
import { statusText, type HttpRequest } from '../http.js';
import type { Datastore, ExternalApi, Runtime } from '../topology.js';

/**
 * One way a failure of a category shows up at a kind of site. `run` writes the lines of the failure
 * (the first one at WARN or above) and says how it looks to the caller.
 */
export interface Scenario {
  /** What goes wrong, for people reading this file. */
  name: string;
  kinds: readonly SiteKind[];
  when?: (site: FaultSite) => boolean;
  run: (b: RequestBuilder, site: FaultSite) => Failure;
}

export type ByRuntime = Record<Runtime, string>;

export const isGateway = (span: Span): boolean => span.service.name === 'api-gateway';
export const req = (site: FaultSite): HttpRequest => site.request ?? { method: 'GET', path: '/' };
export const store = (site: FaultSite): Datastore => {
  if (!site.store) throw new RangeError(`${site.kind} site without a store`);
  return site.store;
};
export const callee = (site: FaultSite): Span => {
  if (!site.callee) throw new RangeError('call site without a callee');
  return site.callee;
};
export const external = (site: FaultSite): ExternalApi => {
  if (!site.external) throw new RangeError('external site without an API');
  return site.external;
};
export const short = (name: string): string => name.replace(/-service$/, '');
export const http = (status: number): string => `HTTP ${status} ${statusText(status)}`;

/** Caller-side retries of a failing call: `attempts - 1` WARN lines, each after `waitMs`. */
export function retries(b: RequestBuilder, span: Span, target: string, attempts: number, error: string, waitMs: number): void {
  for (let attempt = 1; attempt < attempts; attempt++) {
    b.pause(waitMs);
    const backoff = b.rng.pick([100, 200, 400, 800]);
    b.log(span, 'WARN', 'call.retry', { target, error, backoff, attempt, max: attempts });
    b.pause(backoff);
  }
  b.pause(waitMs);
}

export function connectionRefused(runtime: Runtime, host: string, ip: string, port: number): string {
  const errors: ByRuntime = {
    go: `dial tcp ${ip}:${port}: connect: connection refused`,
    java: `java.net.ConnectException: Connection refused (${host}/${ip}:${port})`,
    node: `connect ECONNREFUSED ${ip}:${port}`,
    python: `ConnectionRefusedError: [Errno 111] Connection refused`,
  };
  return errors[runtime];
}

export function connectionReset(runtime: Runtime, ip: string, port: number): string {
  const errors: ByRuntime = {
    go: `read tcp 10.0.0.1:41234->${ip}:${port}: read: connection reset by peer`,
    java: 'java.net.SocketException: Connection reset',
    node: 'read ECONNRESET',
    python: 'ConnectionResetError: [Errno 104] Connection reset by peer',
  };
  return errors[runtime];
}

export function dnsFailure(runtime: Runtime, host: string): string {
  const errors: ByRuntime = {
    go: `lookup ${host} on 10.96.0.10:53: no such host`,
    java: `java.net.UnknownHostException: ${host}: Temporary failure in name resolution`,
    node: `getaddrinfo EAI_AGAIN ${host}`,
    python: 'socket.gaierror: [Errno -3] Temporary failure in name resolution',
  };
  return errors[runtime];
}

export function peerGone(runtime: Runtime): string {
  const errors: ByRuntime = { go: 'EOF', java: 'java.io.IOException: Connection reset by peer', node: 'socket hang up', python: 'RemoteDisconnected: Remote end closed connection without response' };
  return errors[runtime];
}
