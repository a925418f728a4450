import { SelectorSyntaxError, showFragment } from './errors.js';

export type StringMatcher = (value: string) => boolean;

// Only the syntax characters: under the 'u' flag escaping anything else is itself a RegExp syntax error.
const REGEXP_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

type Piece = { wildcard: '%' | '_' } | { literal: string };

/**
 * Compiles a LIKE pattern once, at selector compile time. Patterns that are a plain prefix, suffix,
 * substring or exact match skip the RegExp engine, since those are what selectors mostly use.
 *
 * @param reportAt 1-based column of the pattern literal, for errors
 */
export function compileLike(
  pattern: string,
  escape: string | undefined,
  selector: string,
  reportAt: number,
): StringMatcher {
  const pieces = splitPattern(pattern, escape, selector, reportAt);
  const fast = simpleMatcher(pieces);
  if (fast) return fast;
  let source = '';
  for (const piece of pieces) {
    if ('literal' in piece) source += piece.literal.replace(REGEXP_SPECIAL, '\\$&');
    else source += piece.wildcard === '%' ? '.*' : '.';
  }
  // 's' so that '_' and '%' also match line terminators; 'u' so that '_' is one code point.
  const regexp = new RegExp(`^${source}$`, 'su');
  return (value) => regexp.test(value);
}

function splitPattern(pattern: string, escape: string | undefined, selector: string, reportAt: number): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  let escaped = false;
  for (const char of pattern) {
    if (escaped) {
      literal += char;
      escaped = false;
    } else if (char === escape) {
      escaped = true;
    } else if (char === '%' || char === '_') {
      if (literal) pieces.push({ literal });
      literal = '';
      // Consecutive '%' mean the same as one; collapsing keeps the fast paths applicable.
      const last = pieces[pieces.length - 1];
      if (!(char === '%' && last && 'wildcard' in last && last.wildcard === '%')) pieces.push({ wildcard: char });
    } else {
      literal += char;
    }
  }
  if (escaped) {
    throw new SelectorSyntaxError(
      selector,
      reportAt,
      `LIKE pattern '${showFragment(pattern)}' ends with its escape character '${showFragment(escape ?? '')}'`,
    );
  }
  if (literal) pieces.push({ literal });
  return pieces;
}

function simpleMatcher(pieces: Piece[]): StringMatcher | undefined {
  const isAny = (piece: Piece | undefined): boolean =>
    piece !== undefined && 'wildcard' in piece && piece.wildcard === '%';
  const leading = isAny(pieces[0]);
  const trailing = pieces.length > 1 && isAny(pieces[pieces.length - 1]);
  const inner = pieces.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  if (inner.length === 0) return leading ? () => true : (value) => value === '';
  if (inner.length > 1 || !('literal' in inner[0]!)) return undefined;
  const text = inner[0].literal;
  if (leading && trailing) return (value) => value.includes(text);
  if (leading) return (value) => value.endsWith(text);
  if (trailing) return (value) => value.startsWith(text);
  return (value) => value === text;
}
