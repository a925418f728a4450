/**
 * A queue's messages in arrival order, built for a selector consumer taking
 * messages from the middle of a deep queue.
 *
 * - Taking a message from the middle leaves a hole (O(1)) instead of moving
 *   every message behind it; holes are skipped at the head and squeezed out
 *   once they outnumber the messages.
 * - Positions are absolute: a position stays valid while messages are shifted
 *   off the head and pushed at the tail, so a consumer can resume its scan
 *   where it stopped. `generation` changes whenever positions are
 *   renumbered (a compaction, a message put back at the head); a position
 *   saved under an older generation means "scan from the start".
 */
import { Deque } from '../collections/deque.js';

/** Holes are squeezed out only past this many, so small queues never compact. */
const MIN_HOLES_TO_COMPACT = 1024;

export class MessageList<T extends object> {
  private readonly slots = new Deque<T | null>();
  /** Absolute position of slot 0. */
  private base = 0;
  private holes = 0;
  generation = 0;

  /** Messages held (holes not counted). */
  get length(): number {
    return this.slots.length - this.holes;
  }

  /** Absolute position of the first slot. */
  get start(): number {
    return this.base;
  }

  /** Absolute position one past the last slot. */
  get end(): number {
    return this.base + this.slots.length;
  }

  /** The message at an absolute position; null for a hole or a position outside the list. */
  at(position: number): T | null {
    const index = position - this.base;
    if (index < 0 || index >= this.slots.length) return null;
    return this.slots.get(index);
  }

  push(item: T): void {
    this.slots.push(item);
  }

  /** Puts a message before every other (it is older than all of them). Renumbers positions. */
  unshift(item: T): void {
    this.slots.unshift(item);
    this.base--;
    this.generation++;
  }

  /** The oldest message, without taking it. */
  peek(): T | undefined {
    this.dropLeadingHoles();
    return this.slots.length > 0 ? (this.slots.get(0) as T) : undefined;
  }

  shift(): T | undefined {
    this.dropLeadingHoles();
    if (this.slots.length === 0) return undefined;
    this.base++;
    return this.slots.shift() as T;
  }

  /** Takes the message at an absolute position (which must hold one), leaving a hole. */
  take(position: number): T {
    const item = this.at(position);
    if (item === null) throw new Error(`no message at position ${position}`);
    this.slots.set(position - this.base, null);
    this.holes++;
    this.dropLeadingHoles();
    if (this.holes > MIN_HOLES_TO_COMPACT && this.holes > this.length) this.compact();
    return item;
  }

  /** Every message, oldest first; the list is left empty. */
  clear(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    this.holes = 0;
    return all;
  }

  private dropLeadingHoles(): void {
    while (this.slots.length > 0 && this.slots.get(0) === null) {
      this.slots.shift();
      this.base++;
      this.holes--;
    }
  }

  private compact(): void {
    const live = this.slots.clear().filter((item): item is T => item !== null);
    for (const item of live) this.slots.push(item);
    this.holes = 0;
    this.generation++;
  }
}
