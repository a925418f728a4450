import type { StringMatcher } from './like.js';

/**
 * What the parser knows about an expression's type before any message is seen.
 * Identifiers and NULL are 'unknown': their type is only known per message.
 */
export type StaticType = 'boolean' | 'number' | 'string' | 'unknown';

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithmeticOp = '+' | '-' | '*' | '/';

/** Source span as UTF-16 offsets into the selector text, kept for error messages. */
interface Span {
  start: number;
  end: number;
}

export type Node = Span &
  (
    | { kind: 'literal'; type: StaticType; value: string | number | boolean | null }
    | { kind: 'identifier'; type: 'unknown'; name: string }
    | { kind: 'not'; type: 'boolean'; operand: Node }
    // AND / OR chains are flat so that long machine-generated selectors do not nest deeply.
    | { kind: 'and' | 'or'; type: 'boolean'; operands: Node[] }
    | { kind: 'comparison'; type: 'boolean'; op: ComparisonOp; left: Node; right: Node }
    | { kind: 'arithmetic'; type: 'number'; op: ArithmeticOp; left: Node; right: Node }
    | { kind: 'sign'; type: 'number'; op: '+' | '-'; operand: Node }
    | { kind: 'between'; type: 'boolean'; negated: boolean; value: Node; low: Node; high: Node }
    | {
        kind: 'like';
        type: 'boolean';
        negated: boolean;
        value: Node;
        pattern: string;
        escape: string | undefined;
        match: StringMatcher;
      }
    | { kind: 'in'; type: 'boolean'; negated: boolean; value: Node; list: string[] }
    | { kind: 'isNull'; type: 'boolean'; negated: boolean; value: Node }
  );

export function childrenOf(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'literal':
    case 'identifier':
      return [];
    case 'not':
    case 'sign':
      return [node.operand];
    case 'and':
    case 'or':
      return node.operands;
    case 'comparison':
    case 'arithmetic':
      return [node.left, node.right];
    case 'between':
      return [node.value, node.low, node.high];
    case 'like':
    case 'in':
    case 'isNull':
      return [node.value];
  }
}
