import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  type AmqpMessageFields,
  compileSelector,
  type SelectorSubject,
  SelectorSyntaxError,
  subjectOfMessage,
} from '../../src/selector/index.js';

// Expected results are three-valued. A selector selects only on TRUE; FALSE and UNKNOWN are told apart
// by also evaluating NOT (selector), which is TRUE for FALSE and still UNKNOWN for UNKNOWN.
const TRUE = 'TRUE';
const FALSE = 'FALSE';
const UNKNOWN = 'UNKNOWN';
type Truth = typeof TRUE | typeof FALSE | typeof UNKNOWN;
type Props = Record<string, unknown>;
type Case = [selector: string, properties: Props, expected: Truth];

function subjectOf(properties: Props): SelectorSubject {
  return { lookup: (identifier) => (Object.hasOwn(properties, identifier) ? properties[identifier] : undefined) };
}

function truthOf(selector: string, subject: SelectorSubject): Truth {
  const selected = compileSelector(selector)(subject);
  const negationSelected = compileSelector(`NOT (${selector})`)(subject);
  if (selected && negationSelected) throw new Error(`both ${selector} and its negation selected`);
  return selected ? TRUE : negationSelected ? FALSE : UNKNOWN;
}

const show = (value: unknown): string => inspect(value, { breakLength: Infinity, compact: true });

// Every example of the reference guide.
const guideExamples: Case[] = [
  ["colour = 'green'", { colour: 'green' }, TRUE],
  ["colour = 'green'", { colour: 'red' }, FALSE],
  ["colour = 'green'", {}, UNKNOWN],
  ["number LIKE '12%3'", { number: '123' }, TRUE],
  ["number LIKE '12%3'", { number: '12993' }, TRUE],
  ["number LIKE '12%3'", { number: '1234' }, FALSE],
  ["word LIKE 'f_ll'", { word: 'fall' }, TRUE],
  ["word LIKE 'f_ll'", { word: 'full' }, TRUE],
  ["word LIKE 'f_ll'", { word: 'fail' }, FALSE],
  // The guide's escape example, with the backslash escape character that Markdown tends to swallow.
  ["variable LIKE '\\_%' ESCAPE '\\'", { variable: '_thing' }, TRUE],
  ["variable LIKE '\\_%' ESCAPE '\\'", { variable: 'thing' }, FALSE],
  // Taken literally, ESCAPE '_' makes the '_' escape the '%', so the pattern is the one-character string "%".
  ["variable LIKE '_%' ESCAPE '_'", { variable: '%' }, TRUE],
  ["variable LIKE '_%' ESCAPE '_'", { variable: '_thing' }, FALSE],
  ["variable LIKE '_%' ESCAPE '_'", { variable: 'thing' }, FALSE],
  ["name = 'literal''s'", { name: "literal's" }, TRUE],
  ["name = 'literal''s'", { name: 'literal' }, FALSE],
];

const literals: Case[] = [
  ["s = ''", { s: '' }, TRUE],
  ["s = ''''", { s: "'" }, TRUE],
  ["s = 'it''s ''quoted'''", { s: "it's 'quoted'" }, TRUE],
  ["s = 'a b  c'", { s: 'a b  c' }, TRUE],
  ["s = 'Green'", { s: 'green' }, FALSE],
  ['x = 123', { x: 123 }, TRUE],
  ['x = -5', { x: -5 }, TRUE],
  ['x = 0', { x: 0 }, TRUE],
  ['x = 123L', { x: 123 }, TRUE],
  ['x = 123l', { x: 123 }, TRUE],
  ['x = 0x1F', { x: 31 }, TRUE],
  ['x = 0X1f', { x: 31 }, TRUE],
  ['x = 0xFFL', { x: 255 }, TRUE],
  ['x = 017', { x: 15 }, TRUE],
  ['x = 1.5', { x: 1.5 }, TRUE],
  ['x = .5', { x: 0.5 }, TRUE],
  ['x = 7.', { x: 7 }, TRUE],
  ['x = 6.02E23', { x: 6.02e23 }, TRUE],
  ['x = 1e-3', { x: 0.001 }, TRUE],
  ['x = 1E+2', { x: 100 }, TRUE],
  ['x = 2.5F', { x: 2.5 }, TRUE],
  ['x = 2.5d', { x: 2.5 }, TRUE],
  ['x = 3D', { x: 3 }, TRUE],
  ['x = 09.5', { x: 9.5 }, TRUE],
  ['x = 1.0', { x: 1 }, TRUE],
  ['x = 1', { x: 1.0 }, TRUE],
  ['x = 5', { x: 5n }, TRUE],
  ['x > 4.5', { x: 5n }, TRUE],
  ['TRUE', {}, TRUE],
  ['FALSE', {}, FALSE],
  ['true', {}, TRUE],
  ['NOT False', {}, TRUE],
  ['flag = TRUE', { flag: true }, TRUE],
  ['flag = tRuE', { flag: false }, FALSE],
  ['flag = FALSE', { flag: false }, TRUE],
  ['NULL', {}, UNKNOWN],
  ['NULL IS NULL', {}, TRUE],
  ['x = NULL', { x: 1 }, UNKNOWN],
  ['x <> NULL', { x: 1 }, UNKNOWN],
];

