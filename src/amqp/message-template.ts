/**
 * A message encoded once, then stamped in place: encoding a message from
 * scratch costs a sender more than everything else it does per message.
 *
 * The stamps travel as application properties (AMQP longs, always in their
 * 8-byte form) so that any AMQP peer can read them:
 *   salvo-producer  string  "<runId>/<link>", fixed per link
 *   salvo-seq       long    1, 2, 3 ... per producer
 *   salvo-intended  long    intended send time, µs on the run's clock
 *   salvo-sent      long    actual send time, µs on the run's clock
 *   salvo-body-fnv  uint    FNV-1a 32 of the body bytes: the body is constant
 *                           per template, so it is computed once, here
 */
import rhea from 'rhea';
import { fnv1a32 } from '../content/body-checksum.js';

export const PRODUCER_PROPERTY = 'salvo-producer';
export const SEQ_PROPERTY = 'salvo-seq';
export const INTENDED_PROPERTY = 'salvo-intended';
export const SENT_PROPERTY = 'salvo-sent';
export const BODY_CHECKSUM_PROPERTY = 'salvo-body-fnv';

// Distinct values that rhea encodes as 8-byte longs, found again after encoding.
const SEQ_MARK = 0x0011_2233_4455_6601;
const INTENDED_MARK = 0x0011_2233_4455_6602;
const SENT_MARK = 0x0011_2233_4455_6603;
const LONG_CODE = 0x81;
const UBYTE_CODE = 0x50;
const TWO_TO_32 = 4_294_967_296;

export interface TemplateSpec {
  producer: string;
  bodySize: number;
  durable: boolean;
  /** --msg-ttl: the header's ttl, ms. */
  ttlMs?: number;
  /**
   * --msg-priority: the header's priority, and a stamp for it (`priorityOffset`): a ubyte is one byte whatever its
   * value, so one template serves every priority and a choice costs one byte written per message.
   */
  priority?: number;
  /** More application properties (--msg-property), already wrapped where rhea's default type is not wanted. */
  extraProperties?: Record<string, unknown>;
}

export interface MessageTemplate {
  /** The encoded sections, stamped by `stamp`. */
  readonly bytes: Buffer;
  readonly seqOffset: number;
  readonly intendedOffset: number;
  readonly sentOffset: number;
  /** Where the header's priority byte is (-1: no priority); write 0-9 there. */
  readonly priorityOffset: number;
}

export function buildTemplate(spec: TemplateSpec): MessageTemplate {
  const types = rhea.types;
  const body = bodyOf(spec.bodySize);
  const message: Record<string, unknown> = {
    application_properties: {
      [PRODUCER_PROPERTY]: spec.producer,
      [SEQ_PROPERTY]: types.wrap_long(SEQ_MARK),
      [INTENDED_PROPERTY]: types.wrap_long(INTENDED_MARK),
      [SENT_PROPERTY]: types.wrap_long(SENT_MARK),
      [BODY_CHECKSUM_PROPERTY]: types.wrap_uint(fnv1a32(body)),
      ...spec.extraProperties,
    },
    body: rhea.message.data_section(body),
  };
  if (spec.durable) message.durable = true;
  if (spec.ttlMs !== undefined) message.ttl = spec.ttlMs;
  if (spec.priority !== undefined) message.priority = spec.priority;
  const bytes = rhea.message.encode(message as unknown as rhea.Message);
  return {
    bytes,
    seqOffset: offsetOfLong(bytes, SEQ_MARK),
    intendedOffset: offsetOfLong(bytes, INTENDED_MARK),
    sentOffset: offsetOfLong(bytes, SENT_MARK),
    priorityOffset: spec.priority === undefined ? -1 : priorityOffsetOf(spec),
  };
}

/**
 * The header comes first in a message, so the priority byte sits at the same offset whatever follows: found as the
 * one byte that differs between two headers with priorities 1 and 2 (rhea writes a priority as a ubyte, 0x50 nn).
 */
