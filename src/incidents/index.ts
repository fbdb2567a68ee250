export type { Incident, IncidentSink, NewIncident } from './types.js';
export type { AnomalyEvidence } from './evidence.js';
export { MemoryIncidentSink } from './MemoryIncidentSink.js';
export { JsonlIncidentSink } from './JsonlIncidentSink.js';
export { newIncidentId, signatureOf } from './ids.js';
export * from './IncidentStore.js';
