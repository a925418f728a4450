/**
 * The AMQP 1.0 transaction types (spec part 4) that rhea does not know:
 * the coordinator target (0x30), declare (0x31), discharge (0x32), declared
 * (0x33) and transactional-state (0x34). Builders produce rhea typed values
 * or encoded bytes; readers take rhea typed values as they come off the wire.
 * Pure: no patching here (that is in ../rhea-internals.ts), shared by the
 * client module and the embedded broker's coordinator.
 */
import rhea from 'rhea';

export const COORDINATOR = 0x30;
export const DECLARE = 0x31;
export const DISCHARGE = 0x32;
export const DECLARED = 0x33;
export const TRANSACTIONAL_STATE = 0x34;
export const LOCAL_TRANSACTIONS = 'amqp:local-transactions';

const SYMBOLS: Record<number, string> = {
  [COORDINATOR]: 'amqp:coordinator:list',
  [DECLARE]: 'amqp:declare:list',
  [DISCHARGE]: 'amqp:discharge:list',
  [DECLARED]: 'amqp:declared:list',
  [TRANSACTIONAL_STATE]: 'amqp:transactional-state:list',
};

/** The outcome codes a transactional-state may carry, by name. */
const OUTCOME_CODES = { received: 0x23, accepted: 0x24, rejected: 0x25, released: 0x26, modified: 0x27 } as const;
export type OutcomeName = keyof typeof OUTCOME_CODES;

/** A rhea typed value, as far as this module needs it. */
export interface Typed {
  value: unknown;
  descriptor?: { value: unknown };
}

interface RheaTypes {
  wrap_ulong(value: number): Typed;
  wrap_symbol(value: string): Typed;
  wrap_binary(value: Buffer): Typed;
  wrap_boolean(value: boolean): Typed;
  wrap_list(items: unknown[]): Typed;
  wrap_array(items: unknown[], code: number): Typed;
  Null(): Typed;
  described(descriptor: Typed, value: Typed): Typed;
  unwrap(value: unknown, leaveDescribed?: boolean): unknown;
  Writer: new () => { write(value: Typed): void; toBuffer(): Buffer };
}

const types = rhea.types as unknown as RheaTypes;
const SYM8 = 0xa3;

// ---- decoded forms (what rhea hands out once ../rhea-internals.ts has taught it) ----

/** A coordinator target (0x30) in a peer's attach. */
export class CoordinatorTarget {
  constructor(readonly capabilities: string[]) {}
}

/** The `declared` outcome (0x33): the coordinator's answer to a declare. */
export class Declared {
  /** rhea dispatches an event named after `constructor.composite_type` for a delivery's new remote state. */
  static readonly composite_type = 'declared';
  constructor(readonly txnId: Buffer) {}
}

/** A transactional-state (0x34): the txn-id, and the provisional outcome if one was given. */
export class TransactionalState {
  static readonly composite_type = 'transactional_state';
  constructor(
    readonly txnId: Buffer,
    /** null: no outcome (transactional posting, or acquisition without an outcome yet). */
    readonly outcome: { name: OutcomeName | 'unknown'; fields: Record<string, unknown> } | null,
  ) {}
}

/** What arrives on a coordinator link. */
export type ControlMessage =
  | { kind: 'declare'; globalId: unknown }
  | { kind: 'discharge'; txnId: Buffer; fail: boolean }
  | { kind: 'malformed'; reason: string };

// ---- descriptor tests ----

function codeOf(typed: unknown): number | string | undefined {
  const descriptor = (typed as Typed | undefined)?.descriptor?.value;
  if (typeof descriptor === 'number') return descriptor;
  if (typeof descriptor === 'bigint') return Number(descriptor);
  if (typeof descriptor === 'string') return descriptor;
  if (descriptor instanceof Number || descriptor instanceof String) return descriptor.valueOf();
  return undefined;
}

/** True when a typed value is described as `code` (numerically or by its symbol). */
export function isDescribedAs(typed: unknown, code: number): boolean {
  const found = codeOf(typed);
  return found === code || (found !== undefined && found === SYMBOLS[code]);
}

function outcomeNameOf(typed: unknown): OutcomeName | 'unknown' {
  for (const [name, code] of Object.entries(OUTCOME_CODES)) {
    if (isDescribedAs(typed, code) || codeOf(typed) === `amqp:${name}:list`) return name as OutcomeName;
  }
  return 'unknown';
}

function listItems(typed: Typed): unknown[] {
  return Array.isArray(typed.value) ? typed.value : [];
}

