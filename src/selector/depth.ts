import { childrenOf, type Node } from './ast.js';
import { SelectorSyntaxError, showFragment } from './errors.js';

/**
 * Bounds both parser recursion and the depth of the compiled closure tree, so that a hostile or
 * machine-generated selector fails with a SelectorSyntaxError rather than overflowing the stack
 * while parsing or, worse, while evaluating messages.
 */
export const MAX_DEPTH = 200;

/** Counts parser recursion (parentheses, NOT, unary signs) before it can exhaust the stack. */
export class NestingGuard {
  private depth = 0;

  constructor(private readonly text: string) {}

  /** @param offset where the nested construct starts, for the error */
  nested<T>(offset: number, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) tooDeep(this.text, offset);
    const result = parse();
    this.depth--;
    return result;
  }
}

/** Chains such as "1 + 1 + ... + 1" nest without parser recursion, so the finished tree is measured too. */
export function checkTreeDepth(text: string, root: Node): void {
  const pending: [Node, number][] = [[root, 1]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, depth] = item;
    const children = childrenOf(node);
    if (children.length > 0 && depth >= MAX_DEPTH) tooDeep(text, node.start);
    for (const child of children) pending.push([child, depth + 1]);
  }
}

function tooDeep(text: string, offset: number): never {
  const shown = showFragment(text.slice(offset, offset + 10));
  throw new SelectorSyntaxError(text, offset + 1, `expression nested more than ${MAX_DEPTH} levels deep at '${shown}'`);
}
