import type { ApiContext } from '../ApiContext.js';
import { ApiError } from '../ApiError.js';
import { defineOperation, type Operation } from '../operation.js';
import { auditQuerySchema, noQuerySchema } from '../requestSchemas.js';
import { auditSchema, categoriesSchema, meSchema, statsSchema, type CategoriesJson } from '../responseSchemas.js';

/** Calls an optional stats source; a failure is logged and answered as null, so one broken source does not hide the rest. */
async function fromSource<T>(context: ApiContext, name: string, source: () => T | Promise<T>): Promise<T | null> {
  try {
    return await source();
  } catch (error) {
    context.logger.warn({ err: error, source: name }, 'a stats source failed; answering null for it');
    return null;
  }
}

/** `GET /api/categories`, `GET /api/stats`, `GET /api/audit` (admin), `GET /api/me`. */
export function overviewOperations(context: ApiContext): Operation[] {
  const { store, taxonomy } = context;
  return [
    defineOperation({
      operationId: 'listCategories',
      method: 'get',
      path: '/categories',
      tag: 'overview',
      summary: "The taxonomy's categories with descriptions and incident counts; categories in use but missing from the taxonomy are listed too, flagged",
      role: 'viewer',
      usesStore: true,
      query: noQuerySchema,
      response: { schema: categoriesSchema, description: 'The categories.' },
      async handle() {
        const counts = new Map((await store.categories()).map((c) => [c.category, c.count]));
        const known = new Set(taxonomy.categories.map((c) => c.name));
        const categories: CategoriesJson['categories'] = taxonomy.categories.map((c) => ({ name: c.name, description: c.description, count: counts.get(c.name) ?? 0, inTaxonomy: true }));
        const missing = [...counts].filter(([name]) => !known.has(name)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        for (const [name, count] of missing) categories.push({ name, description: null, count, inTaxonomy: false });
        return { categories };
      },
    }),
    defineOperation({
      operationId: 'getStats',
      method: 'get',
      path: '/stats',
      tag: 'overview',
      summary: 'Incident counts, the triage queue depth and the pipeline status',
      role: 'viewer',
      usesStore: true,
      query: noQuerySchema,
      response: { schema: statsSchema, description: 'The figures.' },
      async handle() {
        const stats = await store.stats();
        const depth = context.stats.triageQueueDepth ?? (() => store.pendingCount());
        const pipelineStatus = context.stats.pipelineStatus;
        const [triageQueueDepth, pipeline] = await Promise.all([
          fromSource(context, 'triageQueueDepth', depth),
          pipelineStatus ? fromSource(context, 'pipelineStatus', pipelineStatus) : Promise.resolve(undefined),
        ]);
        return {
          ...stats,
          triageQueueDepth,
          ...(pipeline !== undefined ? { pipeline: pipeline as Record<string, unknown> | null } : {}),
        };
      },
    }),
    defineOperation({
      operationId: 'listAudit',
      method: 'get',
      path: '/audit',
      tag: 'admin',
      summary: 'The review audit log: who changed which incident when, with the review before and after',
      role: 'admin',
      usesStore: true,
      query: auditQuerySchema,
      response: { schema: auditSchema, description: 'Audit entries, newest first.' },
      async handle({ query }) {
        const entries = await store.audit(query.incident, query.limit ?? 100);
        return { entries: entries.map((e) => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, incidentId: e.incidentId, before: e.before, after: e.after })) };
      },
    }),
    defineOperation({
      operationId: 'getMe',
      method: 'get',
      path: '/me',
      tag: 'overview',
      summary: 'Who the caller is and their role (for showing or hiding review actions)',
      role: 'viewer',
      usesStore: true,
      query: noQuerySchema,
      response: { schema: meSchema, description: 'The caller.' },
      async handle({ actor }) {
        if (!actor) throw new ApiError('internal_error', 'no caller was resolved for /api/me');
        return { name: actor.name, role: actor.role, auth: actor.auth };
      },
    }),
  ];
}
