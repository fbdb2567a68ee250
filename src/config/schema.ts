import { z } from 'zod';
import { ingestConfigSchema } from './ingest.js';
import { forwardConfigSchema } from './forward.js';
import { pipelineConfigSchema } from './pipeline.js';
import { receiversConfigSchema } from './receivers.js';
import { scoringConfigSchema } from './scoring.js';
import { serviceConfigSchema } from './service.js';
import { sessionsConfigSchema } from './sessions.js';
import { apiConfigSchema, storeConfigSchema } from './store.js';
import { triageConfigSchema } from './triage.js';
import { templatesConfigSchema } from './templates.js';

/**
 * The one configuration schema of logtriage. Every field has a default and a description; a file,
 * the environment (`LOGTRIAGE_<SECTION>__<FIELD>`) and CLI flags are merged into it.
 */
export const configSchema = z
  .strictObject({
    service: serviceConfigSchema.prefault({}),
    ingest: ingestConfigSchema.prefault({}),
    templates: templatesConfigSchema.prefault({}),
    sessions: sessionsConfigSchema.prefault({}),
    scoring: scoringConfigSchema.prefault({}),
    pipeline: pipelineConfigSchema.prefault({}),
    receivers: receiversConfigSchema.prefault({}),
    forward: forwardConfigSchema.prefault({}),
    store: storeConfigSchema.prefault({}),
    api: apiConfigSchema.prefault({}),
    triage: triageConfigSchema.prefault({}),
  })
  .describe('logtriage configuration.');

export type Config = z.infer<typeof configSchema>;
/** What a config file may hold: any subset of {@link Config}. */
export type ConfigInput = z.input<typeof configSchema>;