function plain(item: unknown): unknown {
  return types.unwrap(item, true);
}

function binaryOf(item: unknown): Buffer | null {
  const value = plain(item);
  return Buffer.isBuffer(value) ? value : value instanceof Uint8Array ? Buffer.from(value) : null;
}

// ---- readers: rhea typed value -> decoded form ----

export function readCoordinator(typed: Typed): CoordinatorTarget {
  const capabilities = plain(listItems(typed)[0]);
  const list = Array.isArray(capabilities) ? capabilities : capabilities === null || capabilities === undefined ? [] : [capabilities];
  return new CoordinatorTarget(list.map(String));
}

export function readDeclared(typed: Typed): Declared {
  return new Declared(binaryOf(listItems(typed)[0]) ?? Buffer.alloc(0));
}

const OUTCOME_FIELDS: Record<string, string[]> = {
  rejected: ['error'],
  modified: ['delivery_failed', 'undeliverable_here', 'message_annotations'],
  received: ['section_number', 'section_offset'],
};

export function readTransactionalState(typed: Typed): TransactionalState {
  const [id, outcome] = listItems(typed);
  const txnId = binaryOf(id) ?? Buffer.alloc(0);
  if (outcome === undefined || outcome === null || plain(outcome) === null) return new TransactionalState(txnId, null);
  const name = outcomeNameOf(outcome);
  const fields: Record<string, unknown> = {};
  const values = listItems(outcome as Typed);
  (OUTCOME_FIELDS[name] ?? []).forEach((field, index) => {
    const value = values[index] === undefined ? undefined : types.unwrap(values[index]);
    if (value !== undefined && value !== null) fields[field] = value;
  });
  return new TransactionalState(txnId, { name, fields });
}

/**
 * The body of a message on a coordinator link, as rhea's decoder leaves it:
 * an amqp-value whose described list keeps its descriptor (rhea does not know
 * 0x31 / 0x32, so it leaves them described).
 */
export function readControl(body: unknown): ControlMessage {
  if (!body || typeof body !== 'object' || !('descriptor' in body)) {
    return { kind: 'malformed', reason: 'coordinator message body is not a described value' };
  }
  const typed = body as Typed;
  const items = listItems(typed);
  if (isDescribedAs(typed, DECLARE)) return { kind: 'declare', globalId: plain(items[0]) ?? null };
  if (isDescribedAs(typed, DISCHARGE)) {
    const txnId = binaryOf(items[0]);
    if (!txnId) return { kind: 'malformed', reason: 'discharge without a binary txn-id' };
    return { kind: 'discharge', txnId, fail: plain(items[1]) === true };
  }
  return { kind: 'malformed', reason: `coordinator message is neither declare nor discharge (descriptor ${String(codeOf(typed))})` };
}

// ---- builders: for the wire ----

function described(code: number, items: Typed[]): Typed {
  // Fresh list each time: rhea's `described` sets the descriptor on the value it is given.
  return types.described(types.wrap_ulong(code), types.wrap_list(items));
}

/** The coordinator target for an attach, advertising local transactions. */
export function coordinatorTarget(capabilities: string[] = [LOCAL_TRANSACTIONS]): Typed {
  return described(COORDINATOR, [types.wrap_array(capabilities, SYM8)]);
}

export function declaredState(txnId: Buffer): Typed {
  return described(DECLARED, [types.wrap_binary(txnId)]);
}

/** transactional-state {txn-id, outcome}; outcome omitted for transactional posting. */
export function transactionalState(txnId: Buffer, outcome?: 'accepted' | 'released'): Typed {
  const items = [types.wrap_binary(txnId)];
  if (outcome) items.push(described(OUTCOME_CODES[outcome], []));
  return described(TRANSACTIONAL_STATE, items);
}

/** A whole message: one amqp-value section holding `value`, encoded by hand (see above on `described`). */
function amqpValueMessage(value: Typed): Buffer {
  const writer = new types.Writer();
  writer.write(value);
  return Buffer.concat([Buffer.from([0x00, 0x53, 0x77]), writer.toBuffer()]);
}

/** An encoded `declare` message (no global-id: a local transaction). */
export function declareMessage(): Buffer {
  return amqpValueMessage(described(DECLARE, [types.Null()]));
}

/** An encoded `discharge` message: fail=false commits, fail=true rolls back. */
export function dischargeMessage(txnId: Buffer, fail: boolean): Buffer {
  return amqpValueMessage(described(DISCHARGE, [types.wrap_binary(txnId), types.wrap_boolean(fail)]));
}