const identifiers: Case[] = [
  ['flag', { flag: true }, TRUE],
  ['flag', { flag: false }, FALSE],
  ['flag', {}, UNKNOWN],
  ['flag', { flag: 'true' }, UNKNOWN],
  ['flag', { flag: 1 }, UNKNOWN],
  ['NOT flag', { flag: false }, TRUE],
  ['flag AND other', { flag: true, other: true }, TRUE],
  ['flag OR other', { flag: false, other: true }, TRUE],
  ["Colour = 'green'", { colour: 'green' }, UNKNOWN],
  ["colour = 'green'", { Colour: 'green' }, UNKNOWN],
  ['$price > 1', { $price: 2 }, TRUE],
  ['_a1 = 1', { _a1: 1 }, TRUE],
  ['a$b_c9 = 1', { a$b_c9: 1 }, TRUE],
  ['größe = 3', { größe: 3 }, TRUE],
  ['nullable = 1', { nullable: 1 }, TRUE],
  ['ORDER = 1', { ORDER: 1 }, TRUE],
  ["ANDROID = 'x'", { ANDROID: 'x' }, TRUE],
  ['isNew', { isNew: true }, TRUE],
  ['x\t=\n1\r\n\fAND y = 2', { x: 1, y: 2 }, TRUE],
];

const comparisons: Case[] = [
  ['a = 2', { a: 2 }, TRUE],
  ['a = 2', { a: 3 }, FALSE],
  ['a <> 2', { a: 3 }, TRUE],
  ['a <> 2', { a: 2 }, FALSE],
  ['a < 2', { a: 1 }, TRUE],
  ['a < 2', { a: 2 }, FALSE],
  ['a <= 2', { a: 2 }, TRUE],
  ['a <= 2', { a: 3 }, FALSE],
  ['a > 2', { a: 3 }, TRUE],
  ['a > 2', { a: 2 }, FALSE],
  ['a >= 2', { a: 2 }, TRUE],
  ['a >= 2', { a: 1 }, FALSE],
  ['a>=2', { a: 2.5 }, TRUE],
  ['a < b', { a: 1, b: 1.5 }, TRUE],
  ['a = b', { a: 'x', b: 'x' }, TRUE],
  ['a = b', { a: true, b: true }, TRUE],
  ['a <> b', { a: true, b: false }, TRUE],
  ["s <> 'a'", { s: 'b' }, TRUE],
  ["s <> 'a'", { s: 'a' }, FALSE],
  ["s <> 'a'", {}, UNKNOWN],
  ['a < 2', {}, UNKNOWN],
  ['a = b', { a: 1 }, UNKNOWN],
  ['(a = 1) = TRUE', { a: 1 }, TRUE],
  ['(a = 1) <> (b = 1)', { a: 1, b: 2 }, TRUE],
  ['(a = 1) = TRUE', {}, UNKNOWN],
];

// Values of different types are never equal or ordered: the comparison is UNKNOWN, not an error.
const typeMismatches: Case[] = [
  ['x = 1', { x: '1' }, UNKNOWN],
  ["x = '1'", { x: 1 }, UNKNOWN],
  ["x <> '1'", { x: 1 }, UNKNOWN],
  ['x < 5', { x: '3' }, UNKNOWN],
  ['x >= 5', { x: true }, UNKNOWN],
  ["x = 'true'", { x: true }, UNKNOWN],
  ['x = TRUE', { x: 'true' }, UNKNOWN],
  ['x = TRUE', { x: 1 }, UNKNOWN],
  ['x = y', { x: 1, y: '1' }, UNKNOWN],
  ['x < y', { x: 'a', y: 'b' }, UNKNOWN],
  ['x > y', { x: 'b', y: 'a' }, UNKNOWN],
  ["x = 'abc'", { x: Buffer.from('abc') }, UNKNOWN],
  ['x = 5', { x: { value: 5 } }, UNKNOWN],
  ['x = 5', { x: [5] }, UNKNOWN],
  ['x = 5', { x: Symbol('five') }, UNKNOWN],
  ['x IS NULL', { x: Buffer.from('abc') }, FALSE],
  ['x IS NOT NULL', { x: { value: 5 } }, TRUE],
  ['x = 1000', { x: new Date(1000) }, TRUE],
  ['x > 999', { x: new Date(1000) }, TRUE],
  ['x IS NULL', { x: null }, TRUE],
  ['x = 1', { x: null }, UNKNOWN],
];

