import { compileCondition } from './evaluate.js';
import { parseSelector } from './parser.js';
import type { SelectorSubject } from './subject.js';

export { SelectorSyntaxError } from './errors.js';
export { type AmqpMessageFields, subjectOfMessage } from './message.js';
export type { SelectorSubject } from './subject.js';

/** True only when the selector evaluates to TRUE; FALSE and UNKNOWN both reject the message. */
export type Selector = (subject: SelectorSubject) => boolean;

/**
 * Parses and type-checks a JMS 2.0 message selector once, returning a predicate that is cheap to call per message.
 * @throws SelectorSyntaxError when the text does not parse or can never be type-correct
 */
export function compileSelector(text: string): Selector {
  const condition = compileCondition(parseSelector(text));
  return (subject) => condition(subject) === true;
}
