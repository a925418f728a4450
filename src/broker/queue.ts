/**
 * One queue: messages in arrival order, competing consumers served round
 * robin against their credit, and producers paused while the queue is over
 * its depth limit.
 *
 * Invariant that keeps dispatch cheap: after every dispatch pass, no queued
 * message matches a consumer that still has credit. So a new message only
 * needs to be offered on its own, and a full pass is needed only when credit
 * or the set of consumers changes.
 *
 * Selector consumers on a deep queue: each keeps a scan position (every
 * message still queued before it was tested by that consumer and did not
 * match), so a flow resumes the scan instead of restarting it, and a match
 * taken from the middle leaves a hole instead of moving the messages behind.
 * Each queued message is tested about once per consumer, however many flows.
 *
 * Expiry (a header ttl, an absolute-expiry-time) is checked lazily, when a
 * message is about to be handed to a consumer: an expired one is dropped
 * (counted `expired`) instead, with no timer per message. An expired message
 * nobody asks for stays queued, and counted in the depth, until a consumer
 * comes for it. There is no expiry address: the message is gone.
 *
 * Priority is not honoured: messages go in arrival order whatever their
 * header's priority (docs/header.md).
 */
import { MessageList } from './message-list.js';
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
  /** Dropped unheard at hand-out: past their ttl or absolute-expiry-time. */
  expired: number;
}

/** Where a selector consumer's scan resumes, valid while the list's generation is unchanged. */
interface ScanPosition {
  generation: number;
  position: number;
}

export class Queue {
  readonly counters: QueueCounters = {
    enqueued: 0,
    acknowledged: 0,
    rejected: 0,
    dropped: 0,
    returned: 0,
    expired: 0,
  };
  private readonly messages = new MessageList<StoredMessage>();
  private readonly consumers: Consumer[] = [];
  /** Parallel to `consumers`. */
  private readonly scans: ScanPosition[] = [];
  private readonly paused = new Set<Producer>();
  private selective = 0;
  /** Queued messages that some consumer must not get: dispatch then goes message by message. */
  private excludedQueued = 0;
  private cursor = 0;
  private nextSeq = 1;
  /** Producer links bound to this queue and messages held for it elsewhere (transactions). */
  private holders = 0;

  constructor(
    readonly address: string,
    private readonly maxDepth: number,
    readonly dynamic = false,
    /** Called when the queue is empty and nothing uses it (its registry may delete it). */
    private readonly onIdle?: (queue: Queue) => void,
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
    if (this.messages.length > 0 && this.selective === 0 && this.excludedQueued === 0) {
      // Messages are waiting, so no consumer has credit: nothing to try.
      this.messages.push(message);
      return;
    }
    if (this.messages.length > 0 && this.offer(message)) return;
    const end = this.messages.end;
    this.messages.push(message);
    // Scan positions matter only to message-by-message dispatch (selectors, exclusions).
    if (this.selective === 0 && this.excludedQueued === 0) return;
    // Every consumer with credit just tested it: those whose scan had reached the end move past it.
    for (let i = 0; i < this.consumers.length; i++) {
      if (this.consumers[i].available() > 0 && this.scanFrom(i) >= end) this.scans[i] = this.scanAt(end + 1);
    }
  }

  /** Unsettled messages come back: they go to the head, in their original order. */
  giveBack(returned: StoredMessage[]): void {
    if (returned.length === 0) return;
    this.mergeAtHead([...returned].sort((a, b) => a.seq - b.seq));
    for (const message of returned) if (message.excludedFrom) this.excludedQueued++;
    this.counters.returned += returned.length;
    this.dispatch();
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.scans.push(this.scanAt(this.messages.start));
    if (consumer.accepts) this.selective++;
    this.dispatch();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    this.scans.splice(index, 1);
    if (consumer.accepts) this.selective--;
    if (this.cursor >= this.consumers.length) this.cursor = 0;
    this.checkIdle();
  }

  /** A producer link bound here, or a message held for this queue by a transaction. */
  hold(): void {
    this.holders++;
  }

  release(): void {
    this.holders--;
    this.checkIdle();
  }