const arithmetic: Case[] = [
  ['a + b = 5', { a: 2, b: 3 }, TRUE],
  ['a - b = -1', { a: 2, b: 3 }, TRUE],
  ['a * b = 6', { a: 2, b: 3 }, TRUE],
  ['a / b = 2.5', { a: 5, b: 2 }, TRUE],
  ['a - b = 0.5', { a: 1, b: 0.5 }, TRUE],
  ['a + b = 3', { a: 1n, b: 2 }, TRUE],
  ['-a = -5', { a: 5 }, TRUE],
  ['- a = -5', { a: 5 }, TRUE],
  ['+a = 5', { a: 5 }, TRUE],
  ['- - a = 5', { a: 5 }, TRUE],
  ['1 - -1 = 2', {}, TRUE],
  ['-(a + 1) = -3', { a: 2 }, TRUE],
  ['a / 0 = 1', { a: 1 }, UNKNOWN],
  ['a / b > 0', { a: 1, b: 0 }, UNKNOWN],
  ['a / b < 0', { a: 0, b: 0 }, UNKNOWN],
  ['a + b = 3', { a: 1 }, UNKNOWN],
  ['a + 1 = 2', { a: '1' }, UNKNOWN],
  ['a * 2 = 2', { a: true }, UNKNOWN],
  ['-a = 1', { a: 'x' }, UNKNOWN],
  ['+a = 1', { a: '1' }, UNKNOWN],
  ['a + 1 > 2', { a: 2 }, TRUE],
  ['a + 1 > 2', { a: 1 }, FALSE],
];

const precedence: Case[] = [
  ['a = 1 OR b = 1 AND c = 1', { a: 1, b: 0, c: 0 }, TRUE],
  ['a = 1 OR b = 1 AND c = 1', { a: 0, b: 1, c: 0 }, FALSE],
  ['(a = 1 OR b = 1) AND c = 1', { a: 1, b: 0, c: 0 }, FALSE],
  ['a = 1 AND b = 1 OR c = 1', { a: 0, b: 0, c: 1 }, TRUE],
  ['NOT a = 1 AND b = 1', { a: 2, b: 1 }, TRUE],
  ['NOT a = 1 AND b = 1', { a: 1, b: 1 }, FALSE],
  ['NOT a = 1 OR b = 1', { a: 1, b: 1 }, TRUE],
  ['NOT (a = 1 OR b = 1)', { a: 1, b: 0 }, FALSE],
  ['NOT NOT a = 1', { a: 1 }, TRUE],
  ['1 + 2 * 3 = 7', {}, TRUE],
  ['(1 + 2) * 3 = 9', {}, TRUE],
  ['2 * 3 + 1 = 7', {}, TRUE],
  ['10 - 4 - 3 = 3', {}, TRUE],
  ['16 / 4 / 2 = 2', {}, TRUE],
  ['-2 * -3 = 6', {}, TRUE],
  ['-a * 2 = -6', { a: 3 }, TRUE],
  ['a * 2 > a + 1', { a: 3 }, TRUE],
  ['a BETWEEN 1 AND 2 AND b = 1', { a: 1.5, b: 1 }, TRUE],
  ['a BETWEEN 1 AND 2 AND b = 1', { a: 1.5, b: 2 }, FALSE],
  ['a BETWEEN 1 + 1 AND 2 * 3', { a: 4 }, TRUE],
  ["NOT s LIKE 'a%' AND s IS NOT NULL", { s: 'b' }, TRUE],
  ['NOT s IS NULL', { s: 'x' }, TRUE],
  ["((s = 'x'))", { s: 'x' }, TRUE],
];

