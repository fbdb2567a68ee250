export { configSchema, type Config, type ConfigInput } from './schema.js';
export { loadConfig, readConfigFile, configFromEnv, configFromAssignments, formatConfigIssues, ENV_PREFIX, type LoadConfigOptions } from './load.js';
export { ingestConfigSchema, type IngestConfig } from './ingest.js';
export { sessionsConfigSchema, parseSessionsConfig, parseSessionKeySpec, sessionKeySpecOrThrow, type SessionsConfig, type SessionsConfigInput, type SessionKeySpec } from './sessions.js';
export { serviceConfigSchema, type ServiceConfig } from './service.js';
export { templatesConfigSchema, maskSchema, maskSpecSchema, type TemplatesConfig, type MaskRule } from './templates.js';
export { scoringConfigSchema, type ScoringConfig } from './scoring.js';
export { pipelineConfigSchema, type PipelineConfig, type PipelineConfigInput } from './pipeline.js';
