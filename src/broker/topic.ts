/**
 * A multicast address: each message a producer puts on it is copied to every
 * subscription's queue, each copy a StoredMessage of its own around the one
 * payload (never re-encoded: the bytes are shared, only the per-queue
 * delivery state is not). A subscription is a Queue, so competing consumers,
 * credit, redelivery and selectors work on it as on any queue.
 *
 * Subscriptions are named by the broker (topic.ts's callers, in broker.ts):
 * shared ones by their link name, so that every consumer attaching with that
 * name competes on one queue; a durable one is kept when its last consumer
 * detaches (closed=false, or its connection went) and removed by a detach
 * with closed=true; a non-durable one goes with its last consumer.
 *
 * `--broker-chaos ...,queue=<topic>::<subscription>` applies chaos to one
 * subscription's copies only (chaosFor), so a run can check that a loss on
 * one subscription is found there and nowhere else.
 */
import type { ChaosLink } from './chaos.js';
import { Queue } from './queue.js';
import { StoredMessage } from './stored-message.js';

export interface Subscription {
  readonly queue: Queue;
  readonly durable: boolean;
  /** Chaos scoped to this subscription's queue; null: none. */
  readonly chaos: ChaosLink | null;
}

/** The queue address of a topic's subscription, as `--broker-chaos queue=` and the broker's stats name it. */
export function subscriptionAddress(topic: string, name: string): string {
  return `${topic}::${name}`;
}

export class Topic extends Queue {
  private readonly subscriptions = new Map<string, Subscription>();
  /** The same subscriptions as an array: the per-message loop walks it without an iterator. */
  private fanOut: Subscription[] = [];

  constructor(
    address: string,
    private readonly subscriptionDepth: number,
    /** The chaos link for a subscription queue's address, or null when chaos does not reach it. */
    private readonly chaosFor: (queueAddress: string) => ChaosLink | null,
  ) {
    // The topic holds no message itself: only its subscriptions do, each with the depth limit.
    super(address, 0);
  }

  /** Copies to every subscription; with none, the message goes nowhere (as a multicast address without queues). */
  override enqueue(message: StoredMessage): void {
    this.counters.enqueued++;
    const fanOut = this.fanOut;
    for (let i = 0; i < fanOut.length; i++) {
      const subscription = fanOut[i];
      const copy = new StoredMessage(message.payload, message.expiryIgnoredBy);
      if (subscription.chaos) subscription.chaos.enqueue(subscription.queue, copy);
      else subscription.queue.enqueue(copy);
    }
  }

  /** The subscription of that name, made on first use. */
  subscribe(name: string, durable: boolean): Subscription {
    let subscription = this.subscriptions.get(name);
    if (!subscription) {
      const address = subscriptionAddress(this.address, name);
      subscription = { queue: new Queue(address, this.subscriptionDepth), durable, chaos: this.chaosFor(address) };
      this.subscriptions.set(name, subscription);
      this.fanOut = [...this.subscriptions.values()];
    }
    return subscription;
  }

  /**
   * A consumer of `name` went: the subscription goes too if no consumer is left and it is not durable, or the
   * consumer's detach said closed=true (the durable subscription ends).
   */
  consumerLeft(name: string, closed: boolean): void {
    const subscription = this.subscriptions.get(name);
    if (!subscription || subscription.queue.consumerCount > 0) return;
    if (subscription.durable && !closed) return;
    subscription.chaos?.flush();
    subscription.queue.purge();
    this.subscriptions.delete(name);
    this.fanOut = [...this.subscriptions.values()];
  }

  /** Every subscription's queue, for the broker's stats and a restart's count of what is lost. */
  subscriptionQueues(): Queue[] {
    return this.fanOut.map((s) => s.queue);
  }

  override isIdle(): boolean {
    return this.subscriptions.size === 0 && super.isIdle();
  }
}
