import { z } from 'zod';
import { API_ERROR_STATUS } from './ApiError.js';
import type { Operation } from './operation.js';
import {
  auditEntrySchema,
  auditSchema,
  categoriesSchema,
  errorSchema,
  explanationSchema,
  incidentPageSchema,
  incidentSchema,
  incidentSummarySchema,
  meSchema,
  reviewStateSchema,
  statsSchema,
  triageResultSchema,
  triageStateSchema,
} from './responseSchemas.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
type Json = Record<string, unknown>;

/** Response schemas with a name in `components.schemas` (the rest are inlined where used). */
const NAMED_RESPONSES: [string, z.ZodType][] = [
  ['Incident', incidentSchema],
  ['IncidentSummary', incidentSummarySchema],
  ['IncidentPage', incidentPageSchema],
  ['Explanation', explanationSchema],
  ['TriageState', triageStateSchema],
  ['TriageResult', triageResultSchema],
  ['Review', reviewStateSchema],
  ['Categories', categoriesSchema],
  ['Stats', statsSchema],
  ['AuditEntry', auditEntrySchema],
  ['Audit', auditSchema],
  ['Me', meSchema],
  ['Error', errorSchema],
];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `field` names the query parameter, path parameter or body field and `reason` says why (also malformed JSON, code `invalid_json`).',
  401: 'No valid bearer token (the API has tokens, or the caller is not on this machine).',
  403: "The token's role may not do this.",
  404: 'No such incident.',
  413: 'The body is larger than `api.maxBodyBytes`.',
  415: 'The body is not `application/json`.',
  500: 'Internal error (logged with the request id; no details are answered).',
  503: 'The incident store is unavailable; retry later (`Retry-After`).',
};

// Safe-integer bounds that zod writes for every z.number().int() say nothing to a reader.
function tidy(ctx: { jsonSchema: Json }): void {
  const schema = ctx.jsonSchema;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
}

function componentsOf(named: [string, z.ZodType][], io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any', override: tidy as never });
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Json;
    out[id] = rest;
  }
  return out;
}

function inline(schema: z.ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: tidy as never }) as Json;
  return rest;
}

/** OpenAPI parameters from a params or query schema (a zod object: one parameter per key). */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...fieldSchema } = inline(field);
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

function errorStatuses(op: Operation): number[] {
  const statuses = new Set<number>([500]);
  if (op.params || op.query || op.body) statuses.add(400);
  if (op.role !== 'public') statuses.add(401).add(403);
  if (op.notFound) statuses.add(404);
  if (op.body) statuses.add(413).add(415);
  if (op.usesStore) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

const requestName = (op: Operation) => `${op.operationId[0]!.toUpperCase()}${op.operationId.slice(1)}Request`;

/** Document metadata of {@link buildOpenApiDocument}. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/**
 * The OpenAPI 3.1 document of `operations`, generated with `z.toJSONSchema` from the same zod
 * schemas that validate requests (input shapes) and describe answers (output shapes): paths under
 * `/api`, the bearer security scheme with each operation's least role, and the one error shape
 * for every status an operation can answer.
 */
export function buildOpenApiDocument(operations: readonly Operation[], info: OpenApiInfo): Json {
  const responseNames = new Map<z.ZodType, string>(NAMED_RESPONSES.map(([name, schema]) => [schema, name]));
  const schemas = {
    ...componentsOf(NAMED_RESPONSES, 'output'),
    ...componentsOf(
      operations.flatMap((op): [string, z.ZodType][] => (op.body ? [[requestName(op), op.body]] : [])),
      'input',
    ),
  };
  const errorRef = { $ref: '#/components/schemas/Error' };
  const responses: Record<string, Json> = {};
  for (const status of new Set(Object.values(API_ERROR_STATUS))) {
    responses[`Error${status}`] = { description: ERROR_DESCRIPTIONS[status] ?? `Error ${status}.`, content: { 'application/json': { schema: errorRef } } };
  }

  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    const path = `/api${op.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const name = responseNames.get(op.response.schema);
    const okSchema = name ? { $ref: `#/components/schemas/${name}` } : inline(op.response.schema);
    const parameters = [...parametersOf(op.params, 'path'), ...parametersOf(op.query, 'query')];
    (paths[path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.role === 'public' ? { security: [] } : { 'x-required-role': op.role }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${requestName(op)}` } } } } } : {}),
      responses: {
        200: { description: op.response.description, content: { 'application/json': { schema: okSchema } } },
        ...Object.fromEntries(errorStatuses(op).map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }])),
      },
    };
  }

  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'incidents', description: 'Incidents, their explanations and reviews.' },
      { name: 'overview', description: 'Categories, figures and the caller.' },
      { name: 'admin', description: 'Admin only.' },
      { name: 'meta', description: 'This document.' },
    ],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token from `logtriage tokens create --name <name> --role <viewer|reviewer|admin>`, sent as `Authorization: Bearer <token>`. ' +
            'viewer reads, reviewer also reviews, admin also reads the audit log (`x-required-role` on each operation). ' +
            'While no token exists the API needs none and answers only callers on the same machine, as the admin `local`.',
        },
      },
    },
  };
}
