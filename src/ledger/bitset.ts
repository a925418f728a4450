/**
 * A set of sequence numbers as bits, growing as the numbers grow: one bit a
 * message, 32 to a word. Growth adds a quarter (amortized: no allocation per
 * message, at most 25% of the bits unused), and a bitset that is never set holds no words at all, so the
 * rare categories (failed, in doubt, seen twice) cost nothing until used.
 */
/**
 * A first growth's words (512 bits): a receiver link keeps a bitset per producer it sees, and with many links each
 * sees few numbers from each (400 links, 500 messages a producer: 20,000 records a receiver worker, 64 words would
 * be 5 MiB of them).
 */
const MIN_WORDS = 16;
/** Largest index a bitset takes: word indices are 32-bit (>>> 5), and 2^31 bits are 256 MiB. */
export const MAX_SEQ = 2 ** 31 - 1;
const GROWTH = 1.25;

/**
 * Every bitset never set shares these zero words (nothing writes to a zero-length array: set and testAndSet grow
 * first, clear checks the length). Its own empty Uint32Array cost about 200 bytes of heap a bitset: a receiver
 * link's record per producer has five, and 200 receiver links seeing 200 producers each held 40,000 records.
 */
const NO_WORDS = new Uint32Array(0);

export class Bitset {
  private words: Uint32Array;

  constructor(words: Uint32Array = NO_WORDS) {
    this.words = words;
  }

  /** Bits held, set or not (for memory figures). */
  get capacityBits(): number {
    return this.words.length * 32;
  }

  has(index: number): boolean {
    const word = index >>> 5;
    return word < this.words.length && (this.words[word] & (1 << (index & 31))) !== 0;
  }

  set(index: number): void {
    const word = index >>> 5;
    if (word >= this.words.length) this.grow(word);
    this.words[word] |= 1 << (index & 31);
  }

  /** Sets the bit; true when it was set already (one lookup for "seen before?"). */
  testAndSet(index: number): boolean {
    const word = index >>> 5;
    if (word >= this.words.length) this.grow(word);
    const mask = 1 << (index & 31);
    const before = this.words[word];
    this.words[word] = before | mask;
    return (before & mask) !== 0;
  }

  clear(index: number): void {
    const word = index >>> 5;
    if (word < this.words.length) this.words[word] &= ~(1 << (index & 31));
  }

  count(): number {
    let total = 0;
    for (let i = 0; i < this.words.length; i++) total += popcount(this.words[i]);
    return total;
  }

  /** The set bits, ascending, at most `limit` of them. */
  first(limit: number): number[] {
    const found: number[] = [];
    for (let w = 0; w < this.words.length && found.length < limit; w++) {
      let bits = this.words[w];
      while (bits !== 0 && found.length < limit) {
        const low = bits & -bits;
        found.push(w * 32 + (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
    return found;
  }

  /** A new bitset: this OR other. */
  or(other: Bitset): Bitset {
    return combine(this, other, (a, b) => a | b);
  }

  /** A new bitset: this AND other. */
  and(other: Bitset): Bitset {
    return combine(this, other, (a, b) => a & b);
  }

  /** A new bitset: this AND NOT other. */
  andNot(other: Bitset): Bitset {
    return combine(this, other, (a, b) => a & ~b);
  }

  /** The words up to the last non-zero one: what travels. */
  trimmedWords(): Uint32Array {
    let end = this.words.length;
    while (end > 0 && this.words[end - 1] === 0) end--;
    return this.words.subarray(0, end);
  }

  private grow(word: number): void {
    let size = Math.max(MIN_WORDS, this.words.length);
    while (size <= word) size = Math.ceil(size * GROWTH);
    const grown = new Uint32Array(size);
    grown.set(this.words);
    this.words = grown;
  }
}

/** The bitset of numbers 1..n (the sequence numbers a producer sent). */
export function range(fromIndex: number, toIndex: number): Bitset {
  if (toIndex < fromIndex) return new Bitset();
  const words = new Uint32Array((toIndex >>> 5) + 1);
  words.fill(0xffffffff);
  // Clear what lies below fromIndex and above toIndex.
  for (let i = 0; i < fromIndex; i++) words[i >>> 5] &= ~(1 << (i & 31));
  const top = toIndex & 31;
  if (top < 31) words[words.length - 1] &= 2 ** (top + 1) - 1;
  return new Bitset(words);
}

function combine(a: Bitset, b: Bitset, op: (x: number, y: number) => number): Bitset {
  const x = a.trimmedWords();
  const y = b.trimmedWords();
  const out = new Uint32Array(Math.max(x.length, y.length));
  for (let i = 0; i < out.length; i++) out[i] = op(x[i] ?? 0, y[i] ?? 0) >>> 0;
  return new Bitset(out);
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
