/**
 * Reads salvo's stamps straight from a message's encoded sections, without
 * decoding the message: rhea's full decode costs more than everything else
 * the receiver does. One pass over the sections reads the header's
 * delivery-count and first-acquirer, the application properties salvo
 * stamps, and the FNV-1a checksum of the body's data sections. Any AMQP
 * encoding of the values is accepted (a broker may re-encode a long
 * compactly); anything malformed reads as "not salvo's". The checksum is
 * FNV-1a (body-checksum.ts), computed inline over the sections' bytes.
 */
import { BODY_CHECKSUM_PROPERTY, PRODUCER_PROPERTY, SENT_PROPERTY, SEQ_PROPERTY } from './message-template.js';

const HEADER = 0x70;
const APPLICATION_PROPERTIES = 0x74;
const DATA = 0x75;
const FOOTER = 0x78;
const TWO_TO_32 = 4_294_967_296;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** The keys read, by index; each is told apart from the others by its length and its byte at DISTINCT_AT. */
const KEYS = [PRODUCER_PROPERTY, SENT_PROPERTY, SEQ_PROPERTY, BODY_CHECKSUM_PROPERTY].map((key) => Buffer.from(key));
const KEY_PRODUCER = 0;
const KEY_SENT = 1;
const KEY_SEQ = 2;
const KEY_CHECKSUM = 3;
const NOT_A_STAMP = -1;
/** The byte after "salvo-". */
const DISTINCT_AT = 6;
if (new Set(KEYS.map((key) => `${key.length}:${key[DISTINCT_AT]}`)).size !== KEYS.length)
  throw new Error('stamp-reader.ts: two stamp keys share a length and a byte at DISTINCT_AT');

/** What one message carries; one instance per receiver, filled in place per message (no allocation). */
export class Stamps {
  /** µs; -1 when absent. */
  sentUs = -1;
  /** -1 when absent or unreadable. */
  seq = -1;
  /** The producer id's bytes in the message: [producerStart, producerEnd). */
  producerStart = -1;
  producerEnd = -1;
  /** The header's delivery-count (0 when absent). */
  deliveryCount = 0;
  /** The header's first-acquirer: true, false, or null when absent (the spec's default is false). */
  firstAcquirer: boolean | null = null;
  /** The stamped body checksum; -1 when absent. */
  bodyChecksum = -1;
  /** FNV-1a of the data sections' bytes as received; -1 when the body has no data section. */
  bodyChecksumSeen = -1;

  /** The broker says it delivered this message before. */
  get redelivered(): boolean {
    return this.deliveryCount > 0;
  }

  /** A stamped checksum that the body does not match. */
  get corrupted(): boolean {
    return this.bodyChecksum >= 0 && this.bodyChecksum !== this.bodyChecksumSeen;
  }

  reset(): void {
    this.sentUs = -1;
    this.seq = -1;
    this.producerStart = -1;
    this.producerEnd = -1;
    this.deliveryCount = 0;
    this.firstAcquirer = null;
    this.bodyChecksum = -1;
    this.bodyChecksumSeen = -1;
  }
}

/**
 * Fills `into` and says whether the message is this run's: its
 * `salvo-producer` starts with `producerPrefix` and it has a `salvo-sent`
 * stamp. False for any other message (not salvo's, another run's, malformed).
 */
export function readStamps(bytes: Buffer, producerPrefix: Buffer, into: Stamps): boolean {
  into.reset();
  try {
    scanSections(bytes, into);
  } catch {
    return false;
  }
  return (
    into.sentUs >= 0 &&
    into.producerStart >= 0 &&
    startsWith(bytes, into.producerStart, into.producerEnd, producerPrefix)
  );
}

const scratch = new Stamps();

/**
 * The message's `salvo-sent` time (µs) when its `salvo-producer` starts with
 * `producerPrefix`; -1 for any other message.
 */
export function sentTimeOf(bytes: Buffer, producerPrefix: Buffer): number {
  return readStamps(bytes, producerPrefix, scratch) ? scratch.sentUs : -1;
}

