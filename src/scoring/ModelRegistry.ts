import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import type { SequenceScorer } from './SequenceScorer.js';

/** One stored model version. */
export interface ModelVersion {
  version: string;
  dir: string;
  active: boolean;
  createdAt: string;
  threshold: number;
  architecture: string;
}

/**
 * Model versions under `<dataDir>/models/`: each version a directory named by its creation time,
 * and `ACTIVE` naming the one in use, so a bad model is one command from being rolled back. The
 * activation history (`HISTORY`, newest last) is what `rollback` walks back through.
 */
export class ModelRegistry {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'models');
  }

  /** Saves a trained scorer as a new version and makes it active. Returns the version name. */
  async add(scorer: SequenceScorer, name: string = scorer.meta.architecture): Promise<string> {
    mkdirSync(this.root, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let version = `${stamp}-${name}`;
    for (let i = 2; existsSync(join(this.root, version)); i++) version = `${stamp}-${name}-${i}`;
    await scorer.save(join(this.root, version));
    this.activate(version);
    return version;
  }

  /** All versions, oldest first. */
  list(): ModelVersion[] {
    if (!existsSync(this.root)) return [];
    const active = this.activeVersion();
    return readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(this.root, d.name, 'meta.json')))
      .map((d) => {
        const meta = JSON.parse(readFileSync(join(this.root, d.name, 'meta.json'), 'utf8')) as { createdAt?: string; threshold?: number; architecture?: string };
        return { version: d.name, dir: join(this.root, d.name), active: d.name === active, createdAt: meta.createdAt ?? '', threshold: meta.threshold ?? NaN, architecture: meta.architecture ?? '?' };
      })
      .sort((a, b) => a.version.localeCompare(b.version));
  }

  /** The active version's name, or undefined when none is. */
  activeVersion(): string | undefined {
    const file = join(this.root, 'ACTIVE');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
  }

  /** Directory of the active version; an {@link InputError} when there is none. */
  activeDir(): string {
    const version = this.activeVersion();
    if (!version) throw new InputError(`no active model in ${this.root}; train one with \`logtriage train\``);
    return join(this.root, version);
  }

  /** Makes `version` the active one. */
  activate(version: string): void {
    if (!existsSync(join(this.root, version, 'meta.json'))) {
      const known = this.list().map((v) => v.version);
      throw new InputError(`no model version "${version}" in ${this.root}${known.length ? `; versions: ${known.join(', ')}` : ''}`);
    }
    this.writeAtomically('ACTIVE', `${version}\n`);
    const history = this.history();
    if (history.at(-1) !== version) this.writeAtomically('HISTORY', [...history, version].join('\n') + '\n');
  }

  /** Goes back to the version active before the current one. Returns its name. */
  rollback(): string {
    const history = this.history();
    if (history.length < 2) throw new InputError('no earlier model version to roll back to');
    const previous = history[history.length - 2]!;
    this.writeAtomically('ACTIVE', `${previous}\n`);
    this.writeAtomically('HISTORY', history.slice(0, -1).join('\n') + '\n');
    return previous;
  }

  private history(): string[] {
    const file = join(this.root, 'HISTORY');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  private writeAtomically(name: string, text: string): void {
    const temporary = join(this.root, `.${name}.${process.pid}`);
    writeFileSync(temporary, text);
    renameSync(temporary, join(this.root, name));
  }
}
