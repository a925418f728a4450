import type { ArithmeticOp, ComparisonOp, Node } from './ast.js';
import { checkTreeDepth, NestingGuard } from './depth.js';
import { SelectorSyntaxError, showFragment } from './errors.js';
import { type Operator, type Token, tokenize } from './lexer.js';
import { compileLike } from './like.js';
import { TokenStream } from './token-stream.js';
import { requireComparable, requireCondition, requireNumeric, requireString } from './typecheck.js';

const COMPARISON_OPS: ReadonlySet<Operator> = new Set<Operator>(['=', '<>', '<', '<=', '>', '>=']);

/** Parses a JMS message selector into a type-checked expression tree. */
export function parseSelector(text: string): Node {
  return new Parser(text).parseSelector();
}

class Parser {
  private readonly tokens: TokenStream;
  private readonly guard: NestingGuard;

  constructor(private readonly text: string) {
    this.tokens = new TokenStream(text, tokenize(text));
    this.guard = new NestingGuard(text);
  }

  parseSelector(): Node {
    if (this.tokens.peek().kind === 'end') throw new SelectorSyntaxError(this.text, 1, 'empty selector');
    const node = this.parseOr();
    const trailing = this.tokens.peek();
    if (trailing.kind !== 'end') throw this.tokens.unexpected(trailing, 'the end of the selector');
    requireCondition(this.text, node);
    checkTreeDepth(this.text, node);
    return node;
  }

  // Precedence climbs from here: OR < AND < NOT < comparison < + - < * / < unary sign < primary.

  private parseOr(): Node {
    return this.parseChain('OR', () => this.parseAnd());
  }

  private parseAnd(): Node {
    return this.parseChain('AND', () => this.parseNot());
  }

  private parseChain(keyword: 'AND' | 'OR', parseOperand: () => Node): Node {
    const first = parseOperand();
    if (!this.tokens.acceptKeyword(keyword)) return first;
    const operands = [first];
    do operands.push(parseOperand());
    while (this.tokens.acceptKeyword(keyword));
    for (const operand of operands) requireCondition(this.text, operand);
    const kind = keyword === 'AND' ? 'and' : 'or';
    return { kind, type: 'boolean', operands, start: first.start, end: operands[operands.length - 1]!.end };
  }

  private parseNot(): Node {
    const not = this.tokens.peek();
    if (!this.tokens.acceptKeyword('NOT')) return this.parseComparison();
    const operand = this.guard.nested(not.start, () => this.parseNot());
    requireCondition(this.text, operand);
    return { kind: 'not', type: 'boolean', operand, start: not.start, end: operand.end };
  }

  private parseComparison(): Node {
    const value = this.parseAdditive();
    const next = this.tokens.peek();
    if (next.kind === 'operator' && COMPARISON_OPS.has(next.op)) {
      this.tokens.next();
      return this.finishComparison(next.op as ComparisonOp, value);
    }
    const negated = next.kind === 'keyword' && next.keyword === 'NOT' && this.isSpecialComparison(this.tokens.peek(1));
    if (negated) this.tokens.next();
    if (this.tokens.acceptKeyword('BETWEEN')) return this.finishBetween(value, negated);
    if (this.tokens.acceptKeyword('LIKE')) return this.finishLike(value, negated);
    if (this.tokens.acceptKeyword('IN')) return this.finishIn(value, negated);
    if (this.tokens.acceptKeyword('IS')) {
      const isNot = this.tokens.acceptKeyword('NOT');
      const nullToken = this.tokens.expectKeyword('NULL', 'NULL');
      return { kind: 'isNull', type: 'boolean', negated: isNot, value, start: value.start, end: nullToken.end };
    }
    return value;
  }

  private isSpecialComparison(token: Token): boolean {
    return (
      token.kind === 'keyword' && (token.keyword === 'BETWEEN' || token.keyword === 'LIKE' || token.keyword === 'IN')
    );
  }

  private finishComparison(op: ComparisonOp, left: Node): Node {
    const right = this.parseAdditive();
    if (op === '=' || op === '<>') {
      requireComparable(this.text, left, right, op);
    } else {
      requireNumeric(this.text, left, `'${op}'`);
      requireNumeric(this.text, right, `'${op}'`);
    }
    return { kind: 'comparison', type: 'boolean', op, left, right, start: left.start, end: right.end };
  }

