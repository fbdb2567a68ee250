import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { PipelineStatus } from './Pipeline.js';

/** What the operational endpoints read. */
export interface OpsSources {
  metrics: Registry;
  status: () => PipelineStatus;
  /** Extra readiness condition (e.g. receivers listening). Default: always true. */
  listening?: () => boolean;
}

/**
 * `GET /metrics` (Prometheus text format), `GET /healthz` (the process answers) and `GET /readyz`
 * (200 with the pipeline status once records are accepted, 503 before and while stopping). Returns
 * a request handler that answers these paths and returns false for any other, so it can sit in
 * front of another handler.
 */
export function opsRoutes(sources: OpsSources): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ code: 405, message: `${req.method} is not allowed on ${path}; use GET` }));
      return true;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return true;
    }
    if (path === '/readyz') {
      const status = sources.status();
      const ready = status.ready && (sources.listening?.() ?? true);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ...status, ready }));
      return true;
    }
    sources.metrics
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': sources.metrics.contentType }).end(text))
      .catch((error: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 500, message: `metrics failed: ${(error as Error).message}` })));
    return true;
  };
}
