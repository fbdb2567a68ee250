import { WILDCARD } from './masks.js';

interface Node<C> {
  children: Map<string, Node<C>>;
  clusters: C[];
}

/** A leaf of the tree: the templates filed under one token count and prefix. */
export interface Leaf<C> {
  clusters: C[];
}

/**
 * Drain's fixed-depth prefix tree: the first level is the token count, the next `depth - 2`
 * levels the leading tokens (a token holding a value goes under `<*>`), and a leaf holds the
 * templates to compare a message with. A node has at most `maxChildren` children; past that new
 * tokens share the `<*>` child, so a flood of distinct first words cannot grow the tree without
 * bound.
 */
export class PrefixTree<C> {
  private readonly root = new Map<number, Node<C>>();

  constructor(
    private readonly depth: number,
    private readonly maxChildren: number,
  ) {}

  /** The path of a message: its leading tokens, values as `<*>`. */
  route(tokens: readonly string[]): string[] {
    const n = Math.min(tokens.length, this.depth - 2);
    const path = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const token = tokens[i]!;
      path[i] = token.includes(WILDCARD) ? WILDCARD : token;
    }
    return path;
  }

  /** The leaf a message of `length` tokens and this path belongs to, if it exists. */
  find(length: number, path: readonly string[]): Leaf<C> | undefined {
    let node = this.root.get(length);
    for (let i = 0; node && i < path.length; i++) {
      node = node.children.get(path[i]!) ?? node.children.get(WILDCARD);
    }
    return node;
  }

  /**
   * The leaf for a new template, creating nodes as needed. `path` is rewritten in place where a
   * full node sent a token under `<*>`, so it records where the template was filed.
   */
  leafFor(length: number, path: string[]): Leaf<C> {
    let node: Node<C> | undefined = this.root.get(length);
    if (!node) {
      node = newNode();
      this.root.set(length, node);
    }
    for (let i = 0; i < path.length; i++) {
      let token = path[i]!;
      let child: Node<C> | undefined = node.children.get(token);
      if (!child) {
        if (node.children.size >= this.maxChildren - 1 && token !== WILDCARD) token = WILDCARD;
        child = node.children.get(token);
        if (!child) {
          child = newNode();
          node.children.set(token, child);
        }
        path[i] = token;
      }
      node = child;
    }
    return node;
  }
}

function newNode<C>(): Node<C> {
  return { children: new Map(), clusters: [] };
}
