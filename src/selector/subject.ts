/**
 * A message as the selector sees it: returns the value of an identifier, or undefined when the message does not have
 * it.
 */
export interface SelectorSubject {
  lookup(identifier: string): unknown;
}