const between: Case[] = [
  ['a BETWEEN 1 AND 3', { a: 1 }, TRUE],
  ['a BETWEEN 1 AND 3', { a: 2.5 }, TRUE],
  ['a BETWEEN 1 AND 3', { a: 3 }, TRUE],
  ['a BETWEEN 1 AND 3', { a: 0 }, FALSE],
  ['a BETWEEN 1 AND 3', { a: 4 }, FALSE],
  ['a BETWEEN 1 AND 3', {}, UNKNOWN],
  ['a BETWEEN 1 AND 3', { a: '2' }, UNKNOWN],
  ['a BETWEEN 3 AND 1', { a: 2 }, FALSE],
  ['a BETWEEN -1 AND 1', { a: 0n }, TRUE],
  ['a NOT BETWEEN 1 AND 3', { a: 0 }, TRUE],
  ['a NOT BETWEEN 1 AND 3', { a: 2 }, FALSE],
  ['a NOT BETWEEN 1 AND 3', {}, UNKNOWN],
  ['a not between 1 and 3', { a: 5 }, TRUE],
  // A missing bound behaves like "a >= low AND a <= high" in three-valued logic.
  ['a BETWEEN b AND 3', { a: 5 }, FALSE],
  ['a BETWEEN b AND 3', { a: 2 }, UNKNOWN],
  ['a NOT BETWEEN b AND 3', { a: 5 }, TRUE],
  ['a BETWEEN 1 AND b', { a: 0 }, FALSE],
];

const like: Case[] = [
  ["s LIKE 'abc'", { s: 'abc' }, TRUE],
  ["s LIKE 'abc'", { s: 'abcd' }, FALSE],
  ["s LIKE 'a%'", { s: 'a' }, TRUE],
  ["s LIKE 'a%'", { s: 'abc' }, TRUE],
  ["s LIKE 'a%'", { s: 'ba' }, FALSE],
  ["s LIKE '%c'", { s: 'abc' }, TRUE],
  ["s LIKE '%c'", { s: 'cb' }, FALSE],
  ["s LIKE '%b%'", { s: 'abc' }, TRUE],
  ["s LIKE '%b%'", { s: 'ac' }, FALSE],
  ["s LIKE '%'", { s: '' }, TRUE],
  ["s LIKE '%%'", { s: 'anything' }, TRUE],
  ["s LIKE ''", { s: '' }, TRUE],
  ["s LIKE ''", { s: 'a' }, FALSE],
  ["s LIKE '_'", { s: 'a' }, TRUE],
  ["s LIKE '_'", { s: '' }, FALSE],
  ["s LIKE '_'", { s: 'ab' }, FALSE],
  ["s LIKE '_'", { s: '😀' }, TRUE],
  ["s LIKE '__'", { s: 'ab' }, TRUE],
  ["s LIKE 'a_c'", { s: 'abc' }, TRUE],
  ["s LIKE 'a_c'", { s: 'ac' }, FALSE],
  ["s LIKE 'a%%c'", { s: 'ac' }, TRUE],
  ["s LIKE '%a_c%'", { s: 'xxabcxx' }, TRUE],
  ["s LIKE 'a%b%c'", { s: 'a1b2c' }, TRUE],
  ["s LIKE 'a%b%c'", { s: 'a1c2b' }, FALSE],
  ["s LIKE 'A%'", { s: 'abc' }, FALSE],
  ["s LIKE 'a%'", { s: 'a\nb' }, TRUE],
  ["s LIKE 'a_b'", { s: 'a\nb' }, TRUE],
  ["s LIKE '_%_'", { s: 'a\r\nb' }, TRUE],
  // RegExp syntax in a pattern is literal text.
  ["s LIKE 'a.c'", { s: 'abc' }, FALSE],
  ["s LIKE 'a.c'", { s: 'a.c' }, TRUE],
  ["s LIKE '(a)+[b]*{2}_'", { s: '(a)+[b]*{2}!' }, TRUE],
  ["s LIKE '^$|?/_'", { s: '^$|?/x' }, TRUE],
  ["s LIKE 'a\\d%'", { s: 'a\\d1' }, TRUE],
  ["s LIKE 'a\\d%'", { s: 'a51' }, FALSE],
  ["s LIKE '%''%'", { s: "it's" }, TRUE],
  ["s LIKE '1%'", { s: 12 }, UNKNOWN],
  ["s LIKE 'a%'", {}, UNKNOWN],
  ["s LIKE 'true'", { s: true }, UNKNOWN],
  ["s NOT LIKE 'a%'", { s: 'abc' }, FALSE],
  ["s NOT LIKE 'a%'", { s: 'b' }, TRUE],
  ["s NOT LIKE 'a%'", {}, UNKNOWN],
  ["s NOT LIKE 'a%'", { s: 1 }, UNKNOWN],
  ["s like 'A_'", { s: 'AB' }, TRUE],
  ["'abc' LIKE 'a%'", {}, TRUE],
  ["(s) LIKE 'a%'", { s: 'ab' }, TRUE],
  ["s LIKE '10!%' ESCAPE '!'", { s: '10%' }, TRUE],
  ["s LIKE '10!%' ESCAPE '!'", { s: '100' }, FALSE],
  ["s LIKE '!_a' ESCAPE '!'", { s: '_a' }, TRUE],
  ["s LIKE '!_a' ESCAPE '!'", { s: 'ba' }, FALSE],
  ["s LIKE 'a!!b' ESCAPE '!'", { s: 'a!b' }, TRUE],
  ["s LIKE 'a!!b' ESCAPE '!'", { s: 'a!!b' }, FALSE],
  ["s LIKE '%!%%' ESCAPE '!'", { s: 'x%y' }, TRUE],
  ["s LIKE '%!%%' ESCAPE '!'", { s: 'xy' }, FALSE],
  ["s LIKE '!_%!_' ESCAPE '!'", { s: '_abc_' }, TRUE],
  ["s LIKE '!_%!_' ESCAPE '!'", { s: 'xabc_' }, FALSE],
  // An escape before an ordinary character just makes that character literal.
  ["s LIKE '!a' ESCAPE '!'", { s: 'a' }, TRUE],
  ["s LIKE '%%' ESCAPE '%'", { s: '%' }, TRUE],
  ["s LIKE '%%' ESCAPE '%'", { s: 'a' }, FALSE],
  ["s LIKE '''%' ESCAPE ''''", { s: '%' }, TRUE],
  ["s LIKE '''%' ESCAPE ''''", { s: "'" }, FALSE],
  ["s LIKE 'x\\%' ESCAPE '\\'", { s: 'x%' }, TRUE],
  ["s LIKE 'x\\%' ESCAPE '\\'", { s: 'xy' }, FALSE],
  ["s LIKE 'a😀_' ESCAPE '😀'", { s: 'a_' }, TRUE],
  ["s NOT LIKE '!%' ESCAPE '!'", { s: '%' }, FALSE],
  ["s NOT LIKE '!%' ESCAPE '!'", { s: 'x' }, TRUE],
  ["s LIKE 'a%' escape '!'", { s: 'ab' }, TRUE],
];

