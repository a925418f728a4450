/**
 * A growable ring buffer: O(1) push / shift / unshift / set, which a queue's
 * hot path needs (Array#shift is O(n) once V8 leaves its fast mode).
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.items = new Array<T | undefined>(initialCapacity);
  }

  get length(): number {
    return this.size;
  }

  get(index: number): T {
    return this.items[(this.head + index) % this.items.length] as T;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size++;
  }

  unshift(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  set(index: number, item: T): void {
    this.items[(this.head + index) % this.items.length] = item;
  }

  clear(): T[] {
    const all: T[] = [];
    while (this.size > 0) all.push(this.shift() as T);
    return all;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.get(i);
    this.items = next;
    this.head = 0;
  }
}
