/**
 * Deliveries given up on. rhea frees a delivery's slot in its session's ring only from the head,
 * and only once the delivery is settled at both ends (for an outgoing one): a delivery nobody
 * will settle pins its slot for good, and the session stalls once its ring (2,048 slots) wraps
 * past it. These helpers mark such deliveries settled without writing anything.
 */
import type { Typed } from '../transactions/codec.js';
import type { RheaReach } from './patch.js';
import { connectionPrototype, specimenEndpoints } from './rhea-lib.js';

interface RingDelivery {
  link: object;
  settled: boolean;
  remote_settled: boolean;
}
interface AbandonRing {
  size: number;
  head: number;
  capacity: number;
  entries: (RingDelivery | undefined)[];
  by_id(id: number): RingDelivery | undefined;
}
interface RingedLink {
  is_sender(): boolean;
  session: { outgoing: SessionHalf & PendingOutgoing; incoming: SessionHalf };
  connection: { _register(): void };
}
interface SessionHalf {
  deliveries: AbandonRing;
}
interface PendingOutgoing {
  next_pending_delivery: number;
  next_delivery_id: number;
}

/**
 * Settle an outgoing delivery and stop waiting for the peer to settle it too. A peer that never
 * settles (Proton after a transactional accept is committed) would pin the session's delivery
 * ring for good.
 */
export function forgetDelivery(delivery: object, state?: Typed): void {
  const d = delivery as { update(settled: boolean, state?: Typed): void; remote_settled: boolean; settled: boolean };
  if (!d.settled) d.update(true, state);
  d.remote_settled = true;
}

/**
 * Forget, on both sides and without writing anything, every delivery of `link` still in its
 * session's ring: a detached consumer's unsettled deliveries (the broker has put their messages
 * back on the queue) or a detached producer's unsettled transfers (left in doubt for their
 * sender). Returns how many deliveries were released from the ring.
 */
export function abandonDeliveries(link: object): number {
  const ringed = link as RingedLink;
  const ring = ringed.is_sender() ? ringed.session.outgoing.deliveries : ringed.session.incoming.deliveries;
  let abandoned = 0;
  for (let i = 0; i < ring.size; i++) {
    const delivery = ring.entries[(ring.head + i) % ring.capacity];
    if (!delivery || delivery.link !== link || (delivery.settled && delivery.remote_settled)) continue;
    delivery.settled = true;
    delivery.remote_settled = true;
    abandoned++;
  }
  // A processing pass pops the freed slots from the ring's head.
  if (abandoned > 0) ringed.connection._register();
  return abandoned;
}

/** Forget one incoming delivery the broker will never settle (a transfer that arrived after its link was detached). */
export function abandonDelivery(delivery: object): void {
  const d = delivery as RingDelivery & { link: RingedLink };
  d.settled = true;
  d.remote_settled = true;
  d.link.connection._register();
}

/**
 * How many of a sending link's deliveries rhea still holds unwritten, whole or in part: it
 * writes a delivery's transfers only within the peer's session window, so a delivery the
 * broker handed over may not have left yet. Those are the ids from the session's next
 * pending delivery up. Not for the hot path (a broker restart counts with it).
 */
export function unsentDeliveries(link: object): number {
  const outgoing = (link as RingedLink).session.outgoing;
  let unsent = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === link) unsent++;
  }
  return unsent;
}

/** The ring fields and counters these helpers use, as a stand-in session has them. */
export const forgetDeliveries: RheaReach = {
  name: 'forget deliveries',
  targets: () => {
    const session = specimenEndpoints().session as RingedLink['session'];
    const ring = session.outgoing.deliveries as Partial<AbandonRing>;
    return {
      'deliveries.size': ring.size,
      'deliveries.head': ring.head,
      'deliveries.capacity': ring.capacity,
      'deliveries.entries': ring.entries,
      'deliveries.by_id': ring.by_id,
      'Incoming.deliveries': session.incoming.deliveries,
      'Outgoing.next_pending_delivery': session.outgoing.next_pending_delivery,
      'Outgoing.next_delivery_id': session.outgoing.next_delivery_id,
      'Connection#_register': (connectionPrototype as { _register?: unknown })._register,
    };
  },
};
