/**
 * A message held by the broker: the encoded sections exactly as the sender
 * wrote them, plus what the broker must change on redelivery. The broker
 * never re-encodes a message on the fast path; it decodes one only for a
 * selector, an anonymous-relay `to`, or a redelivery header.
 */
import { decodeMessage, encodeMessage } from '../amqp/rhea-patches/index.js';
import rhea from 'rhea';
import { expiryOf } from './expiry.js';

const wallNowMs = (): number => Date.now();

export interface MessageFields {
  [field: string]: unknown;
  to?: unknown;
  application_properties?: Record<string, unknown>;
}

export class StoredMessage {
  /** How many times the broker handed this message out and got it back unsettled. */
  deliveryCount = 0;
  /** Position in arrival order within its queue; returned messages go back by it. */
  seq = 0;
  /** Consumers that said modified undeliverable-here: never offered to them again. */
  excludedFrom: Set<object> | undefined;
  private fields: MessageFields | undefined;
  private redelivered: Buffer | undefined;
  private redeliveredCount = -1;

  /**
   * When the message expires (epoch ms: the header's ttl from its arrival here, or its absolute-expiry-time); 0:
   * never. Checked when it is about to be handed out (Queue), never by a timer.
   */
  readonly expiresAtMs: number;

  constructor(
    readonly payload: Buffer,
    /** Chaos ignore-ttl: delivered even when expired, each such delivery counted here; absent: expiry honoured. */
    readonly expiryIgnoredBy?: { ttlIgnored?: number },
  ) {
    this.expiresAtMs = expiryOf(payload, wallNowMs);
  }

  /**
   * Decoded header, annotations, properties and application properties (decoded once).
   * The body is left out: selectors and routing never read it, and a cached copy of it
   * would double what a deep queue of large messages holds.
   */
  decoded(): MessageFields {
    if (this.fields === undefined) {
      this.fields = decodeMessage(this.payload.subarray(0, bodyOffset(this.payload))) as MessageFields;
      if (this.deliveryCount > 0) this.fields.delivery_count = this.deliveryCount;
    }
    return this.fields;
  }

  /** The bytes to transfer now: the original, or one with a rewritten header. */
  bytesToSend(): Buffer {
    if (this.deliveryCount === 0) return this.payload;
    if (this.redeliveredCount !== this.deliveryCount) {
      this.redelivered = withRedeliveryHeader(this.payload, this.deliveryCount);
      this.redeliveredCount = this.deliveryCount;
    }
    return this.redelivered as Buffer;
  }

  /** Not to be delivered to this consumer again (modified with undeliverable-here). */
  exclude(consumer: object): void {
    (this.excludedFrom ??= new Set()).add(consumer);
  }

  countFailedDelivery(): void {
    this.deliveryCount++;
    if (this.fields !== undefined) this.fields.delivery_count = this.deliveryCount;
  }
}

const HEADER_DESCRIPTOR = 0x70;
/** data, amqp-sequence, amqp-value: the body sections; the footer (0x78) follows them. */
const BODY_DESCRIPTORS = new Set([0x75, 0x76, 0x77, 0x78]);

/** Where the body starts: every section before it (each small) is stepped over. */
export function bodyOffset(payload: Buffer): number {
  let offset = 0;
  while (offset < payload.length) {
    const code = sectionCode(payload, offset);
    if (code === undefined || BODY_DESCRIPTORS.has(code)) return offset;
    offset += sectionLength(payload.subarray(offset));
  }
  return offset;
}

/** The descriptor code of the section at `offset` (smallulong or ulong form), if it has one. */
function sectionCode(payload: Buffer, offset: number): number | undefined {
  if (payload[offset] !== 0x00) return undefined;
  if (payload[offset + 1] === 0x53) return payload[offset + 2];
  if (payload[offset + 1] === 0x80 && offset + 10 <= payload.length) return Number(payload.readBigUInt64BE(offset + 2));
  return undefined;
}

/** Replaces (or adds) the header section: delivery-count set, first-acquirer false. */
export function withRedeliveryHeader(payload: Buffer, deliveryCount: number): Buffer {
  const headerLength = leadingHeaderLength(payload);
  const header = headerLength > 0 ? (decodeMessage(payload.subarray(0, headerLength)) as Record<string, unknown>) : {};
  const fields: Record<string, unknown> = {};
  for (const name of ['durable', 'priority', 'ttl'] as const) {
    if (header[name] !== undefined) fields[name] = header[name];
  }
  fields.first_acquirer = false;
  fields.delivery_count = deliveryCount;
  const encoded = encodeMessage(fields);
  const newHeader = encoded.subarray(0, sectionLength(encoded));
  return Buffer.concat([newHeader, payload.subarray(headerLength)]);
}

function leadingHeaderLength(payload: Buffer): number {
  // A described section starts 0x00, then a smallulong (0x53) descriptor code.
  if (payload.length < 3 || payload[0] !== 0x00 || payload[1] !== 0x53 || payload[2] !== HEADER_DESCRIPTOR) return 0;
  return sectionLength(payload);
}

type ReaderClass = new (buffer: Buffer) => { read(): unknown; position: number };

function sectionLength(buffer: Buffer): number {
  const reader = new (rhea.types as unknown as { Reader: ReaderClass }).Reader(buffer);
  reader.read();
  return reader.position;
}
