/**
 * Aborted transfers (AMQP 1.0 section 2.7.5): rhea ignores the transfer's `aborted` flag and
 * hands the partial bytes out as a whole message.
 */
import type { RheaPatch } from './patch.js';
import { incomingPrototype } from './rhea-lib.js';

interface TransferPerformative {
  more?: boolean;
  aborted?: boolean;
}
interface IncomingTransfer {
  performative: TransferPerformative;
  payload?: Buffer;
}
interface AbortingReceiver {
  _incomplete?: { frames?: Buffer[]; settled: boolean; remote_settled: boolean };
  credit: number;
  delivery_count: number;
  dispatch(event: string, context: object): boolean;
  _context(context: object): object;
}
interface IncomingWithTransfer {
  on_transfer(this: unknown, frame: IncomingTransfer, receiver: AbortingReceiver): void;
}

/** The event a receiver link raises (in a thread that applied abortedTransfers) for a discarded delivery. */
export const DELIVERY_ABORTED_EVENT = 'delivery_aborted';

const incoming = incomingPrototype as IncomingWithTransfer;
let applied = false;

/**
 * Discard aborted deliveries (per thread). The patched handler files the aborting frame like any
 * other (so delivery ids, transfer ids and the session window stay in step with the sender),
 * then drops the delivery: no 'message' event, its ring slot freed (an aborted delivery is
 * implicitly settled), and its credit counted as used, as the sender counts it. The link raises
 * DELIVERY_ABORTED_EVENT instead, so its owner can grant that credit again.
 */
export const abortedTransfers: RheaPatch = {
  name: 'aborted transfers',
  targets: () => ({ 'Incoming#on_transfer': incoming.on_transfer }),
  apply(): void {
    if (applied) return;
    const original = incoming.on_transfer;
    incoming.on_transfer = function (this: unknown, frame: IncomingTransfer, receiver: AbortingReceiver): void {
      if (!frame.performative.aborted) return original.call(this, frame, receiver);
      // "any payload within the frame carrying the performative MUST be ignored"
      frame.performative.more = true;
      frame.payload = undefined;
      original.call(this, frame, receiver);
      const delivery = receiver._incomplete;
      receiver._incomplete = undefined;
      if (!delivery) return;
      delete delivery.frames;
      delivery.settled = true;
      delivery.remote_settled = true;
      if (receiver.credit > 0) receiver.credit--;
      receiver.delivery_count++;
      receiver.dispatch(DELIVERY_ABORTED_EVENT, receiver._context({ delivery }));
    };
    applied = true;
  },
};
