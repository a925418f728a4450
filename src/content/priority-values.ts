/**
 * --msg-priority: which priority one message carries. A constant, or a
 * choice drawn from a hash of (seed, producer, seq), like --msg-property's
 * values: a resend after a reconnect carries the same priority, and a
 * reader of the run can tell any message's priority from its number. No
 * allocation per call.
 */
import type { PriorityPlan } from '../plan/message-header.js';
import { fnv1a32 } from './body-checksum.js';
import { propertyHash } from './property-values.js';

/** Hashed like a property named this, so that a priority and a --msg-property draw independently. */
const NAME_HASH = fnv1a32(Buffer.from('salvo:priority', 'utf8'));

export class PriorityValues {
  private readonly values: Uint8Array;
  private readonly producerHash: number;

  constructor(
    private readonly plan: PriorityPlan,
    producer: string,
  ) {
    this.values = Uint8Array.from(plan.values);
    this.producerHash = fnv1a32(Buffer.from(producer, 'utf8'));
  }

  /** The priority of message `seq` of this producer. */
  of(seq: number): number {
    const values = this.values;
    if (values.length === 1) return values[0];
    return values[propertyHash(this.plan.seed, this.producerHash, NAME_HASH, seq) % values.length];
  }
}
