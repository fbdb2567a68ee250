export { Pipeline, type PipelineOptions, type PipelineStatus } from './Pipeline.js';
export { PipelineMetrics, PIPELINE_MODES, type PipelineMode } from './PipelineMetrics.js';
export * from './types.js';
export { opsRoutes, type OpsSources } from './opsRoutes.js';
export { ANOMALY_ATTRIBUTES, anomalyBody, anomalyAttributes } from './anomalyRecord.js';
