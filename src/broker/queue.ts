/**
 * One queue: messages in arrival order, competing consumers served round
 * robin against their credit, and producers paused while the queue is over
 * its depth limit.
 *
 * Invariant that keeps dispatch cheap: after every dispatch pass, no queued
 * message matches a consumer that still has credit. So a new message only
 * needs to be offered on its own, and a full pass is needed only when credit
 * or the set of consumers changes.
 */
import { Deque } from './deque.js';
import type { StoredMessage } from './stored-message.js';

export interface Consumer {
  /** Messages this consumer can take now. */
  available(): number;
  /** null: takes every message; otherwise takes only messages it returns true for. */
  readonly accepts: ((message: StoredMessage) => boolean) | null;
  deliver(message: StoredMessage): void;
}

export interface Producer {
  /** The queue is below its depth limit again: grant credit. */
  resume(): void;
}

export interface QueueCounters {
  enqueued: number;
  acknowledged: number;
  rejected: number;
  dropped: number;
  returned: number;
}

export class Queue {
  readonly counters: QueueCounters = { enqueued: 0, acknowledged: 0, rejected: 0, dropped: 0, returned: 0 };
  private readonly messages = new Deque<StoredMessage>();
  private readonly consumers: Consumer[] = [];
  private readonly paused = new Set<Producer>();
  private selective = 0;
  private cursor = 0;
  private nextSeq = 1;

  constructor(
    readonly address: string,
    private readonly maxDepth: number,
    readonly dynamic = false,
  ) {}

  get depth(): number {
    return this.messages.length;
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  isFull(): boolean {
    return this.maxDepth > 0 && this.messages.length >= this.maxDepth;
  }

  /** Messages the queue can still take before it is full (Infinity without a limit). */
  room(): number {
    return this.maxDepth > 0 ? Math.max(0, this.maxDepth - this.messages.length) : Infinity;
  }

  /** Remember a producer to resume once the depth falls below the limit. */
  pause(producer: Producer): void {
    this.paused.add(producer);
  }

  forget(producer: Producer): void {
    this.paused.delete(producer);
  }

  enqueue(message: StoredMessage): void {
    message.seq = this.nextSeq++;
    this.counters.enqueued++;
    if (this.messages.length === 0 && this.offer(message)) return;
    if (this.messages.length > 0 && this.selective === 0) {
      // Messages are waiting, so no consumer has credit: nothing to try.
      this.messages.push(message);
      return;
    }
    if (this.messages.length > 0 && this.offer(message)) return;
    this.messages.push(message);
  }

  /** Unsettled messages come back: they go to the head, in their original order. */
  giveBack(returned: StoredMessage[]): void {
    if (returned.length === 0) return;
    this.mergeAtHead([...returned].sort((a, b) => a.seq - b.seq));
    this.counters.returned += returned.length;
    this.dispatch();
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    if (consumer.accepts) this.selective++;
    this.dispatch();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (consumer.accepts) this.selective--;
    if (this.cursor >= this.consumers.length) this.cursor = 0;
  }

  /** A full pass: call when a consumer's credit grew. */
  dispatch(): void {
    if (this.consumers.length === 0 || this.messages.length === 0) return;
    if (this.selective === 0) this.dispatchInOrder();
    else this.dispatchSelective();
    this.resumeProducers();
  }

  /** Drops every message (a dynamic node being deleted); returns how many. */
  purge(): number {
    const dropped = this.messages.clear().length;
    this.counters.dropped += dropped;
    return dropped;
  }

  private dispatchInOrder(): void {
    while (this.messages.length > 0) {
      const consumer = this.nextConsumer(null);
      if (!consumer) return;
      consumer.deliver(this.messages.shift() as StoredMessage);
    }
  }

  private dispatchSelective(): void {
    let index = 0;
    while (index < this.messages.length) {
      const consumer = this.nextConsumer(this.messages.get(index));
      if (consumer) consumer.deliver(this.messages.removeAt(index));
      else if (!this.anyCredit()) return;
      else index++;
    }
  }

  private offer(message: StoredMessage): boolean {
    const consumer = this.nextConsumer(message);
    if (!consumer) return false;
    consumer.deliver(message);
    return true;
  }

  /** Round robin from the cursor: the next consumer with credit that takes the message. */
  private nextConsumer(message: StoredMessage | null): Consumer | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      const consumer = this.consumers[index];
      if (consumer.available() <= 0) continue;
      if (message !== null && consumer.accepts !== null && !consumer.accepts(message)) continue;
      this.cursor = (index + 1) % count;
      return consumer;
    }
    return undefined;
  }

  private anyCredit(): boolean {
    return this.consumers.some((c) => c.available() > 0);
  }

  /**
   * Puts returned messages (ascending seq) back in arrival order. They are
   * older than almost everything queued, so only the few queued messages
   * older than the newest returned one are taken off the head and merged:
   * O(returned + those few), whatever the queue's depth.
   */
  private mergeAtHead(returned: StoredMessage[]): void {
    const newest = returned[returned.length - 1].seq;
    const older: StoredMessage[] = [];
    while (this.messages.length > 0 && this.messages.get(0).seq < newest) older.push(this.messages.shift() as StoredMessage);
    const merged: StoredMessage[] = [];
    let i = 0;
    let j = 0;
    while (i < returned.length || j < older.length) {
      if (j >= older.length || (i < returned.length && returned[i].seq < older[j].seq)) merged.push(returned[i++]);
      else merged.push(older[j++]);
    }
    for (let k = merged.length - 1; k >= 0; k--) this.messages.unshift(merged[k]);
  }

  private resumeProducers(): void {
    if (this.paused.size === 0 || this.isFull()) return;
    const producers = [...this.paused];
    this.paused.clear();
    for (const producer of producers) producer.resume();
  }
}
