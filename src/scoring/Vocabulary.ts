/** Reserved indices: padding, an unseen template, the start and the end of a session. */
export const PAD = 0;
export const UNK = 1;
export const BOS = 2;
export const EOS = 3;
const RESERVED = ['<pad>', '<unk>', '<start>', '<end>'] as const;

/**
 * Template ids ↔ model indices. Index 1 is reserved for templates unseen in training, so a model
 * meets any id without failing; the start and end of a session are events of their own, so a
 * session that stops early is judged by the model (how likely the end is there), not by a rule.
 */
export class Vocabulary {
  private readonly index = new Map<string, number>();

  constructor(readonly templateIds: readonly string[]) {
    templateIds.forEach((id, i) => this.index.set(id, RESERVED.length + i));
  }

  /** Builds the vocabulary of the templates seen in `sessions`, in order of first appearance. */
  static fromSessions(sessions: Iterable<readonly string[]>): Vocabulary {
    const seen = new Set<string>();
    for (const session of sessions) for (const id of session) seen.add(id);
    return new Vocabulary([...seen]);
  }

  /** Number of model classes: the reserved ones plus every template. */
  get size(): number {
    return RESERVED.length + this.templateIds.length;
  }

  /** Whether the template id is one the model was trained with. */
  has(templateId: string): boolean {
    return this.index.has(templateId);
  }

  /** Model indices of a session's templates; unseen ones become {@link UNK}. */
  encode(session: readonly string[]): number[] {
    return session.map((id) => this.index.get(id) ?? UNK);
  }

  /** The template id (or reserved name) of a model index. */
  decode(index: number): string {
    return index < RESERVED.length ? RESERVED[index]! : (this.templateIds[index - RESERVED.length] ?? RESERVED[UNK]);
  }

  toJSON(): { reserved: readonly string[]; templateIds: readonly string[] } {
    return { reserved: RESERVED, templateIds: this.templateIds };
  }
}
