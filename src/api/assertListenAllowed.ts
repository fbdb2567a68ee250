import { ConfigError } from '../util/errors.js';
import { isLoopback } from './isLoopback.js';

/**
 * Refuses to serve the API on a non-loopback `host` while no API token exists: without tokens the
 * API is open (every caller is `local` admin), so it may only be reachable from this machine.
 * Throws a {@link ConfigError} saying how to create a token; returns quietly otherwise.
 *
 * @param host the `api.host` the service is about to listen on
 * @param hasTokens `await store.hasTokens()`
 */
export function assertListenAllowed(host: string, hasTokens: boolean): void {
  if (hasTokens || isLoopback(host)) return;
  throw new ConfigError(
    `api.host is ${JSON.stringify(host)}, which is not loopback, but no API token exists, so anyone who can reach this port could read and review incidents. ` +
      'Create a token first with `logtriage tokens create --name <name> --role admin` (clients then send `Authorization: Bearer <token>`), ' +
      'or listen on loopback only (api.host 127.0.0.1, the default).',
  );
}
