import { newIncidentId } from './ids.js';
import type { Incident, IncidentSink, NewIncident } from './types.js';

/** Keeps incidents in the process (tests, demos); the oldest go past `capacity`. */
export class MemoryIncidentSink implements IncidentSink {
  protected readonly bySignature = new Map<string, Incident>();

  constructor(private readonly capacity = 10_000) {}

  async record(incident: NewIncident): Promise<{ id: string; occurrences: number }> {
    const { id, occurrences } = this.upsert(incident);
    return { id, occurrences };
  }

  protected upsert(incident: NewIncident): Incident {
    const existing = this.bySignature.get(incident.signature);
    if (existing) {
      existing.occurrences++;
      existing.lastDetectedAt = incident.detectedAt;
      // Keep the map ordered by recency, so eviction takes the least recently seen.
      this.bySignature.delete(incident.signature);
      this.bySignature.set(incident.signature, existing);
      return existing;
    }
    const stored: Incident = { ...incident, id: newIncidentId(incident.detectedAt), occurrences: 1, lastDetectedAt: incident.detectedAt };
    this.bySignature.set(incident.signature, stored);
    if (this.bySignature.size > this.capacity) this.bySignature.delete(this.bySignature.keys().next().value!);
    return stored;
  }

  async recent(limit = 100): Promise<Incident[]> {
    return [...this.bySignature.values()].sort((a, b) => b.lastDetectedAt - a.lastDetectedAt).slice(0, limit);
  }

  async dispose(): Promise<void> {}
}
