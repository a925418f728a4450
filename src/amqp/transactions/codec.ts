/**
 * The AMQP 1.0 transaction types (spec part 4) that rhea does not know:
 * the coordinator target (0x30), declare (0x31), discharge (0x32), declared
 * (0x33) and transactional-state (0x34). Builders produce rhea typed values
 * or encoded bytes; readers take rhea typed values as they come off the wire.
 * Pure: no patching here (that is in ../rhea-patches/transaction-types.ts), shared by the
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
  Reader: new (buffer: Buffer) => { read(): Typed; position: number };
}

const types = rhea.types as unknown as RheaTypes;
const SYM8 = 0xa3;

// ---- decoded forms (what rhea hands out once ../rhea-patches/transaction-types.ts has taught it) ----

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

/**
 * A transactional-state (0x34): the txn-id, and the provisional outcome if one
 * was given. One subclass per outcome makes rhea dispatch that outcome's event
 * (`accepted`, `rejected`, ...) for a transactional outcome, as for a plain
 * one; test `remote_state instanceof TransactionalState` to tell them apart.
 * With no outcome the event is `transactional_state`.
 */
export class TransactionalState {
  static readonly composite_type: string = 'transactional_state';
  constructor(
    readonly txnId: Buffer,
    /** null: no outcome (transactional posting, or acquisition without an outcome yet). */
    readonly outcome: { name: OutcomeName | 'unknown'; fields: Record<string, unknown> } | null,
  ) {}
}

const STATE_CLASSES = new Map<string, typeof TransactionalState>(
  Object.keys(OUTCOME_CODES).map((name) => [
    name,
    class extends TransactionalState {
      static override readonly composite_type: string = name;
    },
  ]),
);

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
  const list = Array.isArray(capabilities)
    ? capabilities
    : capabilities === null || capabilities === undefined
      ? []
      : [capabilities];
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
  const StateClass = STATE_CLASSES.get(name) ?? TransactionalState;
  const fields: Record<string, unknown> = {};
  const values = listItems(outcome as Typed);
  (OUTCOME_FIELDS[name] ?? []).forEach((field, index) => {
    const value = values[index] === undefined ? undefined : types.unwrap(values[index]);
    if (value !== undefined && value !== null) fields[field] = value;
  });
  return new StateClass(txnId, { name, fields });
}

const AMQP_VALUE = 0x77;

/**
 * A message on a coordinator link, from its encoded sections: the described
 * value (declare / discharge) inside its amqp-value section. rhea's decoder
 * cannot be used here: its Reader keeps only the outer of two consecutive
 * descriptors, so the section's 0x77 hides the 0x31 / 0x32 of its value.
 */
export function readControlPayload(payload: Buffer): ControlMessage {
  try {
    const reader = new types.Reader(payload);
    while (reader.position < payload.length) {
      const start = reader.position;
      if (payload[start] !== 0x00)
        return { kind: 'malformed', reason: 'coordinator message is not a sequence of sections' };
      reader.position = start + 1;
      const descriptor = reader.read();
      if (descriptor.value === AMQP_VALUE || descriptor.value === 'amqp:value:*') {
        if (payload[reader.position] !== 0x00) break;
        reader.position++;
        const inner = reader.read();
        const value = reader.read();
        value.descriptor = inner;
        return readControl(value);
      }
      reader.position = start;
      reader.read(); // skip the whole section
    }
  } catch (error) {
    return {
      kind: 'malformed',
      reason: `coordinator message does not decode: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { kind: 'malformed', reason: 'coordinator message has no amqp-value holding a described value' };
}

/**
 * The body as rhea's decoder leaves it (descriptor lost, see readControlPayload):
 * a list whose binary first field makes it a discharge, anything else a
 * declare. Only for a broker running without raw payloads.
 */
export function readDecodedControl(body: unknown): ControlMessage {
  if (body && typeof body === 'object' && 'descriptor' in body) return readControl(body);
  if (!Array.isArray(body)) return { kind: 'malformed', reason: 'coordinator message body is not a list' };
  const [first, fail] = body as unknown[];
  if (Buffer.isBuffer(first)) return { kind: 'discharge', txnId: first, fail: fail === true };
  return { kind: 'declare', globalId: first ?? null };
}

/** A declare or discharge from its described value (descriptor intact). */
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
  return {
    kind: 'malformed',
    reason: `coordinator message is neither declare nor discharge (descriptor ${String(codeOf(typed))})`,
  };
}

// ---- builders: for the wire ----

function described(code: number, items: Typed[]): Typed {
  // Fresh list each time: rhea's `described` sets the descriptor on the value it is given.
  return types.described(types.wrap_ulong(code), types.wrap_list(items));
}

/** The coordinator target for an attach, advertising local transactions. */
export function coordinatorTargetValue(capabilities: string[] = [LOCAL_TRANSACTIONS]): Typed {
  return described(COORDINATOR, [types.wrap_array(capabilities, SYM8)]);
}

export function declaredValue(txnId: Buffer): Typed {
  return described(DECLARED, [types.wrap_binary(txnId)]);
}

/** transactional-state {txn-id, outcome}; outcome omitted for transactional posting. */
export function transactionalStateValue(txnId: Buffer, outcome?: 'accepted' | 'released'): Typed {
  const items = [types.wrap_binary(txnId)];
  if (outcome) items.push(described(OUTCOME_CODES[outcome], []));
  return described(TRANSACTIONAL_STATE, items);
}

/** A plain outcome (accepted, released, ...) with its fields left at their defaults. */
export function outcomeValue(name: OutcomeName): Typed {
  return described(OUTCOME_CODES[name], []);
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
