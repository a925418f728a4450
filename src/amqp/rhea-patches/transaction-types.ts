/**
 * Transaction types: rhea knows neither the coordinator target nor the declared /
 * transactional-state delivery states, and has no way to put a state on a transfer. Four
 * wrappers teach it: terminus.unwrap (0x30), message.unwrap_outcome (0x33, 0x34),
 * frames.transfer (state for deliveries whose tag was marked) and Session#on_transfer (reads a
 * 0x34 transfer state before rhea's generic unwrap drops its descriptor). Non-transactional
 * traffic is unchanged.
 */
import {
  COORDINATOR,
  DECLARED,
  TRANSACTIONAL_STATE,
  isDescribedAs,
  readCoordinator,
  readDeclared,
  readTransactionalState,
} from '../transactions/codec.js';
import type { Typed } from '../transactions/codec.js';
import type { RheaPatch } from './patch.js';
import { framesModule, messageModule, sessionPrototype, terminusModule, typesModule } from './rhea-lib.js';

interface TransferFields {
  delivery_tag?: unknown;
}
interface FrameBody {
  value: unknown[];
}
interface FramesModule {
  transfer(fields: TransferFields): FrameBody;
}
interface SessionPrototype {
  on_transfer(this: unknown, frame: { performative?: FrameBody }): void;
}
interface OutcomeModule {
  unwrap_outcome(outcome: unknown): unknown;
}
interface TerminusModule {
  unwrap(field: unknown): unknown;
}

const terminus = terminusModule as TerminusModule;
const outcomes = messageModule as OutcomeModule;
const frames = framesModule as FramesModule;
const session = sessionPrototype as SessionPrototype;
const types = typesModule as { Null(): unknown };

/** Index of `state` in the transfer performative's field list (frames.js). */
export const TRANSFER_STATE_INDEX = 7;

const transferStates = new WeakMap<object, Typed>();
/** Whether any tag was marked in this thread: until then no transfer carries a state, and none is looked up. */
let anyMarked = false;
let applied = false;

/**
 * Teach rhea (in this thread) the transaction types: a peer's coordinator target arrives as a
 * CoordinatorTarget, a declared outcome as Declared, a transactional-state (on a disposition or
 * a transfer) as TransactionalState (each from ../transactions/codec.ts, carrying
 * `constructor.composite_type`, so rhea dispatches a `declared` / `transactional_state` event
 * for them). Transfers of deliveries whose tag went through markTransactionalTransfer carry that
 * state.
 */
export const transactionTypes: RheaPatch = {
  name: 'transaction types',
  targets: () => ({
    'terminus.unwrap': terminus.unwrap,
    'message.unwrap_outcome': outcomes.unwrap_outcome,
    'frames.transfer': frames.transfer,
    'Session#on_transfer': session.on_transfer,
    'types.Null': types.Null,
  }),
  apply(): void {
    if (applied) return;
    const unwrapTerminus = terminus.unwrap;
    terminus.unwrap = function (this: unknown, field: unknown): unknown {
      if (isDescribedAs(field, COORDINATOR)) return readCoordinator(field as Typed);
      return unwrapTerminus.call(this, field);
    };
    const unwrapOutcome = outcomes.unwrap_outcome;
    outcomes.unwrap_outcome = function (this: unknown, outcome: unknown): unknown {
      if (isDescribedAs(outcome, DECLARED)) return readDeclared(outcome as Typed);
      if (isDescribedAs(outcome, TRANSACTIONAL_STATE)) return readTransactionalState(outcome as Typed);
      return unwrapOutcome.call(this, outcome);
    };
    const transfer = frames.transfer;
    frames.transfer = function (this: unknown, fields: TransferFields): FrameBody {
      const frame = transfer.call(this, fields);
      const tag = fields.delivery_tag;
      const state = typeof tag === 'object' && tag !== null ? transferStates.get(tag) : undefined;
      if (state) {
        while (frame.value.length < TRANSFER_STATE_INDEX) frame.value.push(types.Null());
        frame.value[TRANSFER_STATE_INDEX] = state;
      }
      return frame;
    };
    const onTransfer = session.on_transfer;
    session.on_transfer = function (this: unknown, frame: { performative?: FrameBody }): void {
      const fields = frame.performative?.value;
      const raw = fields?.[TRANSFER_STATE_INDEX];
      // rhea's transfer getter would unwrap the state into a bare list; a plain object passes through.
      if (fields && raw && isDescribedAs(raw, TRANSACTIONAL_STATE)) {
        fields[TRANSFER_STATE_INDEX] = readTransactionalState(raw as Typed);
      }
      onTransfer.call(this, frame);
    };
    applied = true;
  },
};

/** Every transfer frame of the delivery sent with this tag (a Buffer object, by identity) carries `state`. */
export function markTransactionalTransfer(tag: Buffer, state: Typed): void {
  anyMarked = true;
  transferStates.set(tag, state);
}

/** Whether the transfers of the delivery sent with this tag carry a transactional state (direct-transfers.ts leaves those to rhea). */
export function carriesTransferState(tag: object): boolean {
  return anyMarked && transferStates.has(tag);
}

/** Replace a link's local target before its attach is written (rhea only builds 0x29 targets). */
export function setLocalTarget(link: object, target: Typed): void {
  (link as { local: { attach: { target?: unknown } } }).local.attach.target = target;
}
