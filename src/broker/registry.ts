/**
 * The broker's address space: queues created on first use and deleted once
 * they have stayed empty and unused for a while (as Artemis does with
 * auto-created queues, so a long-lived broker does not grow with every address
 * it has seen); dynamic nodes named here and deleted with the link that made
 * them.
 */
import { Queue } from './queue.js';
import { Topic } from './topic.js';
import type { ChaosLink } from './chaos.js';

export class Registry {
  private readonly queues = new Map<string, Queue>();
  private dynamicCounter = 0;
  /** Queues that became idle, and when (ms). */
  private readonly idleSince = new Map<Queue, number>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly noteIdle = (queue: Queue): void => {
    this.idleSince.set(queue, Date.now());
  };

  /**
   * @param idleQueueMs how long an auto-created queue stays once empty with no
   *   link and no message held for it; 0 keeps every queue.
   */
  constructor(
    private readonly maxDepth: number,
    private readonly idleQueueMs = 0,
  ) {
    if (idleQueueMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(10, idleQueueMs / 2));
      this.sweeper.unref();
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** The queue for an address, created on first attach. */
  open(address: string): Queue {
    let queue = this.queues.get(address);
    if (!queue) {
      queue = new Queue(address, this.maxDepth, false, this.idleQueueMs > 0 ? this.noteIdle : undefined);
      this.queues.set(address, queue);
    }
    return queue;
  }

  /**
   * The multicast address of that name, made on first use; null when the address is already a queue (an address is
   * one or the other, as on Artemis).
   */
  topic(address: string, chaosFor: (queueAddress: string) => ChaosLink | null): Topic | null {
    const found = this.queues.get(address);
    if (found) return found instanceof Topic ? found : null;
    const topic = new Topic(address, this.maxDepth, chaosFor);
    this.queues.set(address, topic);
    return topic;
  }

  find(address: string): Queue | undefined {
    return this.queues.get(address);
  }

  /** A fresh node for a dynamic terminus; deleted by `remove` when its link closes. */
  createDynamic(connectionId: string): Queue {
    const address = `salvo.dynamic.${connectionId}.${++this.dynamicCounter}`;
    const queue = new Queue(address, this.maxDepth, true);
    this.queues.set(address, queue);
    return queue;
  }

  remove(queue: Queue): void {
    queue.purge();
    this.queues.delete(queue.address);
  }

  /** Every queue, a topic's subscription queues included. */
  all(): Queue[] {
    return [...this.queues.values()].flatMap((queue) =>
      queue instanceof Topic ? [queue, ...queue.subscriptionQueues()] : [queue],
    );
  }

  private sweep(): void {
    const due = Date.now() - this.idleQueueMs;
    for (const [queue, since] of this.idleSince) {
      if (!queue.isIdle()) this.idleSince.delete(queue);
      else if (since <= due) {
        this.idleSince.delete(queue);
        if (this.queues.get(queue.address) === queue) this.queues.delete(queue.address);
      }
    }
  }
}

const MAX_ADDRESS_LENGTH = 1024;

/** Why an address cannot name a queue, or null when it can. */
export function addressProblem(address: unknown): string | null {
  if (typeof address !== 'string') return `address must be a string, got ${typeof address}`;
  if (address.length === 0) return 'address is empty';
  if (address.length > MAX_ADDRESS_LENGTH) return `address longer than ${MAX_ADDRESS_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(address)) return 'address contains control characters';
  return null;
}
