import type { TemplatesConfig } from '../config/templates.js';
import { compileMasks, DEFAULT_MASKS, WILDCARD, type Mask, type MaskSpec } from './masks.js';
import { templateIdOf } from './templateId.js';
import { PrefixTree, type Leaf } from './PrefixTree.js';
import { constantCount, fit, matchShare, skeletonOf } from './similarity.js';
import { isVariableToken, maskTokens, splitMessage } from './tokenize.js';

/** Options of {@link TemplateMiner}; the `templates` config slice, every field optional. */
export type TemplateMinerOptions = Partial<Omit<TemplatesConfig, 'masks' | 'extraMasks'>> & {
  /** Masks in order: built-in names or regex rules. Default {@link DEFAULT_MASKS}. */
  masks?: readonly MaskSpec[];
  /** Masks that run before `masks`. Default none. */
  extraMasks?: readonly MaskSpec[];
};

/** One template (Drain: a log cluster). */
export interface Template {
  /** Stable id: a hash of `text` (see `templateIdOf`). */
  readonly id: string;
  /** The template with `<*>` for variables, spacing as in the first message. */
  readonly text: string;
  /** Messages matched so far. */
  readonly count: number;
  /** Earlier ids of this template, before it was generalised (newest last). */
  readonly previousIds: readonly string[];
}

/** What {@link TemplateMiner.add} and {@link TemplateMiner.match} return. */
export interface MatchResult {
  templateId: string;
  template: string;
  /** `created`: a new template; `updated`: an existing one was generalised; `matched`: unchanged. */
  change: 'created' | 'updated' | 'matched';
}

/** Internal cluster state; `tokens` are masked template tokens. */
export interface Cluster {
  id: string;
  text: string;
  tokens: string[];
  seps: string[];
  count: number;
  previousIds: string[];
  /** Prefix-tree path the cluster was filed under. */
  path: string[];
  leaf: Leaf<Cluster>;
  /** The template's constant tokens (see `skeletonOf`). */
  skeleton: string;
  /** Keys the template is filed under in the token and sibling indexes. */
  tokensKey: string;
  siblingKeys: string[];
}

const TOKEN_SEPARATOR = '\u0001';

// Constant words besides the varying one that a template needs before that one can be judged a
// value: in `boot (command 12)` or a one-word message the varying word is the event itself.
const MIN_CONTEXT = 3;

// The rule keys a template once per constant position, each key as long as the template: a cost
// quadratic in its length, so very long messages (rarely one-word alternatives) are left out.
const MAX_WORD_RULE_TOKENS = 48;

const DEFAULTS = {
  depth: 4,
  similarityThreshold: 0.9,
  maxChildren: 100,
  maxClusters: 50_000,
  variableAfter: 6,
  learn: true,
} as const;

/**
 * Online template miner in the Drain family (He et al., ICWS'17; Drain3): masks variables in each
 * token, files messages in a fixed-depth prefix tree by token count and leading tokens, and joins a
 * message to the most similar template of its leaf when at least `similarityThreshold` of the
 * positions that hold a constant on either side agree, generalising the positions that differ to
 * `<*>`. Two additions to Drain: a message that finds no template of its token count joins one
 * with the same constant words (its optional values made it longer or shorter), and when
 * `variableAfter` templates differ in one word only, that word becomes `<*>`. The least recently
 * matched template is evicted beyond `maxClusters`. With `learn: false` it only matches.
 */
export class TemplateMiner {
  readonly depth: number;
  readonly similarityThreshold: number;
  readonly maxChildren: number;
  readonly maxClusters: number;
  readonly variableAfter: number;
  learn: boolean;
  /** The mask specs in effect, in order (for snapshots). */
  readonly maskSpecs: readonly MaskSpec[];

  private readonly tokenMasks: Mask[];
  private readonly messageMasks: Mask[];
  private readonly maskMemo = new Map<string, string>();
  private readonly tree: PrefixTree<Cluster>;
  // Insertion order is recency order: a matched cluster is moved to the end, so the first entry
  // is the least recently used one.
  private readonly clusters = new Map<string, Cluster>();
  // Constant skeleton (the tokens that are not pure values) → the first template with it. Finds
  // the template of a message whose optional values change its token count.
  private readonly bySkeleton = new Map<string, Cluster>();
  // Template tokens → template, and template tokens with one constant position made `<*>` → the
  // templates that differ only there (see `variableAfter`).
  private readonly byTokens = new Map<string, Cluster>();
  private readonly siblings = new Map<string, Set<Cluster>>();
  private evictedCount = 0;

