import type { NextFunction, Request, Response } from 'express';
import type { IncidentStore, Role } from '../incidents/index.js';
import type { Logger } from '../util/logger.js';
import { ApiError } from './ApiError.js';
import { isLoopback } from './isLoopback.js';

/** Who is calling: a token's name and role, or `local` (admin) when the API runs without tokens. */
export interface Actor {
  name: string;
  role: Role;
  auth: 'token' | 'open';
  tokenId?: string;
}

/** The actor name of reviews made while the API runs without tokens. */
export const LOCAL_ACTOR = 'local';

const RANK: Record<Role, number> = { viewer: 0, reviewer: 1, admin: 2 };
// Tokens the store hands out are far shorter; a longer one is refused before it reaches the store.
const MAX_TOKEN_CHARS = 512;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="logtriage"' };

/** Whether `role` may do what `required` may. */
export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/**
 * Resolves the caller from `Authorization: Bearer <token>` (checked with `store.verifyToken`).
 * Without the header: 401 when the store has tokens; when it has none the API is open, but only
 * to loopback peers that address it by a loopback name (`Host`), and the caller is the `local`
 * admin (the service also refuses to listen elsewhere, see `assertListenAllowed`). A presented
 * token is always checked, even in open mode.
 */
export async function authenticate(req: Request, store: IncidentStore, logger: Logger): Promise<Actor> {
  const header = req.get('authorization');
  if (header !== undefined) {
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'the Authorization header must be `Bearer <token>`', { headers: CHALLENGE });
    const token = match[1]!;
    const info = token.length <= MAX_TOKEN_CHARS ? await store.verifyToken(token) : undefined;
    if (!info) {
      logger.warn({ peer: req.socket.remoteAddress, path: req.path }, 'API call with an invalid or revoked token');
      throw new ApiError('unauthorized', 'the bearer token is invalid or revoked; ask an admin for a token (`logtriage tokens create`)', { headers: CHALLENGE });
    }
    return { name: info.name, role: info.role, auth: 'token', tokenId: info.id };
  }
  if (await store.hasTokens()) {
    throw new ApiError('unauthorized', 'this API requires a token: send `Authorization: Bearer <token>` (an admin creates one with `logtriage tokens create`)', { headers: CHALLENGE });
  }
  if (!isLoopback(req.socket.remoteAddress ?? '')) {
    throw new ApiError('unauthorized', 'no API token exists, so the API only answers callers on this machine; create one with `logtriage tokens create --name <name> --role <role>`', {
      headers: CHALLENGE,
    });
  }
  // Without tokens a web page the SRE visits could rebind its own name to 127.0.0.1 and read the
  // API from the browser; a Host that is not loopback gives that away.
  const host = req.hostname;
  if (host !== undefined && host !== '' && !isLoopback(host)) {
    throw new ApiError('unauthorized', `no API token exists, so the API only answers requests addressed to localhost or a loopback address, not ${JSON.stringify(host)}; create a token with \`logtriage tokens create\` to serve other names`, {
      headers: CHALLENGE,
    });
  }
  return { name: LOCAL_ACTOR, role: 'admin', auth: 'open' };
}

/** Express middleware: authenticates the caller, checks `required`, and puts the actor in `res.locals.actor`. */
export function requireRole(required: Role, store: IncidentStore, logger: Logger) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const actor = await authenticate(req, store, logger);
    if (!roleAllows(actor.role, required)) {
      throw new ApiError('forbidden', `${req.method} ${req.baseUrl}${req.path} needs the role ${required} or above; the token ${JSON.stringify(actor.name)} has the role ${actor.role}`);
    }
    res.locals.actor = actor;
    next();
  };
}

/** The actor `requireRole` resolved for this request. */
export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}