  /** Empty, with no consumer, producer or held message. */
  isIdle(): boolean {
    return this.messages.length === 0 && this.consumers.length === 0 && this.holders === 0;
  }

  /** A full pass: call when a consumer's credit grew. */
  dispatch(): void {
    if (this.consumers.length === 0 || this.messages.length === 0) return;
    if (this.selective === 0 && this.excludedQueued === 0) this.dispatchInOrder();
    else this.dispatchSelective();
    this.resumeProducers();
  }

  /** Drops every message (a dynamic node being deleted); returns how many. */
  purge(): number {
    const dropped = this.messages.clear().length;
    this.excludedQueued = 0;
    this.counters.dropped += dropped;
    return dropped;
  }

  private dispatchInOrder(): void {
    while (this.messages.length > 0) {
      const consumer = this.nextConsumer(null);
      if (!consumer) return;
      const message = this.messages.shift() as StoredMessage;
      if (!this.expire(message)) consumer.deliver(message);
    }
  }

  /** Past its expiry: counted and dropped (the caller does not deliver it). Reads the clock only for a ttl. */
  private expire(message: StoredMessage): boolean {
    if (message.expiresAtMs === 0 || message.expiresAtMs > Date.now()) return false;
    const ignoredBy = message.expiryIgnoredBy;
    if (ignoredBy !== undefined) {
      ignoredBy.ttlIgnored = (ignoredBy.ttlIgnored ?? 0) + 1;
      return false;
    }
    this.counters.expired++;
    return true;
  }

  /** Like nextConsumer, skipping consumers whose scan has already passed `position`. */
  private nextConsumerIndex(message: StoredMessage, position: number): number {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      const consumer = this.consumers[index];
      if (consumer.available() <= 0) continue;
      if (consumer.accepts !== null && (this.scanFrom(index) > position || !consumer.accepts(message))) continue;
      if (message.excludedFrom?.has(consumer)) continue;
      this.cursor = (index + 1) % count;
      return index;
    }
    return -1;
  }

  /**
   * From the earliest scan position among consumers with credit to the end: each message
   * goes to the next consumer (round robin) with credit that has not already passed it and
   * takes it. A consumer that still has credit at the end has seen everything.
   */
  private dispatchSelective(): void {
    const list = this.messages;
    const end = list.end;
    const generation = list.generation;
    let position = end;
    for (let i = 0; i < this.consumers.length; i++) {
      if (this.consumers[i].available() > 0) position = Math.min(position, this.scanFrom(i));
    }
    for (; position < end; position++) {
      const message = list.at(position);
      if (message === null) continue;
      const index = this.nextConsumerIndex(message, position);
      if (index >= 0) {
        if (message.excludedFrom) this.excludedQueued--;
        const taken = list.take(position);
        if (!this.expire(taken)) this.consumers[index].deliver(taken);
        if (this.consumers[index].available() <= 0) this.scans[index] = this.scanAt(position + 1);
      } else if (!this.anyCredit()) {
        break;
      }
      // A take squeezed out the holes: positions were renumbered, so start the pass again.
      if (list.generation !== generation) return this.dispatchSelective();
    }
    for (let i = 0; i < this.consumers.length; i++) {
      if (this.consumers[i].available() > 0) this.scans[i] = this.scanAt(end);
    }
  }

  private scanAt(position: number): ScanPosition {
    return { generation: this.messages.generation, position };
  }

  /** Where consumer `index` resumes: its position, or the start if positions were renumbered since. */
  private scanFrom(index: number): number {
    const scan = this.scans[index];
    const start = this.messages.start;
    return scan.generation === this.messages.generation && scan.position > start ? scan.position : start;
  }

  private checkIdle(): void {
    if (this.onIdle && !this.dynamic && this.isIdle()) this.onIdle(this);
  }

  private offer(message: StoredMessage): boolean {
    // Held by a transaction or chaos, a message can reach its queue already expired: gone, as if delivered.
    if (this.expire(message)) return true;
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
      if (message?.excludedFrom?.has(consumer)) continue;
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
    for (let head = this.messages.peek(); head !== undefined && head.seq < newest; head = this.messages.peek()) {
      older.push(this.messages.shift() as StoredMessage);
    }
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
