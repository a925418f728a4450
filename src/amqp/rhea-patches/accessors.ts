/**
 * Read-only (or nearly: observeLink, destroySocket) helpers over rhea's private fields, so that
 * code outside this folder never names one. Each is a plain function with no allocation: some
 * run per message (isDraining, outcomeOf, creditLimit, sessionRoom).
 */
import type { Connection, Delivery, Receiver, Sender, Session } from 'rhea';
import { SalvoError } from '../../errors.js';
import type { RheaReach } from './patch.js';
import { specimenEndpoints } from './rhea-lib.js';

/**
 * The name of a delivery state: rhea's outcomes and received, plus the transaction states that
 * ../transactions/codec.ts teaches it. rhea dispatches an event of that name for a new remote state.
 */
export type DeliveryStateName =
  | 'accepted'
  | 'rejected'
  | 'released'
  | 'modified'
  | 'received'
  | 'declared'
  | 'transactional_state';

interface StateInternals {
  constructor?: { composite_type?: string };
}
interface SenderInternals {
  _draining?: boolean;
  credit: number;
  delivery_count: number;
  session: { outgoing: OutgoingInternals };
}
interface OutgoingInternals {
  available(): number;
  deliveries?: { by_id(id: number): Delivery | undefined; capacity: number };
}
interface ConnectionInternals {
  local_channel_map?: Record<string, Session>;
  socket?: { destroy?: () => void };
}
interface SessionInternals {
  links?: Record<string, Sender | Receiver>;
  remote?: { end?: unknown };
}
interface LinkObservers {
  observers: {
    on(event: string, listener: (context: unknown) => void): void;
    off(event: string, listener: (context: unknown) => void): void;
  };
}

/** The name of a delivery state rhea decoded (its class's composite_type); undefined for no state. */
export function stateName(state: unknown): DeliveryStateName | undefined {
  // rhea builds states only from its own outcome classes and the ones codec.ts defines.
  return (state as StateInternals | undefined)?.constructor?.composite_type as DeliveryStateName | undefined;
}

/** The outcome (or other state) the peer gave a delivery; undefined while it gave none. */
export function outcomeOf(delivery: Delivery): DeliveryStateName | undefined {
  return stateName(delivery.remote_state);
}

/** Whether the peer asked this sender to drain (its last flow carried drain=true). */
export function isDraining(sender: Sender): boolean {
  return Boolean((sender as unknown as SenderInternals)._draining);
}

/** The sender's flow limit in delivery-count space: credit plus delivery-count, as rhea last counted them. */
export function creditLimit(sender: Sender): number {
  const link = sender as unknown as SenderInternals;
  return link.credit + link.delivery_count;
}

/** The link's credit, as rhea last counted it (a receiver's: what it granted and the peer has not used). */
export function creditOf(link: Sender | Receiver): number {
  return (link as unknown as SenderInternals).credit;
}

/** The link's delivery-count, as rhea last counted it. */
export function deliveryCountOf(link: Sender | Receiver): number {
  return (link as unknown as SenderInternals).delivery_count;
}

/** The fields of this end's attach a server may still set before rhea writes it (in the open event). */
export interface LocalAttachFields {
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
}

/** This end's attach, before rhea writes it: the object rhea will encode. */
export function localAttachOf(link: Sender | Receiver): LocalAttachFields {
  return (link as unknown as { local: { attach: LocalAttachFields } }).local.attach;
}

/** How many more deliveries the sender's session ring takes (2,048 unsettled at most). */
export function sessionRoom(sender: Sender): number {
  return (sender as unknown as SenderInternals).session.outgoing.available();
}

/**
 * How many deliveries the sender's session ring holds at most: no more of one link's deliveries can be
 * unsettled at once (rhea frees a slot once both ends have settled its delivery).
 */
export function sessionCapacity(sender: Sender): number {
  const capacity = (sender as unknown as SenderInternals).session.outgoing.deliveries?.capacity;
  // Thrown, not defaulted: a capacity of 0 would give every delivery of the link the same tag.
  if (capacity === undefined || !(capacity > 0)) {
    throw new SalvoError(
      'internal',
      `rhea session ring capacity is ${String(capacity)}, not a positive count (has rhea changed?)`,
    );
  }
  return capacity;
}

/** One of the sender's session's outgoing deliveries by delivery id (any link of that session). */
export function deliveryById(sender: Sender, id: number): Delivery | undefined {
  return (sender as unknown as SenderInternals).session.outgoing.deliveries?.by_id(id);
}

/** The sessions a connection has begun (by local channel). */
export function sessionsOf(connection: Connection): Session[] {
  return Object.values((connection as unknown as ConnectionInternals).local_channel_map ?? {});
}

/** The links of a session, by name. */
export function linksOf(session: Session): (Sender | Receiver)[] {
  return Object.values((session as unknown as SessionInternals).links ?? {});
}

/** Whether the peer has ended this session (its end frame arrived). */
export function sessionEnded(session: Session): boolean {
  return (session as unknown as SessionInternals).remote?.end !== undefined;
}

/**
 * Whether the peer's detach of this link said closed=true (the link is gone for good: a durable subscription ends
 * with it), rather than closed=false (detached, to be resumed). False before any detach.
 */
export function detachClosed(link: Sender | Receiver): boolean {
  return (link as unknown as { remote?: { detach?: { closed?: boolean } } }).remote?.detach?.closed === true;
}

/** The socket a connection reads and writes (undefined once rhea has let go of it). */
export function socketOf(connection: object): object | undefined {
  return (connection as { socket?: object }).socket;
}

/** Ends a connection's socket at once (for a connection abandoned before it opened). */
export function destroySocket(connection: object): void {
  (connection as ConnectionInternals).socket?.destroy?.();
}

/**
 * Watch a link's events without taking them from the application: rhea emits every link event
 * on the link's `observers` first, while a listener on the link itself would stop the event
 * reaching the session, connection and container. Returns the unsubscribe function.
 */
export function observeLink(link: object, events: string[], listener: (context: unknown) => void): () => void {
  const observers = (link as LinkObservers).observers;
  for (const event of events) observers.on(event, listener);
  return () => {
    for (const event of events) observers.off(event, listener);
  };
}

/** The fields these accessors read, as a stand-in connection, session and links have them. */
export const accessors: RheaReach = {
  name: 'accessors',
  targets: () => {
    const { connection, session, sender } = specimenEndpoints();
    const c = connection as ConnectionInternals;
    const s = session as SessionInternals & { outgoing: OutgoingInternals };
    const link = sender as Partial<SenderInternals> & Partial<LinkObservers>;
    return {
      'Sender._draining': link._draining,
      'Sender.credit': link.credit,
      'Sender.delivery_count': link.delivery_count,
      'Link.observers': link.observers,
      'Link.local.attach': (sender as { local?: { attach?: unknown } }).local?.attach,
      'Link.remote': (sender as { remote?: unknown }).remote,
      'Outgoing#available': s.outgoing.available,
      'deliveries.by_id': s.outgoing.deliveries?.by_id,
      'deliveries.capacity': s.outgoing.deliveries?.capacity,
      'Connection.local_channel_map': c.local_channel_map,
      // A connection has its socket from Connection#init on.
      'Connection#init': (connection as { init?: unknown }).init,
      'Session.links': s.links,
      'Session.remote': s.remote,
    };
  },
};
