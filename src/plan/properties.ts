/**
 * --msg-property NAME=VALUE: application properties every message carries,
 * constant or generated. A generated value is a pure function of the run's
 * seed, the producer, the sequence number and the property's name
 * (src/amqp/property-values.ts), never a stream: a message resent after a
 * reconnect carries the same value, and the checker can recompute it.
 *
 * VALUE is one of
 *   a constant        green, 'green', "a b", 42, -1.5, true, false
 *   choice(a,b,c)     one of the items, chosen by the seeded hash
 *   cycle(a,b,c)      item (seq - 1) mod n, in turn
 *   seq               the message's sequence number
 *   uniform(lo,hi)    integers from lo to hi inclusive, or, when either bound
 *                     has a decimal point, a double in [lo, hi)
 * Items are split on commas (a quoted item cannot hold one).
 */
import { PlanError } from './errors.js';

export type Scalar = string | number | boolean;

export type PropertyGenerator =
  | { kind: 'constant'; value: Scalar }
  | { kind: 'choice'; values: Scalar[] }
  | { kind: 'cycle'; values: Scalar[] }
  | { kind: 'seq' }
  | { kind: 'uniform'; lo: number; hi: number; integer: boolean };

export interface PropertySpec {
  name: string;
  generator: PropertyGenerator;
}

/** The plan's properties and seed, as a worker and the checker get them. */
export interface MessageProperties {
  seed: number;
  properties: PropertySpec[];
}

/** As given: command-line tokens, or a profile's list of tokens or map of name: value. */
export type RawProperties = string | readonly unknown[] | Record<string, unknown>;

const OPTION = '--msg-property';
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Words a selector reads as keywords: a property of that name could never be selected on.
const RESERVED = new Set(['NOT', 'AND', 'OR', 'BETWEEN', 'LIKE', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'ESCAPE']);
const CALL = /^(choice|cycle|uniform)\((.*)\)$/s;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseProperties(raw: RawProperties | undefined): PropertySpec[] {
  if (raw === undefined) return [];
  const specs = tokensOf(raw).map(parseToken);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new PlanError(`${OPTION}: ${JSON.stringify(spec.name)} is given twice`);
    seen.add(spec.name);
  }
  return specs;
}

function tokensOf(raw: RawProperties): string[] {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw)) {
    return raw.map((item) => {
      if (typeof item !== 'string') throw new PlanError(`${OPTION}: expected NAME=VALUE, got ${JSON.stringify(item)}`);
      return item;
    });
  }
  return Object.entries(raw).map(([name, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new PlanError(
        `${OPTION}: ${JSON.stringify(name)} must be a string, number or boolean, got ${JSON.stringify(value)}`,
      );
    }
    return `${name}=${String(value)}`;
  });
}

function parseToken(token: string): PropertySpec {
  const bad = (why: string): PlanError => new PlanError(`${OPTION}: ${JSON.stringify(token)}: ${why}`);
  const at = token.indexOf('=');
  if (at < 0) throw bad('expected NAME=VALUE');
  const name = token.slice(0, at).trim();
  const text = token.slice(at + 1).trim();
  if (!IDENTIFIER.test(name))
    throw bad(`${JSON.stringify(name)} is not a selector identifier (letters, digits, _ and $, not first a digit)`);
  if (RESERVED.has(name.toUpperCase())) throw bad(`${JSON.stringify(name)} is a selector keyword`);
  if (name.startsWith('JMS')) throw bad(`names starting with JMS are JMS headers`);
  if (text === '') throw bad('empty value');
  return { name, generator: generatorOf(text, bad) };
}

function generatorOf(text: string, bad: (why: string) => PlanError): PropertyGenerator {
  if (text === 'seq') return { kind: 'seq' };
  const call = CALL.exec(text);
  if (call === null) {
    if (/^(choice|cycle|uniform)\b/.test(text))
      throw bad(`${JSON.stringify(text)}: expected ${text.split('(')[0]}(a,b,...)`);
    return { kind: 'constant', value: scalarOf(text, bad) };
  }
  const [, kind, inner] = call;
  const items = inner.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw bad(`${kind}(...) has an empty item`);
  if (kind === 'uniform') return uniformOf(items, bad);
  if (items.length < 2) throw bad(`${kind}(...) needs at least two items`);
  return { kind: kind as 'choice' | 'cycle', values: items.map((item) => scalarOf(item, bad)) };
}

function uniformOf(items: string[], bad: (why: string) => PlanError): PropertyGenerator {
  if (items.length !== 2 || !items.every((item) => NUMBER.test(item)))
    throw bad('expected uniform(lo,hi) with two numbers');
  const [lo, hi] = items.map(Number);
  const integer = items.every((item) => /^[+-]?\d+$/.test(item));
  if (!(lo < hi) && !(integer && lo === hi)) throw bad(`uniform(lo,hi) needs lo below hi, got ${items.join(',')}`);
  if (integer && !(Number.isSafeInteger(lo) && Number.isSafeInteger(hi)))
    throw bad('uniform bounds must be safe integers');
  return { kind: 'uniform', lo, hi, integer };
}

function scalarOf(text: string, bad: (why: string) => PlanError): Scalar {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const quote = text[0];
  if ((quote === "'" || quote === '"') && text.length >= 2 && text.endsWith(quote)) return text.slice(1, -1);
  if (quote === "'" || quote === '"') throw bad(`unterminated quote in ${JSON.stringify(text)}`);
  if (NUMBER.test(text)) {
    const value = Number(text);
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))
      throw bad(`${text} is out of range`);
    return value;
  }
  if (/[(),]/.test(text))
    throw bad(`${JSON.stringify(text)}: unknown generator (choice, cycle, uniform, seq) or unquoted punctuation`);
  return text;
}

/** Most templates one link builds for its string and boolean combinations. */
export const MAX_VARIANTS = 64;

/**
 * How many message templates the properties need: one per combination of
 * string and boolean choices (numbers are stamped into fixed slots). Throws
 * PlanError past MAX_VARIANTS.
 */
export function variantCount(properties: readonly PropertySpec[]): number {
  let variants = 1;
  for (const { generator: g } of properties) {
    if ((g.kind === 'choice' || g.kind === 'cycle') && !g.values.every((v) => typeof v === 'number')) {
      variants *= g.values.length;
    }
  }
  if (variants > MAX_VARIANTS) {
    throw new PlanError(
      `--msg-property: the string and boolean choices make ${variants} combinations, ` +
        `at most ${MAX_VARIANTS} (each is a template of its own)`,
    );
  }
  return variants;
}
