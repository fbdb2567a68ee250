import { statusText } from '../http.js';
import { vary } from '../variables.js';
import { isGateway, req, store, callee, short, http, external, type Scenario, type ByRuntime } from './common.js';

/** The permissionError scenarios: how this category of failure shows up at each kind of site. */
export const PERMISSION: Scenario[] = [
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
      const api = external(site);
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
