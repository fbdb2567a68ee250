import type { IncidentQuery } from '../../incidents/index.js';
import { InputError } from '../../util/errors.js';
import { ApiError } from '../ApiError.js';
import type { ApiContext } from '../ApiContext.js';
import { toExplanation, toIncidentJson, toIncidentSummary } from '../incidentViews.js';
import { defineOperation, type Operation } from '../operation.js';
import { incidentListQuerySchema, incidentParamsSchema, noQuerySchema, reviewBodySchema, type IncidentListQuery } from '../requestSchemas.js';
import { explanationSchema, incidentPageSchema, incidentSchema } from '../responseSchemas.js';
import { LOCAL_ACTOR } from '../auth.js';

function notFound(id: string): ApiError {
  const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
  return new ApiError('not_found', `no incident with id ${JSON.stringify(shown)}; list incidents with GET /api/incidents`);
}

function storeQuery(query: IncidentListQuery): IncidentQuery {
  const { review, ...rest } = query;
  return { ...rest, ...(review !== undefined ? { reviewState: review } : {}) };
}

/** `GET /api/incidents`, `GET /api/incidents/:id`, `GET /api/incidents/:id/explanation`, `POST /api/incidents/:id/review`. */
export function incidentOperations(context: ApiContext): Operation[] {
  const { store, taxonomy } = context;
  const categories = taxonomy.categories.map((c) => c.name) as [string, ...string[]];

  async function load(id: string) {
    const incident = await store.get(id);
    if (!incident) throw notFound(id);
    return incident;
  }

  return [
    defineOperation({
      operationId: 'listIncidents',
      method: 'get',
      path: '/incidents',
      tag: 'incidents',
      summary: 'List incidents, newest first, with filters and cursor paging',
      role: 'viewer',
      usesStore: true,
      query: incidentListQuerySchema,
      response: { schema: incidentPageSchema, description: 'One page; follow `nextCursor` for the next.' },
      async handle({ query }) {
        const page = await store.list(storeQuery(query)).catch((error: unknown) => {
          // The cursor is opaque to the API; only the store can tell that it is not one of its own.
          if (error instanceof InputError && query.cursor !== undefined && /^cursor\b/.test(error.message)) {
            throw new ApiError('invalid_request', error.message, { field: 'cursor', reason: 'not a cursor from a previous page', cause: error });
          }
          throw error;
        });
        return { items: page.items.map(toIncidentSummary), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
      },
    }),
    defineOperation({
      operationId: 'getIncident',
      method: 'get',
      path: '/incidents/:id',
      tag: 'incidents',
      summary: 'One incident with its events, lines, evidence, triage and review',
      role: 'viewer',
      usesStore: true,
      notFound: true,
      params: incidentParamsSchema,
      query: noQuerySchema,
      response: { schema: incidentSchema, description: 'The incident. Times are Unix epoch ms.' },
      async handle({ params }) {
        return toIncidentJson(await load(params.id));
      },
    }),
    defineOperation({
      operationId: 'getExplanation',
      method: 'get',
      path: '/incidents/:id/explanation',
      tag: 'incidents',
      summary: "Why the incident was flagged and what it is (tier 2's explanation, with the reviewer's corrections)",
      description:
        'Answers 200 in every triage state: while the incident is `pending` (or `failed`) the triage fields are null and the lists empty, ' +
        'so a client can poll this until `status` is `triaged`. 404 only for an unknown id.',
      role: 'viewer',
      usesStore: true,
      notFound: true,
      params: incidentParamsSchema,
      query: noQuerySchema,
      response: { schema: explanationSchema, description: 'The explanation.' },
      async handle({ params }) {
        return toExplanation(await load(params.id));
      },
    }),
    defineOperation({
      operationId: 'reviewIncident',
      method: 'post',
      path: '/incidents/:id/review',
      tag: 'incidents',
      summary: 'Review an incident: confirm, false positive, relabel, edit the explanation, or add a note',
      description: `The store records who (the token's name, or \`${LOCAL_ACTOR}\` without tokens), when, and the review before and after in the audit log. A false positive's signature is not flagged again.`,
      role: 'reviewer',
      usesStore: true,
      notFound: true,
      params: incidentParamsSchema,
      query: noQuerySchema,
      body: reviewBodySchema(categories),
      response: { schema: incidentSchema, description: 'The incident after the review.' },
      async handle({ params, body, actor }) {
        const updated = await store.review(params.id, body, actor?.name ?? LOCAL_ACTOR);
        if (!updated) throw notFound(params.id);
        return toIncidentJson(updated);
      },
    }),
  ];
}