const inList: Case[] = [
  ["c IN ('a', 'b')", { c: 'a' }, TRUE],
  ["c IN ('a', 'b')", { c: 'b' }, TRUE],
  ["c IN ('a', 'b')", { c: 'c' }, FALSE],
  ["c IN ('a', 'b')", { c: 'A' }, FALSE],
  ["c IN ('a', 'b')", {}, UNKNOWN],
  ["c IN ('1')", { c: 1 }, UNKNOWN],
  ["c IN ('a')", { c: 'a' }, TRUE],
  ["c IN ('it''s')", { c: "it's" }, TRUE],
  ["c IN ('')", { c: '' }, TRUE],
  ["c IN('a','b')", { c: 'b' }, TRUE],
  ["c NOT IN ('a', 'b')", { c: 'c' }, TRUE],
  ["c NOT IN ('a', 'b')", { c: 'a' }, FALSE],
  ["c NOT IN ('a', 'b')", {}, UNKNOWN],
  ["c NOT IN ('a', 'b')", { c: true }, UNKNOWN],
  ["c not in ('a')", { c: 'z' }, TRUE],
];

const isNull: Case[] = [
  ['x IS NULL', {}, TRUE],
  ['x IS NULL', { x: 1 }, FALSE],
  ['x IS NULL', { x: '' }, FALSE],
  ['x IS NULL', { x: false }, FALSE],
  ['x IS NOT NULL', { x: 1 }, TRUE],
  ['x IS NOT NULL', {}, FALSE],
  ['x is not null', { x: 'y' }, TRUE],
  ['x + 1 IS NULL', {}, TRUE],
  ['x + 1 IS NULL', { x: 1 }, FALSE],
  ['NOT x IS NULL', { x: 1 }, TRUE],
  ['x IS NULL OR x = 1', {}, TRUE],
  ['x IS NOT NULL AND x = 1', {}, FALSE],
];

