/**
 * A client's sending link, seen from the broker: puts each message on its
 * target queue (or, for an anonymous link, on the queue its `to` names),
 * accepts it, and keeps the sender's credit topped up while the queue has room.
 */
import type { EventContext, Receiver } from 'rhea';
import { abandonDeliveries, abandonDelivery, creditOf, deliveryCountOf } from '../amqp/rhea-patches/index.js';
import type { ChaosLink } from './chaos.js';
import type { Producer, Queue } from './queue.js';
import type { Registry } from './registry.js';
import { StoredMessage } from './stored-message.js';
import type { ConnectionTransactions } from './transactions/coordinator.js';

export class ProducerLink implements Producer {
  private closed = false;
  private blockedOn: Queue | undefined;
  /** An anonymous link's last destination: only a full one of those holds its credit back. */
  private lastRoute: Queue | undefined;
  /**
   * How far the peer may send, in delivery-count space (delivery-count + credit when last
   * granted). rhea takes a transfer beyond credit with only a console line, which would let a
   * peer fill a queue past its depth limit; each legal transfer leaves delivery-count + credit
   * unchanged, so a transfer beyond credit is the sum passing this mark.
   */
  private sendLimit = 0;

  constructor(
    private readonly receiver: Receiver,
    /** null for an anonymous (ANONYMOUS-RELAY) link. */
    readonly target: Queue | null,
    private readonly registry: Registry,
    private readonly window: number,
    private readonly transactions?: ConnectionTransactions,
    /** 0: no limit. */
    private readonly maxMessageSize = 0,
    /** Set only for a broker started with chaos (--chaos): faults injected after acceptance. */
    private readonly chaos: ChaosLink | null = null,
  ) {}

  start(): void {
    this.target?.hold();
    this.topUp();
  }

  onMessage(context: EventContext): void {
    const delivery = context.delivery;
    if (!delivery) return;
    // A transfer already in flight when the broker detached this link: never accept it, and
    // leave it in doubt for its sender without pinning a slot of the session's ring.
    if (this.closed) return abandonDelivery(delivery);
    if (deliveryCountOf(this.receiver) + creditOf(this.receiver) > this.sendLimit) {
      this.close();
      this.receiver.close({
        condition: 'amqp:link:transfer-limit-exceeded',
        description: 'transfer sent without link credit',
      });
      return;
    }
    const payload = context.message as unknown as Buffer;
    if (this.maxMessageSize > 0 && payload.length > this.maxMessageSize) {
      // The limit was advertised in the attach; a peer that ignores it loses the link.
      this.close();
      this.receiver.close({
        condition: 'amqp:link:message-size-exceeded',
        description: `message of ${payload.length} bytes exceeds max-message-size ${this.maxMessageSize}`,
      });
      return;
    }
    const message = new StoredMessage(payload, this.chaos?.expiryIgnoredBy);
    const queue = this.target ?? (this.lastRoute = this.routeByTo(message));
    if (!queue) {
      delivery.reject({
        condition: 'amqp:not-found',
        description: `no node for to address ${JSON.stringify(message.decoded().to ?? null)}`,
      });
      this.topUp();
      return;
    }
    // Sent under a transaction: held until commit (or refused for an unknown txn-id).
    if (this.transactions?.post(delivery, queue, message)) return this.topUp();
    if (this.chaos) this.chaos.enqueue(queue, message);
    else queue.enqueue(message);
    delivery.accept();
    this.topUp();
  }

  /** The sender aborted a delivery: nothing to store, but the credit it used is granted again. */
  onAborted(): void {
    this.topUp();
  }

  resume(): void {
    this.blockedOn = undefined;
    this.topUp();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.blockedOn?.forget(this);
    // Held messages were accepted: they reach their queue whatever ends the link.
    this.chaos?.flush();
    abandonDeliveries(this.receiver);
    this.target?.release();
  }

  private routeByTo(message: StoredMessage): Queue | undefined {
    const to = message.decoded().to;
    return typeof to === 'string' ? this.registry.find(to) : undefined;
  }

  /** Grant credit back up to the window, unless a queue it feeds is full. */
  private topUp(): void {
    if (this.closed || this.blockedOn) return;
    const full = this.fullQueue();
    if (full) {
      this.blockedOn = full;
      full.pause(this);
      return;
    }
    const credit = creditOf(this.receiver);
    // Never grant more than the target queue has room for: credit once granted cannot be
    // taken back, so a full window would overfill a queue with a small depth limit.
    const limit = this.target ? Math.min(this.window, this.target.room()) : this.window;
    if (credit < limit / 2) this.receiver.add_credit(limit - credit);
    this.sendLimit = deliveryCountOf(this.receiver) + creditOf(this.receiver);
  }

  /**
   * Credit cannot be granted per address, so an anonymous link that just fed a full queue
   * waits for that queue; links feeding other queues carry on.
   */
  private fullQueue(): Queue | undefined {
    const queue = this.target ?? this.lastRoute;
    return queue?.isFull() ? queue : undefined;
  }
}
