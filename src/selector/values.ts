/**
 * Stands for a value that is present but of no type a selector can compare (a Buffer, a map, ...).
 * Kept apart from null so that `IS NULL` is FALSE for it while every comparison is UNKNOWN.
 */
export const OPAQUE: unique symbol = Symbol('opaque');

/** A value during evaluation; null is SQL NULL (missing). */
export type Value = string | number | boolean | null | typeof OPAQUE;

/** SQL three-valued logic: null is UNKNOWN. */
export type Truth = boolean | null;

/** Brings whatever a subject returns into the few types the selector language knows. */
export function normalize(raw: unknown): Value {
  switch (typeof raw) {
    case 'string':
    case 'number':
    case 'boolean':
      return raw;
    case 'bigint':
      return Number(raw);
    case 'undefined':
      return null;
    case 'object':
      if (raw === null) return null;
      // AMQP timestamps arrive as Date; selectors compare them as epoch milliseconds.
      return raw instanceof Date ? raw.getTime() : OPAQUE;
    default:
      return OPAQUE;
  }
}

/** A value used where a condition is expected: only real booleans count. */
export function truthOf(value: Value): Truth {
  return typeof value === 'boolean' ? value : null;
}

export function not3(value: Truth): Truth {
  return value === null ? null : !value;
}

export function and3(left: Truth, right: Truth): Truth {
  if (left === false || right === false) return false;
  return left === null || right === null ? null : true;
}