// SQL truth tables: t is TRUE, f is FALSE, u is UNKNOWN (missing).
const operand: Record<string, string> = { T: 't = 1', F: 'f = 1', U: 'u = 1' };
const logicProps: Props = { t: 1, f: 0 };
const logic: Case[] = (
  [
    ['T AND T', TRUE],
    ['T AND F', FALSE],
    ['T AND U', UNKNOWN],
    ['F AND T', FALSE],
    ['F AND F', FALSE],
    ['F AND U', FALSE],
    ['U AND T', UNKNOWN],
    ['U AND F', FALSE],
    ['U AND U', UNKNOWN],
    ['T OR T', TRUE],
    ['T OR F', TRUE],
    ['T OR U', TRUE],
    ['F OR T', TRUE],
    ['F OR F', FALSE],
    ['F OR U', UNKNOWN],
    ['U OR T', TRUE],
    ['U OR F', UNKNOWN],
    ['U OR U', UNKNOWN],
    ['NOT T', FALSE],
    ['NOT F', TRUE],
    ['NOT U', UNKNOWN],
  ] as const
).map(([shape, expected]) => [shape.replace(/\b[TFU]\b/g, (v) => operand[v]!), logicProps, expected]);

const tables: Record<string, Case[]> = {
  'reference guide examples': guideExamples,
  literals,
  identifiers,
  comparisons,
  'type mismatches': typeMismatches,
  arithmetic,
  precedence,
  'BETWEEN / NOT BETWEEN': between,
  'LIKE / ESCAPE': like,
  'IN / NOT IN': inList,
  'IS [NOT] NULL': isNull,
  'three-valued logic': logic,
};

for (const [name, cases] of Object.entries(tables)) {
  describe(name, () => {
    for (const [selector, properties, expected] of cases) {
      test(`${selector}  with ${show(properties)}  is ${expected}`, () => {
        const subject = subjectOf(properties);
        expect(compileSelector(selector)(subject)).toBe(expected === TRUE);
        expect(truthOf(selector, subject)).toBe(expected);
      });
    }
  });
}

const fullMessage: AmqpMessageFields = {
  message_id: 'ID:abc',
  correlation_id: 'corr-1',
  priority: 7,
  durable: true,
  creation_time: new Date(1_700_000_000_000),
  absolute_expiry_time: 1_700_000_060_000,
  subject: 'order',
  to: 'orders',
  reply_to: 'replies',
  group_id: 'g1',
  group_sequence: 3,
  user_id: Buffer.from('alice'),
  delivery_count: 2,
  application_properties: { colour: 'green', JMSCustom: 'x', JMSType: 'shadowed', count: 5n },
};

const headerCases: [selector: string, message: AmqpMessageFields, expected: Truth][] = [
  ["JMSMessageID = 'ID:abc'", fullMessage, TRUE],
  ["JMSCorrelationID = 'corr-1'", fullMessage, TRUE],
  ['JMSCorrelationID IS NULL', {}, TRUE],
  ['JMSPriority = 7', fullMessage, TRUE],
  ['JMSPriority > 4', fullMessage, TRUE],
  ['JMSPriority = 4', {}, TRUE],
  ["JMSDeliveryMode = 'PERSISTENT'", fullMessage, TRUE],
  ["JMSDeliveryMode = 'NON_PERSISTENT'", {}, TRUE],
  ["JMSDeliveryMode = 'NON_PERSISTENT'", { durable: false }, TRUE],
  ['JMSTimestamp = 1700000000000', fullMessage, TRUE],
  ['JMSTimestamp = 5', { creation_time: 5 }, TRUE],
  ['JMSTimestamp IS NULL', {}, TRUE],
  ['JMSExpiration = 1700000060000', fullMessage, TRUE],
  ['JMSExpiration = 9', { absolute_expiry_time: new Date(9) }, TRUE],
  ['JMSExpiration IS NULL', {}, TRUE],
  ["JMSType = 'order'", fullMessage, TRUE],
  ["JMSType = 'shadowed'", fullMessage, FALSE],
  ["JMSDestination = 'orders'", fullMessage, TRUE],
  ["JMSReplyTo = 'replies'", fullMessage, TRUE],
  ["JMSXGroupID = 'g1'", fullMessage, TRUE],
  ['JMSXGroupSeq = 3', fullMessage, TRUE],
  ["JMSXUserID = 'alice'", fullMessage, TRUE],
  ["JMSXUserID = 'bob'", { user_id: 'bob' }, TRUE],
  ['JMSXDeliveryCount = 3', fullMessage, TRUE],
  ['JMSXDeliveryCount = 1', {}, TRUE],
  ['JMSMessageID IS NOT NULL', { message_id: Buffer.alloc(16) }, TRUE],
  ["JMSMessageID = 'x'", { message_id: Buffer.from('x') }, UNKNOWN],
  ['JMSMessageID = 42', { message_id: 42n }, TRUE],
  ["colour = 'green'", fullMessage, TRUE],
  ["JMSCustom = 'x'", fullMessage, TRUE],
  ['count = 5', fullMessage, TRUE],
  ["jmstype = 'order'", fullMessage, UNKNOWN],
  ['colour IS NULL', {}, TRUE],
  ['constructor IS NULL', fullMessage, TRUE],
  ['toString IS NULL', {}, TRUE],
  ["JMSPriority >= 5 AND colour = 'green' AND JMSXDeliveryCount < 5", fullMessage, TRUE],
];

