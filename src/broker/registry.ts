/** The broker's address space: queues created on first use, dynamic nodes named here. */
import { Queue } from './queue.js';

export class Registry {
  private readonly queues = new Map<string, Queue>();
  private dynamicCounter = 0;

  constructor(private readonly maxDepth: number) {}

  /** The queue for an address, created on first attach. */
  open(address: string): Queue {
    let queue = this.queues.get(address);
    if (!queue) {
      queue = new Queue(address, this.maxDepth);
      this.queues.set(address, queue);
    }
    return queue;
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

  /** Some full queue, if any: an anonymous link may feed any of them. */
  anyFull(): Queue | undefined {
    for (const queue of this.queues.values()) if (queue.isFull()) return queue;
    return undefined;
  }

  all(): Queue[] {
    return [...this.queues.values()];
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
