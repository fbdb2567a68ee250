import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { loadTaxonomy } from '../triage/taxonomy.js';
import { packageRoot } from '../util/packageRoot.js';
import { silentLogger } from '../util/logger.js';
import type { ApiContext } from './ApiContext.js';
import { ApiError, errorBody } from './ApiError.js';
import type { ApiOptions } from './ApiOptions.js';
import { actorOf, requireRole } from './auth.js';
import { buildOpenApiDocument } from './buildOpenApiDocument.js';
import { defineOperation, type Operation } from './operation.js';
import { noQuerySchema } from './requestSchemas.js';
import { incidentOperations } from './routes/incidentOperations.js';
import { overviewOperations } from './routes/overviewOperations.js';
import { toApiError } from './toApiError.js';

/** Default of {@link ApiOptions.maxBodyBytes}: 64 KiB, as config `api.maxBodyBytes`. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function packageVersion(): string {
  try {
    const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `GET /api/openapi.json`: public, so that tools can read the API without a token. */
function openApiOperation(document: () => object): Operation {
  return defineOperation({
    operationId: 'getOpenApi',
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document (needs no token)',
    role: 'public',
    usesStore: false,
    query: noQuerySchema,
    response: { schema: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document.'), description: 'The document.' },
    async handle() {
      return document() as Record<string, unknown>;
    },
  });
}

function methodNotAllowed(methods: readonly string[]) {
  const allow = [...new Set(methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])))].join(', ');
  return (req: Request): never => {
    throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${req.baseUrl}${req.path}; use ${allow}`, { headers: { Allow: allow } });
  };
}

/** Refuses a body that is not JSON before it is read: 415 for another type, 400 for none at all. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const type = req.is('application/json');
  if (type === null || (type === false && req.get('content-type') === undefined && req.get('content-length') === '0')) throw new ApiError('invalid_request', 'a JSON body is required; send Content-Type: application/json with a JSON object', { field: 'body', reason: 'missing' });
  if (type === false) throw new ApiError('unsupported_media_type', `the body is ${req.get('content-type') ?? 'of no declared type'}; send Content-Type: application/json`, { field: 'body', reason: 'not JSON' });
  next();
}

/**
 * The explanation API as an express application: `/api/incidents` (list, one, explanation,
 * review), `/api/categories`, `/api/stats`, `/api/audit` (admin), `/api/me` and
 * `/api/openapi.json`, then `options.web` (the review page) at `/`.
 *
 * Every answer under `/api` is JSON with `X-Content-Type-Options: nosniff` and `Cache-Control:
 * no-store`; `<`, `>` and `&` in strings are written as `\u003c`… so log content cannot turn into
 * markup. Every error, whatever the cause, is `{ error: { code, message, field?, reason?,
 * allowed?, requestId } }` (see {@link errorBody}). The app neither listens nor disposes the
 * store: the service does both, after {@link assertListenAllowed}.
 */
export function createApiApp(options: ApiOptions): express.Application {
  const logger = options.logger ?? silentLogger();
  const context: ApiContext = {
    store: options.store,
    taxonomy: options.taxonomy ?? loadTaxonomy(),
    logger,
    stats: options.stats ?? {},
  };
  let document: object | undefined;
  const operations: Operation[] = [
    ...incidentOperations(context),
    ...overviewOperations(context),
    openApiOperation(
      () =>
        (document ??= buildOpenApiDocument(operations, {
          title: 'logtriage explanation API',
          version: packageVersion(),
          description: 'Incidents flagged by logtriage, their explanations and their reviews. Times are Unix epoch ms. Every error has the one shape of `Error`.',
        })),
    ),
  ];

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('json escape', true);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    res.locals.requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.set('X-Request-Id', res.locals.requestId as string);
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  const api = express.Router();
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    next();
  });
  const jsonBody = express.json({ limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, type: 'application/json', strict: true });
  const methodsByPath = new Map<string, string[]>();
  for (const op of operations) {
    methodsByPath.set(op.path, [...(methodsByPath.get(op.path) ?? []), op.method]);
    const guards = [
      ...(op.role === 'public' ? [] : [requireRole(op.role, context.store, logger)]),
      ...(op.body ? [requireJsonBody, jsonBody] : []),
    ];
    api[op.method](op.path, ...guards, async (req: Request, res: Response) => {
      const body = await op.run({ params: req.params, query: req.query, body: req.body as unknown, actor: op.role === 'public' ? undefined : actorOf(res) });
      res.status(200).json(body);
    });
  }
  for (const [path, methods] of methodsByPath) api.all(path, methodNotAllowed(methods));
  api.use((req) => {
    throw new ApiError('not_found', `no API route ${req.method} ${req.baseUrl}${req.path}; the routes are listed in /api/openapi.json`);
  });
  app.use('/api', api);

  if (options.web) app.use(options.web);
  app.use((req) => {
    throw new ApiError('not_found', `nothing at ${req.method} ${req.path}`);
  });

  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const apiError = toApiError(error);
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    if (apiError.code === 'store_unavailable') logger.warn({ err: error, requestId, method: req.method, path: req.path }, 'API request failed: the incident store is unavailable');
    else if (apiError.status >= 500) logger.error({ err: error, requestId, method: req.method, path: req.path, code: apiError.code }, 'API request failed');
    res.status(apiError.status).set(apiError.headers).set('Cache-Control', 'no-store').json(errorBody(apiError, requestId));
  });
  return app;
}