describe('JMS headers via subjectOfMessage', () => {
  for (const [selector, message, expected] of headerCases) {
    test(`${selector}  on ${show(message)}  is ${expected}`, () => {
      const subject = subjectOfMessage(message);
      expect(compileSelector(selector)(subject)).toBe(expected === TRUE);
      expect(truthOf(selector, subject)).toBe(expected);
    });
  }
});

// [selector, column of the offending text, text the message must name]
const syntaxErrors: [selector: string, column: number, mentions: string][] = [
  ['', 1, 'empty selector'],
  ['   ', 1, 'empty selector'],
  ['colour = AND', 10, "unexpected token 'AND'"],
  ['colour =', 9, 'unexpected end of selector'],
  ["colour = 'green", 10, "unterminated string literal 'green"],
  ["colour = 'it''s", 10, 'unterminated string literal'],
  ['a # b', 3, "unexpected character '#'"],
  ['a != 1', 3, "unexpected character '!'"],
  ['a = "x"', 5, `unexpected character '"'`],
  ['a = 1 b', 7, "unexpected token 'b'"],
  ['a = 1)', 6, "unexpected token ')'"],
  ['(a = 1', 7, "expected ')'"],
  ['()', 2, "unexpected token ')'"],
  ['-', 2, 'unexpected end of selector'],
  ['a = = 1', 5, "unexpected token '='"],
  ['a = b = c', 7, "unexpected token '='"],
  ['a NOT = 1', 3, "unexpected token 'NOT'"],
  ['AND = 1', 1, "unexpected token 'AND'"],
  ['a = 1 AND', 10, 'unexpected end of selector'],
  ['OR a = 1', 1, "unexpected token 'OR'"],
  ["a = 'x' ESCAPE '!'", 9, "unexpected token 'ESCAPE'"],
  ['a + 1', 1, "a numeric expression 'a + 1' cannot be used as a condition"],
  ['5', 1, "numeric expression '5'"],
  ['-a', 1, "numeric expression '-a'"],
  ["'abc'", 1, "a string expression 'abc' cannot be used as a condition"],
  ['a + 1 AND b = 1', 1, "'a + 1' cannot be used as a condition"],
  ["b = 1 OR 'x'", 10, "'x' cannot be used as a condition"],
  ['NOT 5', 5, "'5' cannot be used as a condition"],
  ['(a * 2)', 1, "'(a * 2)' cannot be used as a condition"],
  ["s LIKE 'a' ESCAPE 'ab'", 19, "ESCAPE must be a single character but found 'ab'"],
  ["s LIKE 'a' ESCAPE ''", 19, "ESCAPE must be a single character but found ''"],
  ["s LIKE 'a!' ESCAPE '!'", 8, "ends with its escape character '!'"],
  ['s LIKE a', 8, "unexpected token 'a', expected a string literal pattern"],
  ['s LIKE 5', 8, "unexpected token '5'"],
  ["s LIKE 'a' ESCAPE", 18, 'unexpected end of selector'],
  ["5 LIKE 'a'", 1, "LIKE needs a string operand but found a numeric expression '5'"],
  ['s IN ()', 7, "unexpected token ')'"],
  ["s IN ('a', 1)", 12, "unexpected token '1'"],
  ["s IN ('a'", 10, 'unexpected end of selector'],
  ["s IN 'a'", 6, "unexpected token 'a', expected '('"],
  ["TRUE IN ('a')", 1, "IN needs a string operand but found a boolean expression 'TRUE'"],
  ['a BETWEEN 1', 12, "expected 'AND' of BETWEEN"],
  ['a BETWEEN 1 OR 2', 13, "unexpected token 'OR'"],
  ["a BETWEEN 'a' AND 'z'", 11, "BETWEEN needs numeric operands but found a string expression 'a'"],
  ["'a' < 'b'", 1, "'<' needs numeric operands but found a string expression 'a'"],
  ["a < 'b'", 5, "'<' needs numeric operands"],
  ['a >= TRUE', 6, "boolean expression 'TRUE'"],
  ["'x' = 1", 1, "cannot compare a string expression 'x' with a numeric expression '1' using '='"],
  ['TRUE <> 1', 1, "cannot compare a boolean expression 'TRUE'"],
  ["(a + 1) = 'x'", 1, "cannot compare a numeric expression '(a + 1)' with a string expression 'x'"],
  ["'a' + 1", 1, "'+' needs numeric operands but found a string expression 'a'"],
  ["-'a' = 1", 2, "unary '-' needs numeric operands"],
  ['(a = 1) + 1 = 2', 1, "'+' needs numeric operands but found a boolean expression '(a = 1)'"],
  ['a IS 5', 6, "unexpected token '5', expected NULL"],
  ['a IS NOT', 9, 'unexpected end of selector'],
  ['12abc = 1', 1, "malformed number '12abc'"],
  ['a = 08', 5, "malformed number '08'"],
  ['a = 1e', 5, "malformed number '1e'"],
  ['a = 0x', 5, "malformed number '0x'"],
  ['a = 1.5L', 5, "malformed number '1.5L'"],
  ['a = 1.2.3', 5, "malformed number '1.2.3'"],
  ['a = 1\n#', 7, "unexpected character '#'"],
  ['a = 1 AND\tb =\u0000', 14, "unexpected character '\\u0000'"],
];

