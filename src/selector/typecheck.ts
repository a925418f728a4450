import type { Node, StaticType } from './ast.js';
import { SelectorSyntaxError, showFragment } from './errors.js';

// Checks made at parse time so that selectors which can never be meaningful are rejected up front;
// whatever depends on a message's property types is left to evaluation (which yields UNKNOWN).

const DESCRIPTION: Record<StaticType, string> = {
  boolean: 'a boolean expression',
  number: 'a numeric expression',
  string: 'a string expression',
  unknown: 'an expression',
};

function fail(text: string, node: Node, problem: string): never {
  throw new SelectorSyntaxError(text, node.start + 1, problem);
}

function described(text: string, node: Node): string {
  const source = showFragment(text.slice(node.start, node.end));
  // A string literal's source already carries its quotes.
  const quoted = node.kind === 'literal' && node.type === 'string' ? source : `'${source}'`;
  return `${DESCRIPTION[node.type]} ${quoted}`;
}

/** Operands of AND, OR, NOT and the whole selector. */
export function requireCondition(text: string, node: Node): void {
  if (node.type === 'number' || node.type === 'string') {
    fail(text, node, `${described(text, node)} cannot be used as a condition`);
  }
}

/** Operands of arithmetic, ordering comparisons and BETWEEN. */
export function requireNumeric(text: string, node: Node, operator: string): void {
  if (node.type === 'boolean' || node.type === 'string') {
    fail(text, node, `${operator} needs numeric operands but found ${described(text, node)}`);
  }
}

/** The tested value of LIKE and IN. */
export function requireString(text: string, node: Node, operator: string): void {
  if (node.type === 'boolean' || node.type === 'number') {
    fail(text, node, `${operator} needs a string operand but found ${described(text, node)}`);
  }
}

/** = and <> only compare like types. */
export function requireComparable(text: string, left: Node, right: Node, operator: string): void {
  if (left.type !== 'unknown' && right.type !== 'unknown' && left.type !== right.type) {
    fail(text, left, `cannot compare ${described(text, left)} with ${described(text, right)} using '${operator}'`);
  }
}
