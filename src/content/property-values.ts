/**
 * The value of a --msg-property for one message: a hash of (seed, producer,
 * seq, property name), so that a sender, a sender resending after a
 * reconnect, and the checker after the run all find the same value without
 * sharing any state. No allocation per call.
 */
import { compileSelector, type SelectorSubject } from '../selector/index.js';
import type { MessageProperties, Scalar } from '../plan/properties.js';

export type { MessageProperties };
import { fnv1a32 } from './body-checksum.js';

const TWO_TO_32 = 4_294_967_296;

/** murmur3's finaliser: every input bit reaches every output bit. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32 seeded bits for one (producer, seq, name). */
export function propertyHash(seed: number, producerHash: number, nameHash: number, seq: number): number {
  const high = Math.floor(seq / TWO_TO_32);
  let h = mix32(seed ^ 0x9e37_79b9);
  h = mix32(h ^ producerHash);
  h = mix32(h ^ nameHash);
  h = mix32(h ^ (seq >>> 0));
  return mix32(h ^ high);
}

function textHash(text: string): number {
  return fnv1a32(Buffer.from(text, 'utf8'));
}

/** One producer's property values, by property index and seq. */
export class PropertyValues {
  private readonly producerHash: number;
  private readonly nameHashes: number[];
  readonly names: string[];

  constructor(
    readonly spec: MessageProperties,
    producer: string,
  ) {
    this.producerHash = textHash(producer);
    this.names = spec.properties.map((p) => p.name);
    this.nameHashes = this.names.map(textHash);
  }

  /** The 32 hashed bits of one property of one message. */
  private bits(index: number, seq: number): number {
    return propertyHash(this.spec.seed, this.producerHash, this.nameHashes[index], seq);
  }

  /** For choice and cycle: which item; 0 for the others. */
  itemIndex(index: number, seq: number): number {
    const g = this.spec.properties[index].generator;
    if (g.kind === 'choice') return this.bits(index, seq) % g.values.length;
    if (g.kind === 'cycle') return (seq - 1) % g.values.length;
    return 0;
  }

  valueOf(index: number, seq: number): Scalar {
    const g = this.spec.properties[index].generator;
    switch (g.kind) {
      case 'constant':
        return g.value;
      case 'seq':
        return seq;
      case 'choice':
      case 'cycle':
        return g.values[this.itemIndex(index, seq)];
      case 'uniform': {
        const u = this.bits(index, seq) / TWO_TO_32;
        return g.integer ? g.lo + Math.floor(u * (g.hi - g.lo + 1)) : g.lo + u * (g.hi - g.lo);
      }
    }
  }
}

/** A selector subject over one producer's generated properties, moved from message to message by `at`. */
export class GeneratedSubject implements SelectorSubject {
  private seq = 0;
  private readonly byName: Map<string, number>;

  constructor(private readonly values: PropertyValues) {
    this.byName = new Map(values.names.map((name, i) => [name, i]));
  }

  at(seq: number): this {
    this.seq = seq;
    return this;
  }

  lookup(identifier: string): unknown {
    const index = this.byName.get(identifier);
    return index === undefined ? undefined : this.values.valueOf(index, this.seq);
  }
}

/** Whether a producer's message `seq` matches the selector, as salvo's own selector code decides. */
export type SeqMatcher = (seq: number) => boolean;

/** One compiled selector, matched against any producer's generated properties (none without --msg-property). */
export function selectionMatcher(
  spec: MessageProperties | undefined,
  selectorText: string,
): (producer: string) => SeqMatcher {
  const selector = compileSelector(selectorText);
  spec ??= { seed: 0, properties: [] };
  return (producer) => {
    const subject = new GeneratedSubject(new PropertyValues(spec, producer));
    return (seq) => selector(subject.at(seq));
  };
}
