import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../util/errors.js';
import { MemoryIncidentSink } from './MemoryIncidentSink.js';
import type { Incident, NewIncident } from './types.js';

/**
 * Appends incidents to a JSON-lines file: one `{"type":"incident",…}` line per new incident and one
 * `{"type":"occurrence","id":…}` line each time its signature is flagged again. Reading the file
 * at start restores the signatures, so a restart does not turn known incidents into new ones.
 * Each line is written with one synchronous append before `record` resolves.
 */
export class JsonlIncidentSink extends MemoryIncidentSink {
  private disposed = false;

  constructor(
    readonly path: string,
    capacity?: number,
  ) {
    super(capacity);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) this.restore();
  }

  override async record(incident: NewIncident): Promise<{ id: string; occurrences: number }> {
    if (this.disposed) throw new InputError(`incident sink ${this.path} is closed`);
    const stored = this.upsert(incident);
    const line = stored.occurrences === 1 ? { type: 'incident', ...stored } : { type: 'occurrence', id: stored.id, signature: stored.signature, at: stored.lastDetectedAt };
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    return { id: stored.id, occurrences: stored.occurrences };
  }

  override async dispose(): Promise<void> {
    this.disposed = true;
  }

  private restore(): void {
    const text = readFileSync(this.path, 'utf8');
    for (const [index, raw] of text.split('\n').entries()) {
      if (raw.trim() === '') continue;
      let line: (Incident & { type: 'incident' }) | { type: 'occurrence'; signature: string; at: number };
      try {
        line = JSON.parse(raw) as typeof line;
      } catch {
        // A line cut short by a crash mid-write: everything before it is intact.
        if (index === text.split('\n').length - 1 || text.split('\n').slice(index + 1).every((l) => l.trim() === '')) continue;
        throw new InputError(`incident file ${this.path}: line ${index + 1} is not JSON; move the file away to start a new one`);
      }
      if (line.type === 'incident') {
        const { type: _type, ...incident } = line;
        this.bySignature.set(incident.signature, incident);
      } else {
        const known = this.bySignature.get(line.signature);
        if (known) {
          known.occurrences++;
          known.lastDetectedAt = line.at;
        }
      }
    }
  }
}
