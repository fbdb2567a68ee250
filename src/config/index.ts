export { configSchema, type Config, type ConfigInput } from './schema.js';
export { loadConfig, readConfigFile, configFromEnv, configFromAssignments, formatConfigIssues, ENV_PREFIX, type LoadConfigOptions } from './load.js';
export { ingestConfigSchema, type IngestConfig } from './ingest.js';
export { sessionsConfigSchema, type SessionsConfig } from './sessions.js';
export { serviceConfigSchema, type ServiceConfig } from './service.js';
export { templatesConfigSchema, maskSchema, type TemplatesConfig, type MaskRule } from './templates.js';
