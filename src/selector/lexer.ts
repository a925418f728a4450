import { SelectorSyntaxError, showFragment } from './errors.js';

export const KEYWORDS = ['NOT', 'AND', 'OR', 'BETWEEN', 'LIKE', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'ESCAPE'] as const;
export type Keyword = (typeof KEYWORDS)[number];

export type Operator = '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '(' | ')' | ',';

export type Token =
  | { kind: 'keyword'; keyword: Keyword; start: number; end: number }
  | { kind: 'identifier'; name: string; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'operator'; op: Operator; start: number; end: number }
  | { kind: 'end'; start: number; end: number };

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

// Java identifier rules (Character.isJavaIdentifierStart / isJavaIdentifierPart), approximated by Unicode categories.
const IDENTIFIER = /[\p{L}\p{Nl}\p{Sc}\p{Pc}][\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Nd}\p{Mn}\p{Mc}\p{Cf}]*/uy;
const IDENTIFIER_PART = /[\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Nd}\p{Mn}\p{Mc}\p{Cf}]/uy;
// The JMS specification names exactly these as white space.
const WHITESPACE = /[ \t\f\r\n]+/y;
const DECIMAL = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;
const HEX = /0[xX][0-9a-fA-F]+/y;
const OPERATORS: readonly Operator[] = ['<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '(', ')', ','];

/** Splits selector text into tokens, always ending with an `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    WHITESPACE.lastIndex = pos;
    if (WHITESPACE.test(text)) {
      pos = WHITESPACE.lastIndex;
      continue;
    }
    const token = readToken(text, pos);
    tokens.push(token);
    pos = token.end;
  }
  tokens.push({ kind: 'end', start: text.length, end: text.length });
  return tokens;
}

function readToken(text: string, pos: number): Token {
  const ch = text[pos]!;
  if (ch === "'") return readString(text, pos);
  if (isDigit(ch) || (ch === '.' && isDigit(text[pos + 1] ?? ''))) return readNumber(text, pos);
  IDENTIFIER.lastIndex = pos;
  const word = IDENTIFIER.exec(text);
  if (word) {
    const end = pos + word[0].length;
    // ASCII-only so that e.g. a dotless 'ı' cannot upper-case its way into a keyword.
    const upper = /^[A-Za-z]+$/.test(word[0]) ? word[0].toUpperCase() : '';
    if (KEYWORD_SET.has(upper)) return { kind: 'keyword', keyword: upper as Keyword, start: pos, end };
    return { kind: 'identifier', name: word[0], start: pos, end };
  }
  for (const op of OPERATORS) {
    if (text.startsWith(op, pos)) return { kind: 'operator', op, start: pos, end: pos + op.length };
  }
  const shown = String.fromCodePoint(text.codePointAt(pos)!);
  throw new SelectorSyntaxError(text, pos + 1, `unexpected character '${showFragment(shown)}'`);
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function readString(text: string, start: number): Token {
  let value = '';
  let pos = start + 1;
  for (;;) {
    const close = text.indexOf("'", pos);
    if (close < 0) {
      throw new SelectorSyntaxError(
        text,
        start + 1,
        `unterminated string literal ${showFragment(text.slice(start), 20)}`,
      );
    }
    value += text.slice(pos, close);
    // A doubled quote stands for one quote character inside the literal.
    if (text[close + 1] === "'") {
      value += "'";
      pos = close + 2;
      continue;
    }
    return { kind: 'string', value, start, end: close + 1 };
  }
}

function readNumber(text: string, start: number): Token {
  HEX.lastIndex = start;
  const hex = HEX.exec(text);
  if (hex) {
    let end = start + hex[0].length;
    if (text[end] === 'l' || text[end] === 'L') end++;
    return finishNumber(text, start, end, Number.parseInt(hex[0].slice(2), 16));
  }
  DECIMAL.lastIndex = start;
  const decimal = DECIMAL.exec(text)!;
  const digits = decimal[0];
  let end = start + digits.length;
  const exact = !digits.includes('.') && decimal[2] === undefined;
  const suffix = text[end]?.toUpperCase();
  if (suffix === 'F' || suffix === 'D' || (exact && suffix === 'L')) end++;
  if (exact && suffix !== 'F' && suffix !== 'D' && digits.length > 1 && digits.startsWith('0')) {
    // Java integer literal rules: a leading zero means octal.
    if (!/^[0-7]+$/.test(digits)) throw malformedNumber(text, start, end);
    return finishNumber(text, start, end, Number.parseInt(digits, 8));
  }
  return finishNumber(text, start, end, Number(digits));
}

function finishNumber(text: string, start: number, end: number, value: number): Token {
  // "12abc", "1e", "0x1G" and the like must not silently split into two tokens.
  if (!continuesNumber(text, end)) return { kind: 'number', value, start, end };
  let stop = end;
  while (stop < text.length && continuesNumber(text, stop)) stop++;
  throw malformedNumber(text, start, stop);
}

function continuesNumber(text: string, pos: number): boolean {
  IDENTIFIER_PART.lastIndex = pos;
  return text[pos] === '.' || IDENTIFIER_PART.test(text);
}

function malformedNumber(text: string, start: number, end: number): SelectorSyntaxError {
  return new SelectorSyntaxError(text, start + 1, `malformed number '${showFragment(text.slice(start, end))}'`);
}