function scanSections(bytes: Buffer, into: Stamps): void {
  let at = 0;
  let hash = FNV_OFFSET;
  let data = false;
  while (at < bytes.length) {
    if (bytes[at] !== 0x00) throw new RangeError('not a described section');
    const code = bytes[at + 1] === 0x53 ? bytes[at + 2] : -1;
    const valueAt = code >= 0 ? at + 3 : skip(bytes, at + 1);
    const end = skip(bytes, valueAt);
    if (end > bytes.length) throw new RangeError('truncated section');
    if (code === HEADER) readHeader(bytes, valueAt, into);
    else if (code === APPLICATION_PROPERTIES) scanMap(bytes, valueAt, into);
    else if (code === DATA) {
      const c = bytes[valueAt];
      const dataAt = c === 0xa0 ? valueAt + 2 : c === 0xb0 ? valueAt + 5 : -1;
      if (dataAt < 0) throw new RangeError('data section without binary');
      for (let i = dataAt; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
      data = true;
    } else if (code === FOOTER) break;
    at = end;
  }
  if (data) into.bodyChecksumSeen = hash >>> 0;
}

/** header: list of durable, priority, ttl, first-acquirer, delivery-count. */
function readHeader(bytes: Buffer, at: number, into: Stamps): void {
  const code = bytes[at];
  let count: number;
  let field: number;
  if (code === 0x45) return;
  if (code === 0xc0) {
    count = bytes[at + 2];
    field = at + 3;
  } else if (code === 0xd0) {
    count = bytes.readUInt32BE(at + 5);
    field = at + 9;
  } else return;
  for (let i = 0; i < count && i < 5; i++) {
    if (i === 3) into.firstAcquirer = readBoolean(bytes, field);
    else if (i === 4) into.deliveryCount = Math.max(0, readInteger(bytes, field));
    field = skip(bytes, field);
  }
}

function scanMap(bytes: Buffer, at: number, into: Stamps): void {
  const code = bytes[at];
  let count: number;
  let entry: number;
  if (code === 0xc1) {
    count = bytes[at + 2];
    entry = at + 3;
  } else if (code === 0xd1) {
    count = bytes.readUInt32BE(at + 5);
    entry = at + 9;
  } else return;
  for (let i = 0; i < count; i += 2) {
    const keyEnd = skip(bytes, entry);
    const valueEnd = skip(bytes, keyEnd);
    const key = keyOf(bytes, entry, keyEnd);
    if (key === KEY_PRODUCER) stringRange(bytes, keyEnd, into);
    else if (key === KEY_SENT) into.sentUs = readInteger(bytes, keyEnd);
    else if (key === KEY_SEQ) into.seq = readInteger(bytes, keyEnd);
    else if (key === KEY_CHECKSUM) into.bodyChecksum = readInteger(bytes, keyEnd);
    entry = valueEnd;
  }
}

/**
 * Which of the stamps' keys the string or symbol encoded at [at, end) is (an index into KEYS), or NOT_A_STAMP. The
 * candidate is picked by length and the byte after "salvo-", then compared byte by byte in a loop: for keys of ten
 * bytes or so, Buffer#compare's native call cost more than the comparison (3% of a receiver thread's samples).
 */
function keyOf(bytes: Buffer, at: number, end: number): number {
  const code = bytes[at];
  const dataAt = code === 0xa1 || code === 0xa3 ? at + 2 : code === 0xb1 || code === 0xb3 ? at + 5 : -1;
  const length = end - dataAt;
  if (dataAt < 0 || length <= DISTINCT_AT) return NOT_A_STAMP;
  // A key running past the message: malformed, as Buffer#compare's range error said before.
  if (end > bytes.length) throw new RangeError('truncated key');
  const mark = bytes[dataAt + DISTINCT_AT];
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k];
    if (key.length === length && key[DISTINCT_AT] === mark)
      return equalAt(bytes, dataAt, key, key.length) ? k : NOT_A_STAMP;
  }
  return NOT_A_STAMP;
}

/** Whether bytes[at, at + length) equal key[0, length): a loop, not Buffer#compare (see keyOf). */
function equalAt(bytes: Buffer, at: number, key: Buffer, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[at + i] !== key[i]) return false;
  return true;
}

function stringRange(bytes: Buffer, at: number, into: Stamps): void {
  const code = bytes[at];
  if (code !== 0xa1 && code !== 0xb1) return;
  const dataAt = code === 0xa1 ? at + 2 : at + 5;
  const length = code === 0xa1 ? bytes[at + 1] : bytes.readUInt32BE(at + 1);
  into.producerStart = dataAt;
  into.producerEnd = dataAt + length;
}

function startsWith(bytes: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  // A string running past the message: malformed, as keyOf says.
  if (end > bytes.length) throw new RangeError('truncated string');
  return equalAt(bytes, start, prefix, prefix.length);
}

function readBoolean(bytes: Buffer, at: number): boolean | null {
  switch (bytes[at]) {
    case 0x41:
      return true;
    case 0x42:
      return false;
    case 0x56:
      return bytes[at + 1] !== 0;
    default:
      return null;
  }
}

/** An integer of any AMQP integral encoding; -1 for anything else. */
function readInteger(bytes: Buffer, at: number): number {
  switch (bytes[at]) {
    case 0x81:
      return bytes.readInt32BE(at + 1) * TWO_TO_32 + bytes.readUInt32BE(at + 5);
    case 0x80:
      return bytes.readUInt32BE(at + 1) * TWO_TO_32 + bytes.readUInt32BE(at + 5);
    case 0x55:
      return bytes.readInt8(at + 1);
    case 0x53:
      return bytes[at + 1];
    case 0x71:
      return bytes.readInt32BE(at + 1);
    case 0x70:
      return bytes.readUInt32BE(at + 1);
    case 0x54:
      return bytes.readInt8(at + 1);
    case 0x52:
      return bytes[at + 1];
    case 0x44:
    case 0x43:
      return 0;
    default:
      return -1;
  }
}

/** The offset just past the encoded value at `at` (AMQP 1.0 type encodings, section 1.6). */
function skip(bytes: Buffer, at: number): number {
  const code = bytes[at];
  if (code === 0x00) return skip(bytes, skip(bytes, at + 1));
  switch (code >> 4) {
    case 0x4:
      return at + 1;
    case 0x5:
      return at + 2;
    case 0x6:
      return at + 3;
    case 0x7:
      return at + 5;
    case 0x8:
      return at + 9;
    case 0x9:
      return at + 17;
    case 0xa:
    case 0xc:
    case 0xe:
      return at + 2 + bytes[at + 1];
    case 0xb:
    case 0xd:
    case 0xf:
      return at + 5 + bytes.readUInt32BE(at + 1);
    default:
      throw new RangeError(`unknown AMQP type code 0x${code.toString(16)}`);
  }
}
