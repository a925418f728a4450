import type { ArithmeticOp } from './ast.js';
import { SelectorSyntaxError, showFragment } from './errors.js';
import type { Keyword, Operator, Token } from './lexer.js';

/** Cursor over the tokens of one selector, with the accept/expect helpers the parser is written in. */
export class TokenStream {
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  acceptKeyword(keyword: Keyword): boolean {
    const token = this.peek();
    if (token.kind !== 'keyword' || token.keyword !== keyword) return false;
    this.index++;
    return true;
  }

  acceptOperator(op: Operator): boolean {
    const token = this.peek();
    if (token.kind !== 'operator' || token.op !== op) return false;
    this.index++;
    return true;
  }

  acceptArithmetic(a: ArithmeticOp, b: ArithmeticOp): ArithmeticOp | undefined {
    const token = this.peek();
    if (token.kind !== 'operator' || (token.op !== a && token.op !== b)) return undefined;
    this.index++;
    return token.op;
  }

  expectKeyword(keyword: Keyword, expected: string): Token {
    const token = this.peek();
    if (!this.acceptKeyword(keyword)) throw this.unexpected(token, expected);
    return token;
  }

  expectOperator(op: Operator, expected: string): Token {
    const token = this.peek();
    if (!this.acceptOperator(op)) throw this.unexpected(token, expected);
    return token;
  }

  expectString(expected: string): Token & { kind: 'string' } {
    const token = this.peek();
    if (token.kind !== 'string') throw this.unexpected(token, expected);
    this.index++;
    return token;
  }

  unexpected(token: Token, expected: string): SelectorSyntaxError {
    const found = token.kind === 'end' ? 'unexpected end of selector' : `unexpected token ${this.display(token)}`;
    return new SelectorSyntaxError(this.text, token.start + 1, `${found}, expected ${expected}`);
  }

  private display(token: Token): string {
    const source = showFragment(this.text.slice(token.start, token.end));
    // String literals already carry their own quotes.
    return token.kind === 'string' ? source : `'${source}'`;
  }
}