  constructor(options: TemplateMinerOptions = {}) {
    this.depth = options.depth ?? DEFAULTS.depth;
    this.similarityThreshold = options.similarityThreshold ?? DEFAULTS.similarityThreshold;
    this.maxChildren = options.maxChildren ?? DEFAULTS.maxChildren;
    this.maxClusters = options.maxClusters ?? DEFAULTS.maxClusters;
    this.variableAfter = options.variableAfter ?? DEFAULTS.variableAfter;
    this.learn = options.learn ?? DEFAULTS.learn;
    this.tree = new PrefixTree(this.depth, this.maxChildren);
    this.maskSpecs = [...(options.extraMasks ?? []), ...(options.masks ?? DEFAULT_MASKS)];
    const masks = compileMasks(this.maskSpecs);
    this.tokenMasks = masks.filter((m) => m.scope === 'token');
    this.messageMasks = masks.filter((m) => m.scope === 'message');
  }

  /** Number of templates held. */
  get size(): number {
    return this.clusters.size;
  }

  /** Templates evicted so far because `maxClusters` was reached. */
  get evictions(): number {
    return this.evictedCount;
  }

  /** Mines one message: matches it to a template, learning a new or more general one as needed. */
  add(message: string): MatchResult | undefined {
    const { tokens, seps } = this.tokenize(message);
    const leafPath = this.tree.route(tokens);
    const existing = this.bestIn(this.tree.find(tokens.length, leafPath), tokens, this.similarityThreshold);
    if (existing) {
      if (!this.learn) return this.touch(existing, 'matched');
      return this.touch(existing, this.generalise(existing, tokens) ? 'updated' : 'matched');
    }
    const skeleton = skeletonOf(tokens);
    const other = this.otherLength(tokens, skeleton) ?? this.oneVariableAway(tokens);
    if (other) return this.touch(other, 'matched');
    if (!this.learn) return undefined;
    return this.create(tokens, seps, leafPath, skeleton);
  }

  /**
   * Finds the template of a message without learning: every constant token of the template must
   * be present (`<*>` matches anything). Returns undefined for a message no template covers.
   */
  match(message: string): MatchResult | undefined {
    const { tokens } = this.tokenize(message);
    const cluster = this.bestIn(this.tree.find(tokens.length, this.tree.route(tokens)), tokens, 1) ?? this.otherLength(tokens, skeletonOf(tokens)) ?? this.oneVariableAway(tokens);
    return cluster ? this.touch(cluster, 'matched') : undefined;
  }

  /** A message as templates see it: message masks, whitespace split, token masks. */
  tokenize(message: string): { tokens: string[]; seps: string[] } {
    let text = message;
    for (const mask of this.messageMasks) {
      if (mask.mayApply(text)) text = mask.apply(text);
    }
    const { tokens, seps } = splitMessage(text);
    return { tokens: maskTokens(tokens, this.tokenMasks, this.maskMemo), seps };
  }

