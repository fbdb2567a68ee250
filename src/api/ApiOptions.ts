import type { RequestHandler, Router } from 'express';
import type { IncidentStore } from '../incidents/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import type { Logger } from '../util/logger.js';

/** Extra figures the service adds to `GET /api/stats`. A source that throws is answered as null and logged. */
export interface ApiStatsSources {
  /** The pipeline's status (mode, model version, queues), answered as `pipeline`. Absent: no `pipeline` field. */
  pipelineStatus?: () => object | Promise<object>;
  /** Incidents waiting for tier 2, answered as `triageQueueDepth`. Default: `store.pendingCount()`. */
  triageQueueDepth?: () => number | Promise<number>;
}

/** What {@link createApiApp} is built from. */
export interface ApiOptions {
  /** The incident store: incidents, reviews, audit log and API tokens. Not disposed by the app. */
  store: IncidentStore;
  /** Categories `relabel` accepts and `GET /api/categories` lists. Default: `loadTaxonomy()` (prompts/taxonomy.yaml). */
  taxonomy?: Taxonomy;
  /** Largest JSON request body, bytes (config `api.maxBodyBytes`). Default 65536. */
  maxBodyBytes?: number;
  /** Structured logger; requests that fail with 5xx and refused tokens are logged. Default: silent. */
  logger?: Logger;
  /** Extra sources of `GET /api/stats`. */
  stats?: ApiStatsSources;
  /** The review page, mounted at `/` after `/api` (built in `src/web/`). Without it, `/` answers 404. */
  web?: RequestHandler | Router;
}
