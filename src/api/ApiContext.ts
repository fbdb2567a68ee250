import type { IncidentStore } from '../incidents/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';
import type { Logger } from '../util/logger.js';
import type { ApiStatsSources } from './ApiOptions.js';

/** What the operations work with: {@link ApiOptions} with the defaults applied. */
export interface ApiContext {
  store: IncidentStore;
  taxonomy: Taxonomy;
  logger: Logger;
  stats: ApiStatsSources;
}