  /** All templates, most frequent first. */
  templates(): Template[] {
    return [...this.clusters.values()]
      .map((c) => ({ id: c.id, text: c.text, count: c.count, previousIds: [...c.previousIds] }))
      .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text));
  }

  /**
   * Every id a template has had (its current one and its `previousIds`) → the template now. Ids
   * change when a template generalises; this turns ids recorded earlier into today's.
   */
  templatesByAnyId(): Map<string, Template> {
    const map = new Map<string, Template>();
    for (const t of this.templates()) for (const id of [t.id, ...t.previousIds]) map.set(id, t);
    return map;
  }

  /** The template with this id (current or earlier), or undefined. */
  get(id: string): Template | undefined {
    const cluster = this.clusters.get(id) ?? [...this.clusters.values()].find((c) => c.previousIds.includes(id));
    return cluster && { id: cluster.id, text: cluster.text, count: cluster.count, previousIds: [...cluster.previousIds] };
  }

  /** Internal state for snapshots. */
  clusterStates(): Iterable<Cluster> {
    return this.clusters.values();
  }

  /** Restores one cluster from a snapshot (used by `loadSnapshot`). */
  restoreCluster(state: { tokens: string[]; seps: string[]; count: number; previousIds: string[]; path: string[] }): void {
    const leaf = this.tree.leafFor(state.tokens.length, state.path);
    const text = renderTemplate(state.tokens, state.seps);
    const cluster: Cluster = { ...state, id: templateIdOf(text), text, leaf, skeleton: '', tokensKey: '', siblingKeys: [] };
    leaf.clusters.push(cluster);
    this.clusters.set(cluster.id, cluster);
    this.index(cluster);
  }

  /**
   * The template of another token count with the same constant skeleton: the message differs
   * from it only in optional values (`403 bytes sent` / `403 bytes (1.2 KB) sent`). A message of
   * values alone has no skeleton and says nothing about its event, so it never matches this way.
   */
  private otherLength(tokens: readonly string[], skeleton: string): Cluster | undefined {
    if (skeleton === '') return undefined;
    const cluster = this.bySkeleton.get(skeleton);
    return cluster && cluster.tokens.length !== tokens.length ? cluster : undefined;
  }

  private touch(cluster: Cluster, change: MatchResult['change']): MatchResult {
    cluster.count++;
    this.clusters.delete(cluster.id);
    this.clusters.set(cluster.id, cluster);
    return { templateId: cluster.id, template: cluster.text, change };
  }

  private create(tokens: string[], seps: string[], path: string[], skeleton: string): MatchResult {
    const leaf = this.tree.leafFor(tokens.length, path);
    const text = renderTemplate(tokens, seps);
    const id = templateIdOf(text);
    const same = this.clusters.get(id);
    // Two leaves can hold equal template text (routing differs after generalisation); share it.
    if (same) return this.touch(same, 'matched');
    const cluster: Cluster = { id, text, tokens, seps: seps.slice(), count: 0, previousIds: [], path, leaf, skeleton, tokensKey: '', siblingKeys: [] };
    leaf.clusters.push(cluster);
    this.clusters.set(id, cluster);
    const crowded = this.index(cluster);
    if (crowded) return this.touch(this.mergeSiblings(crowded.key, crowded.position), 'updated');
    if (this.maxClusters > 0 && this.clusters.size > this.maxClusters) this.evictOldest();
    const result = this.touch(cluster, 'created');
    return result;
  }

  private evictOldest(): void {
    const oldest = this.clusters.values().next().value;
    if (!oldest) return;
    this.forget(oldest);
    this.evictedCount++;
  }

  /** Turns the positions where `tokens` differs from the template into `<*>`; true if it changed. */
  private generalise(cluster: Cluster, tokens: string[]): boolean {
    let changed = false;
    const t = cluster.tokens;
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== tokens[i] && t[i] !== WILDCARD) {
        t[i] = WILDCARD;
        changed = true;
      }
    }
    if (!changed) return false;
    this.retext(cluster);
    return true;
  }

  /** After the tokens of a template changed: new text and id, folding in a template it now equals. */
  private retext(cluster: Cluster): void {
    this.unindex(cluster);
    const text = renderTemplate(cluster.tokens, cluster.seps);
    const id = templateIdOf(text);
    this.clusters.delete(cluster.id);
    cluster.previousIds.push(cluster.id);
    cluster.id = id;
    cluster.text = text;
    const other = this.clusters.get(id);
    if (other && other !== cluster) {
      // Generalising made it equal to another template: fold the other one in.
      cluster.count += other.count;
      cluster.previousIds.push(other.id, ...other.previousIds);
      this.forget(other);
    }
    this.clusters.set(id, cluster);
    this.index(cluster);
  }

  /**
   * `variableAfter` templates differ from each other in one constant position only: that position
   * holds a value written as a word (a payment method, a cache key, a locale), so they become one
   * template with `<*>` there. The most frequent one survives and keeps its id history.
   */
  private mergeSiblings(key: string, position: number): Cluster {
    const group = [...(this.siblings.get(key) ?? [])];
    const survivor = group.reduce((a, b) => (b.count > a.count ? b : a));
    for (const other of group) {
      if (other === survivor) continue;
      survivor.count += other.count;
      survivor.previousIds.push(other.id, ...other.previousIds);
      this.forget(other);
    }
    survivor.tokens[position] = WILDCARD;
    this.retext(survivor);
    return survivor;
  }

  /** Whether the one-word-value rule (`variableAfter`) applies to a template of these tokens. */
  private judgesWords(tokens: readonly string[]): boolean {
    return this.variableAfter > 0 && tokens.length <= MAX_WORD_RULE_TOKENS && constantCount(tokens) > MIN_CONTEXT;
  }

  /** A template equal to the message but for one constant position, where it has `<*>`. */
  private oneVariableAway(tokens: readonly string[]): Cluster | undefined {
    if (!this.judgesWords(tokens)) return undefined;
    const copy = tokens.slice();
    for (let i = 0; i < copy.length; i++) {
      const token = copy[i]!;
      if (isVariableToken(token)) continue;
      copy[i] = WILDCARD;
      const cluster = this.byTokens.get(copy.join(TOKEN_SEPARATOR));
      copy[i] = token;
      if (cluster) return cluster;
    }
    return undefined;
  }

  /**
   * Files a template in the skeleton, token and sibling indexes. Returns the sibling group that
   * has reached `variableAfter` templates, if any.
   */
  private index(cluster: Cluster): { key: string; position: number } | undefined {
    cluster.skeleton = skeletonOf(cluster.tokens);
    if (cluster.skeleton !== '' && !this.bySkeleton.has(cluster.skeleton)) this.bySkeleton.set(cluster.skeleton, cluster);
    const tokens = cluster.tokens;
    cluster.tokensKey = tokens.join(TOKEN_SEPARATOR);
    this.byTokens.set(cluster.tokensKey, cluster);
    cluster.siblingKeys = [];
    if (!this.judgesWords(tokens)) return undefined;
    let crowded: { key: string; position: number } | undefined;
    const copy = tokens.slice();
    for (let i = 0; i < copy.length; i++) {
      const token = copy[i]!;
      if (isVariableToken(token)) continue;
      copy[i] = WILDCARD;
      const key = `${i}${TOKEN_SEPARATOR}${copy.join(TOKEN_SEPARATOR)}`;
      copy[i] = token;
      let group = this.siblings.get(key);
      if (!group) this.siblings.set(key, (group = new Set()));
      group.add(cluster);
      cluster.siblingKeys.push(key);
      if (!crowded && group.size >= this.variableAfter) crowded = { key, position: i };
    }
    return crowded;
  }

  private unindex(cluster: Cluster): void {
    if (this.bySkeleton.get(cluster.skeleton) === cluster) this.bySkeleton.delete(cluster.skeleton);
    if (this.byTokens.get(cluster.tokensKey) === cluster) this.byTokens.delete(cluster.tokensKey);
    for (const key of cluster.siblingKeys) {
      const group = this.siblings.get(key);
      group?.delete(cluster);
      if (group?.size === 0) this.siblings.delete(key);
    }
    cluster.siblingKeys = [];
  }

  /** Removes a cluster from the tree and the indexes. */
  private forget(cluster: Cluster): void {
    this.clusters.delete(cluster.id);
    const list = cluster.leaf.clusters;
    list.splice(list.indexOf(cluster), 1);
    this.unindex(cluster);
  }

  private bestIn(leaf: Leaf<Cluster> | undefined, tokens: string[], threshold: number): Cluster | undefined {
    if (!leaf) return undefined;
    const vars = tokens.map(isVariableToken);
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestWildcards = -1;
    for (const cluster of leaf.clusters) {
      // In match mode every position must agree, a template `<*>` accepting any token.
      const { similarity, wildcards } = threshold >= 1 ? { similarity: matchShare(cluster.tokens, tokens, vars), wildcards: 0 } : fit(cluster.tokens, tokens, vars);
      if (similarity > bestSim || (similarity === bestSim && wildcards > bestWildcards)) {
        best = cluster;
        bestSim = similarity;
        bestWildcards = wildcards;
      }
    }
    return best && bestSim >= threshold ? best : undefined;
  }
}

/** Joins template tokens with the spacing they were written with. */
export function renderTemplate(tokens: readonly string[], seps: readonly string[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) out += (seps[i] ?? ' ') + tokens[i];
  return out;
}