function priorityOffsetOf(spec: TemplateSpec): number {
  const header = (priority: number): Buffer =>
    rhea.message.encode({
      ...(spec.durable ? { durable: true } : {}),
      ...(spec.ttlMs !== undefined ? { ttl: spec.ttlMs } : {}),
      priority,
    } as unknown as rhea.Message);
  const one = header(1);
  const two = header(2);
  let at = -1;
  for (let i = 0; i < one.length; i++) {
    if (one[i] === two[i]) continue;
    if (at >= 0 || one[i] !== 1 || one[i - 1] !== UBYTE_CODE) at = -2;
    else at = i;
  }
  if (at < 0) throw new Error('message template: cannot locate the priority byte');
  return at;
}

/** A body that is not all one byte, so that a changed byte also changes where it sits in a pattern. */
function bodyOf(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = 0x61 + (i % 26);
  return body;
}

/** Longest pass of sends a link makes before letting rhea write them: one socket write of at most this many. */
export const PASS_MAX = 256;
/** Most bytes of stamped copies one link keeps (large messages get fewer copies, so shorter passes). */
export const RING_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Fewest copies whatever their size (unless fewer may be in flight), so that large messages still go a few to a pass.
 */
export const RING_MIN_COPIES = 4;

/**
 * How many stamped copies a link needs: one per send that rhea may not have
 * written yet. rhea copies a payload into its frame buffer when it writes
 * the transfer (a tick after send()), so a copy is free again once written;
 * what can be unwritten is at most one pass, and never more than may be in
 * flight. Memory per link thus follows the in-flight limit, bounded by
 * PASS_MAX and RING_MAX_BYTES, instead of a fixed size.
 */
export function ringCopies(maxInFlight: number, messageBytes: number): number {
  const byBytes = Math.max(RING_MIN_COPIES, Math.floor(RING_MAX_BYTES / Math.max(1, messageBytes)));
  return Math.max(1, Math.min(maxInFlight, PASS_MAX, byBytes));
}

/**
 * A ring of copies of one template. rhea keeps a reference to the payload
 * until its next processing pass writes it, so a copy may be stamped again
 * only after `size` later sends; callers keep sends per tick below `size`.
 */
export class TemplateRing {
  private readonly copies: Buffer[];
  private next = 0;

  constructor(
    readonly template: MessageTemplate,
    readonly size: number,
  ) {
    this.copies = Array.from({ length: size }, () => Buffer.from(template.bytes));
  }

  /** Bytes held by the copies. */
  get bytes(): number {
    return this.size * this.template.bytes.length;
  }

  /** The next copy, stamped. Times are non-negative µs. */
  stamp(seq: number, intendedUs: number, sentUs: number): Buffer {
    const bytes = this.copies[this.next];
    this.next = this.next + 1 === this.size ? 0 : this.next + 1;
    writeLong(bytes, this.template.seqOffset, seq);
    writeLong(bytes, this.template.intendedOffset, intendedUs);
    writeLong(bytes, this.template.sentOffset, sentUs);
    return bytes;
  }
}

/**
 * Writes a non-negative integer below 2^53 as a big-endian int64, without a BigInt. Byte stores, not writeUInt32BE:
 * three stamps a message, and its range and offset checks made it several times slower (the offsets are the
 * template's own).
 */
export function writeLong(bytes: Buffer, offset: number, value: number): void {
  const whole = Math.floor(value);
  const high = Math.floor(whole / TWO_TO_32);
  const low = whole - high * TWO_TO_32;
  bytes[offset] = high >>> 24;
  bytes[offset + 1] = high >>> 16;
  bytes[offset + 2] = high >>> 8;
  bytes[offset + 3] = high;
  bytes[offset + 4] = low >>> 24;
  bytes[offset + 5] = low >>> 16;
  bytes[offset + 6] = low >>> 8;
  bytes[offset + 7] = low;
}

function offsetOfLong(bytes: Buffer, mark: number): number {
  const pattern = Buffer.alloc(9);
  pattern[0] = LONG_CODE;
  writeLong(pattern, 1, mark);
  return offsetOfPattern(bytes, pattern, mark);
}

/** Where the 8 value bytes after a one-byte type code sit in `bytes`; the pattern must occur exactly once. */
export function offsetOfPattern(bytes: Buffer, pattern: Buffer, mark: number): number {
  const at = bytes.indexOf(pattern);
  if (at < 0 || bytes.indexOf(pattern, at + 1) >= 0) {
    throw new Error(`message template: cannot locate the stamp 0x${mark.toString(16)}`);
  }
  return at + 1;
}