describe('syntax errors', () => {
  for (const [selector, column, mentions] of syntaxErrors) {
    test(`${JSON.stringify(selector)} fails at column ${column} naming ${mentions}`, () => {
      let caught: unknown;
      try {
        compileSelector(selector);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SelectorSyntaxError);
      const error = caught as SelectorSyntaxError;
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('SelectorSyntaxError');
      expect(error.column).toBe(column);
      expect(error.message).toContain(mentions);
      expect(error.message).toContain(`at column ${column} in ${JSON.stringify(selector)}`);
      expect(error.message).toMatch(/^selector: [^\n\r\u2028\u2029]+$/);
    });
  }
});

describe('compiled selectors', () => {
  test('are reusable across messages', () => {
    const selector = compileSelector("s LIKE 'a_c%' AND n BETWEEN 1 AND 10");
    const results = ['abc', 'abd', 'axcz', 'abc'].map((s, i) => selector(subjectOf({ s, n: i * 4 })));
    expect(results).toEqual([false, false, true, false]);
  });

  test('evaluate long flat AND / OR chains without deep recursion', () => {
    const terms = Array.from({ length: 5000 }, (_, i) => `x = ${i}`);
    expect(compileSelector(terms.join(' OR '))(subjectOf({ x: 4999 }))).toBe(true);
    expect(compileSelector(terms.join(' OR '))(subjectOf({ x: -1 }))).toBe(false);
    expect(compileSelector(terms.map((t) => `NOT ${t}`).join(' AND '))(subjectOf({ x: 5000 }))).toBe(true);
  });

  test('accept reasonable nesting', () => {
    expect(compileSelector(`${'('.repeat(150)}a = 1${')'.repeat(150)}`)(subjectOf({ a: 1 }))).toBe(true);
    expect(compileSelector(`${'NOT '.repeat(150)}a = 1`)(subjectOf({ a: 1 }))).toBe(true);
  });

  test.each([
    ['parentheses', `${'('.repeat(5000)}a = 1${')'.repeat(5000)}`, 201],
    ['NOT', `${'NOT '.repeat(5000)}a = 1`, 801],
    ['unary minus', `a = ${'-'.repeat(5000)}1`, 205],
    ['arithmetic chain', `a = ${'1 + '.repeat(5000)}1`, 5],
  ])('reject nesting too deep to evaluate safely: %s', (_, selector, column) => {
    expect(() => compileSelector(selector)).toThrow(SelectorSyntaxError);
    expect(() => compileSelector(selector)).toThrow(`nested more than 200 levels deep`);
    expect(() => compileSelector(selector)).toThrow(`at column ${column} in`);
  });

  test('quote very long selectors on one line, cut short', () => {
    const long = `a = 1 AND ${'b = 2 AND '.repeat(50)}#`;
    expect(() => compileSelector(long)).toThrow(
      /^selector: unexpected character '#' at column 511 in "a = 1 AND [^\n]*…"$/,
    );
  });
});
