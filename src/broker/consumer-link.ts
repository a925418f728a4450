/**
 * A client's receiving link, seen from the broker: a consumer of one queue.
 * Tracks its own view of credit (rhea lowers `credit` only when it writes,
 * on the next tick) and owns every unsettled delivery until an outcome comes.
 */
import type { Delivery, Sender } from 'rhea';
import {
  abandonDeliveries,
  creditLimit,
  deliveryById,
  outcomeOf,
  sessionCapacity,
  sessionRoom,
  unsentDeliveries,
} from '../amqp/rhea-patches/index.js';
import type { ConsumerChaos } from './chaos.js';
import { deliveryTag, nextTagIndex, uniqueTag } from './delivery-tags.js';
import type { Consumer, Queue } from './queue.js';
import type { StoredMessage } from './stored-message.js';
import type { ConnectionTransactions } from './transactions/coordinator.js';

export type Outcome = 'accepted' | 'released' | 'modified' | 'rejected' | 'none';

/** The fields of a modified outcome (AMQP 1.0 section 3.4.5). */
interface ModifiedFields {
  delivery_failed?: boolean;
  undeliverable_here?: boolean;
}

export class ConsumerLink implements Consumer {
  private readonly unsettled = new Map<number, StoredMessage>();
  private handed = 0;
  /** The next delivery's tag, by index (delivery-tags.ts). */
  private tagIndex = 0;
  /**
   * Once the link has had a transactional acquisition, the next tag as a count that never wraps
   * (delivery-tags.ts: the discharge forgets deliveries the peer may still hold); -1 before.
   */
  private uniqueTagCount = -1;
  private closed = false;
  /** Set by a broker restart: the link takes no more messages, but keeps what it holds. */
  private frozen = false;
  private redispatchScheduled = false;
  private readonly redispatch = (): void => {
    this.redispatchScheduled = false;
    if (!this.closed) this.queue.dispatch();
  };

  constructor(
    private readonly sender: Sender,
    readonly queue: Queue,
    readonly accepts: ((message: StoredMessage) => boolean) | null,
    private readonly presettled: boolean,
    private readonly transactions?: ConnectionTransactions,
    /** --broker-chaos's consuming-side switches (salvo verify's self-test); absent: none. */
    private readonly chaos?: ConsumerChaos | null,
  ) {}

  available(): number {
    if (this.closed || this.frozen) return 0;
    // The flow's limit in delivery-count space is credit + delivery_count.
    const byCredit = creditLimit(this.sender) - this.handed;
    return Math.min(byCredit, sessionRoom(this.sender));
  }

  deliver(message: StoredMessage): void {
    let tag: Buffer;
    if (this.uniqueTagCount < 0) {
      tag = deliveryTag(this.tagIndex);
      this.tagIndex = nextTagIndex(this.tagIndex, sessionCapacity(this.sender));
    } else {
      tag = uniqueTag(this.uniqueTagCount++);
    }
    const delivery = this.sender.send(message.bytesToSend(), tag, 0);
    this.handed++;
    if (this.presettled) {
      this.queue.counters.acknowledged++;
      return;
    }
    this.unsettled.set(delivery.id, message);
  }

  /** The peer's disposition for one delivery. */
  settle(delivery: Delivery): void {
    const message = this.unsettled.get(delivery.id);
    if (!message) return;
    // Settled under a transaction: the transaction owns the message until it is discharged.
    const verdict = this.transactions?.acquire(delivery, this.queue, message) ?? 'plain';
    if (verdict === 'ignored' && !delivery.remote_settled) return;
    this.unsettled.delete(delivery.id);
    if (verdict === 'held') {
      if (this.uniqueTagCount < 0) this.uniqueTagCount = sessionCapacity(this.sender);
      return;
    }
    if (verdict === 'ignored') return this.queue.giveBack([message]);
    const outcome = (outcomeOf(delivery) ?? 'none') as Outcome;
    this.applyOutcome(message, outcome, delivery.remote_state as ModifiedFields | undefined);
    // A terminal outcome the peer left unsettled: settle our side, or rhea's delivery ring never frees it.
    if (!delivery.remote_settled) delivery.update(true);
    this.dispatchAfterPass();
  }

  /**
   * rhea frees the ring slots of settled deliveries at the end of the pass that handled the
   * settlements, and says 'sendable' only if the ring was full when that pass began. A
   * dispatch run during the pass (a release putting messages back) may have stopped at a ring
   * that is about to have room: dispatch once more after the pass, or those messages wait
   * for good while this consumer holds credit. One callback per pass, not per message.
   */
  private dispatchAfterPass(): void {
    if (this.redispatchScheduled || this.queue.depth === 0) return;
    this.redispatchScheduled = true;
    process.nextTick(this.redispatch);
  }

  /**
   * Credit arrived or drain was asked: serve the queue, then answer a drain. What the queue
   * could not fill is given up (AMQP 1.0 section 2.6.7): the broker's next flow advances
   * delivery-count over the rest of the credit and echoes drain, also when no credit was left.
   */
  onFlow(draining: boolean): void {
    this.queue.dispatch();
    if (!draining || this.closed || this.chaos?.ignoresDrain()) return;
    this.handed = creditLimit(this.sender);
    this.sender.set_drained(true);
  }

  /** The broker is about to be cut (a restart): deliver nothing more. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * For a restart's counts: deliveries the peer has whole and has not settled, and
   * deliveries rhea has not finished writing (the peer does not have them).
   */
  inFlight(): { received: number; unsent: number } {
    const unsent = unsentDeliveries(this.sender);
    // A pre-settled delivery is forgotten once handed to rhea; an unsettled one is in the map until settled.
    return { received: this.presettled ? 0 : this.unsettled.size - unsent, unsent };
  }

  /** Link detached or connection gone: everything unsettled goes back, counted as a failed delivery. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.removeConsumer(this);
    this.settleArrivedOutcomes();
    const returned = [...this.unsettled.values()];
    this.unsettled.clear();
    abandonDeliveries(this.sender);
    if (returned.length > 0 && this.chaos?.forgetsUnsettled(returned.length)) return;
    for (const message of returned) message.countFailedDelivery();
    this.queue.giveBack(returned);
  }

  /**
   * rhea dispatches the outcomes of a disposition on its next processing pass, but a detach
   * or close read in the same chunk right away: outcomes the peer sent before it left have
   * arrived (remote_state is set) without an event yet. Apply them, or accepted messages
   * would be redelivered and rejected ones come back.
   */
  private settleArrivedOutcomes(): void {
    for (const id of [...this.unsettled.keys()]) {
      const delivery = deliveryById(this.sender, id);
      if (delivery?.id !== id) continue;
      if (outcomeOf(delivery) || delivery.remote_settled) this.settle(delivery);
    }
  }

  private applyOutcome(message: StoredMessage, outcome: Outcome, state: ModifiedFields | undefined): void {
    switch (outcome) {
      case 'accepted':
        this.queue.counters.acknowledged++;
        return;
      case 'rejected':
        this.queue.counters.rejected++;
        return;
      case 'modified':
        if (this.chaos?.losesReturned()) return;
        // Not for this link (AMQP 1.0 section 3.4.5): kept for the queue's other consumers.
        if (state?.undeliverable_here) message.exclude(this);
        if (state?.delivery_failed) message.countFailedDelivery();
        this.queue.giveBack([message]);
        return;
      case 'released':
        if (this.chaos?.losesReturned()) return;
        this.queue.giveBack([message]);
        return;
      case 'none':
        this.queue.giveBack([message]);
        return;
    }
  }
}
