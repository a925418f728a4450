/**
 * Outgoing deliveries without a closure each. rhea's Outgoing#send builds each delivery as an
 * object literal and gives it its own `update` function, a closure over the delivery and the
 * session half (a function and a context allocated per message, beside the delivery). This patch
 * builds the same delivery from a class whose one `update` method does what rhea's closure does
 * (Outgoing#update with the delivery), with the same fields in the same order, the payload split
 * at the same max payload rhea computes, and the same id from the session's next delivery id.
 * Everything that reads or settles deliveries (rhea's process and disposition handling,
 * forget-deliveries.ts, salvo's links) sees the fields it saw.
 */
import type { RheaPatch } from './patch.js';
import { outgoingPrototype } from './rhea-lib.js';

interface Ring {
  push(delivery: OutgoingDelivery): void;
}
interface Outgoing {
  deliveries: Ring;
  next_delivery_id: number;
  compute_max_payload(tag: Buffer): number | undefined;
  update(delivery: OutgoingDelivery, settled: boolean, state: unknown): void;
}
interface OutgoingPrototype {
  send(this: Outgoing, sender: object, tag: Buffer, data: Buffer, format?: number): OutgoingDelivery;
  update: Outgoing['update'];
  compute_max_payload: Outgoing['compute_max_payload'];
}

const outgoing = outgoingPrototype as OutgoingPrototype;

/** One delivery handed to rhea: rhea's fields (session.js, Outgoing#send), `update` on the prototype. */
class OutgoingDelivery {
  next_to_send = 0;
  sent = false;
  settled = false;
  state: unknown = undefined;
  remote_settled = false;
  remote_state: unknown = undefined;

  constructor(
    readonly id: number,
    readonly tag: Buffer,
    readonly link: object,
    readonly data: Buffer[],
    readonly format: number,
    /** The session half the delivery belongs to (rhea's closure held it). */
    private readonly outgoing: Outgoing,
  ) {}

  /** Settle locally and/or set the local state; rhea writes the disposition on its next pass. */
  update(settled: boolean, state?: unknown): void {
    this.outgoing.update(this, settled, state);
  }
}

let applied = false;

export const outgoingDeliveries: RheaPatch = {
  name: 'outgoing deliveries',
  targets: () => ({
    'Outgoing#send': outgoing.send,
    'Outgoing#update': outgoing.update,
    'Outgoing#compute_max_payload': outgoing.compute_max_payload,
  }),
  apply(): void {
    if (applied) return;
    outgoing.send = function (this: Outgoing, sender, tag, data, format): OutgoingDelivery {
      const delivery = new OutgoingDelivery(
        this.next_delivery_id++,
        tag,
        sender,
        fragmentsOf(data, this.compute_max_payload(tag)),
        format ? format : 0,
        this,
      );
      this.deliveries.push(delivery);
      return delivery;
    };
    applied = true;
  },
};

/** The payload as rhea splits it: pieces of at most `maxPayload` bytes (views, not copies), or whole. */
function fragmentsOf(data: Buffer, maxPayload: number | undefined): Buffer[] {
  if (!maxPayload || data.length <= maxPayload) return [data];
  const fragments: Buffer[] = [];
  for (let start = 0; start < data.length; start += maxPayload) {
    fragments.push(data.subarray(start, Math.min(start + maxPayload, data.length)));
  }
  return fragments;
}