  private finishBetween(value: Node, negated: boolean): Node {
    const low = this.parseAdditive();
    this.tokens.expectKeyword('AND', "'AND' of BETWEEN");
    const high = this.parseAdditive();
    for (const operand of [value, low, high]) requireNumeric(this.text, operand, 'BETWEEN');
    return { kind: 'between', type: 'boolean', negated, value, low, high, start: value.start, end: high.end };
  }

  private finishLike(value: Node, negated: boolean): Node {
    requireString(this.text, value, 'LIKE');
    const pattern = this.tokens.expectString('a string literal pattern after LIKE');
    let end = pattern.end;
    let escape: string | undefined;
    if (this.tokens.acceptKeyword('ESCAPE')) {
      const escapeToken = this.tokens.expectString('a string literal after ESCAPE');
      // One code point, so an escape character outside the BMP is still "one character".
      if ([...escapeToken.value].length !== 1) {
        const shown = showFragment(this.text.slice(escapeToken.start, escapeToken.end));
        throw new SelectorSyntaxError(
          this.text,
          escapeToken.start + 1,
          `ESCAPE must be a single character but found ${shown}`,
        );
      }
      escape = escapeToken.value;
      end = escapeToken.end;
    }
    const match = compileLike(pattern.value, escape, this.text, pattern.start + 1);
    return {
      kind: 'like',
      type: 'boolean',
      negated,
      value,
      pattern: pattern.value,
      escape,
      match,
      start: value.start,
      end,
    };
  }

  private finishIn(value: Node, negated: boolean): Node {
    requireString(this.text, value, 'IN');
    this.tokens.expectOperator('(', "'(' after IN");
    const list = [this.tokens.expectString('a string literal in the IN list').value];
    while (this.tokens.acceptOperator(','))
      list.push(this.tokens.expectString('a string literal in the IN list').value);
    const close = this.tokens.expectOperator(')', "',' or ')' in the IN list");
    return { kind: 'in', type: 'boolean', negated, value, list, start: value.start, end: close.end };
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    for (let op = this.tokens.acceptArithmetic('+', '-'); op; op = this.tokens.acceptArithmetic('+', '-')) {
      left = this.arithmetic(op, left, this.parseMultiplicative());
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseSign();
    for (let op = this.tokens.acceptArithmetic('*', '/'); op; op = this.tokens.acceptArithmetic('*', '/')) {
      left = this.arithmetic(op, left, this.parseSign());
    }
    return left;
  }

  private arithmetic(op: ArithmeticOp, left: Node, right: Node): Node {
    requireNumeric(this.text, left, `'${op}'`);
    requireNumeric(this.text, right, `'${op}'`);
    return { kind: 'arithmetic', type: 'number', op, left, right, start: left.start, end: right.end };
  }

  private parseSign(): Node {
    const sign = this.tokens.peek();
    const op = this.tokens.acceptArithmetic('+', '-');
    if (!op) return this.parsePrimary();
    const operand = this.guard.nested(sign.start, () => this.parseSign());
    requireNumeric(this.text, operand, `unary '${op}'`);
    if (operand.kind === 'literal' && typeof operand.value === 'number') {
      // Fold so that "-5" is an ordinary literal.
      const value = op === '-' ? -operand.value : operand.value;
      return { kind: 'literal', type: 'number', value, start: sign.start, end: operand.end };
    }
    return { kind: 'sign', type: 'number', op: op as '+' | '-', operand, start: sign.start, end: operand.end };
  }

  private parsePrimary(): Node {
    const token = this.tokens.next();
    const { start, end } = token;
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', type: 'number', value: token.value, start, end };
      case 'string':
        return { kind: 'literal', type: 'string', value: token.value, start, end };
      case 'identifier':
        return { kind: 'identifier', type: 'unknown', name: token.name, start, end };
      case 'keyword':
        if (token.keyword === 'TRUE' || token.keyword === 'FALSE') {
          return { kind: 'literal', type: 'boolean', value: token.keyword === 'TRUE', start, end };
        }
        if (token.keyword === 'NULL') return { kind: 'literal', type: 'unknown', value: null, start, end };
        break;
      case 'operator':
        if (token.op === '(') {
          const inner = this.guard.nested(start, () => this.parseOr());
          const close = this.tokens.expectOperator(')', "')'");
          // Widen the span so error messages quote the parentheses too.
          return { ...inner, start, end: close.end };
        }
        break;
      case 'end':
        break;
    }
    throw this.tokens.unexpected(token, 'an operand');
  }
}
