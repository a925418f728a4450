/**
 * Reads salvo's stamps straight from a message's encoded sections, without
 * decoding the message: a receiver needs two application properties out of
 * each message, and rhea's full decode costs more than everything else the
 * receiver does. Any AMQP encoding of the values is accepted (a broker may
 * re-encode a long compactly); anything malformed reads as "not salvo's".
 */
import { PRODUCER_PROPERTY, SENT_PROPERTY } from './message-template.js';

const APPLICATION_PROPERTIES = 0x74;
const TWO_TO_32 = 4_294_967_296;
const PRODUCER_KEY = Buffer.from(PRODUCER_PROPERTY);
const SENT_KEY = Buffer.from(SENT_PROPERTY);

/**
 * The message's `salvo-sent` time (µs) when its `salvo-producer` starts with
 * `producerPrefix`; -1 for any other message (not salvo's, another run's, or
 * malformed).
 */
export function sentTimeOf(bytes: Buffer, producerPrefix: Buffer): number {
  try {
    const start = applicationPropertiesMap(bytes);
    return start < 0 ? -1 : scanMap(bytes, start, producerPrefix);
  } catch {
    return -1;
  }
}

/** Offset of the application-properties map value, or -1 when the message has none. */
function applicationPropertiesMap(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] !== 0x00) return -1;
    const code = bytes[at + 1] === 0x53 ? bytes[at + 2] : -1;
    const valueAt = code >= 0 ? at + 3 : skip(bytes, at + 1);
    if (code === APPLICATION_PROPERTIES) return valueAt;
    // Sections come in a fixed order; past the application properties there is only the body.
    if (code > APPLICATION_PROPERTIES) return -1;
    at = skip(bytes, valueAt);
  }
  return -1;
}

function scanMap(bytes: Buffer, at: number, producerPrefix: Buffer): number {
  const code = bytes[at];
  let count: number;
  let entry: number;
  if (code === 0xc1) {
    count = bytes[at + 2];
    entry = at + 3;
  } else if (code === 0xd1) {
    count = bytes.readUInt32BE(at + 5);
    entry = at + 9;
  } else return -1;
  let producerOk = false;
  let sentUs = -1;
  for (let i = 0; i < count; i += 2) {
    const keyEnd = skip(bytes, entry);
    if (keyIs(bytes, entry, keyEnd, PRODUCER_KEY)) producerOk = stringStartsWith(bytes, keyEnd, producerPrefix);
    else if (keyIs(bytes, entry, keyEnd, SENT_KEY)) sentUs = readInteger(bytes, keyEnd);
    entry = skip(bytes, keyEnd);
  }
  return producerOk ? sentUs : -1;
}

/** Whether the string or symbol encoded at [at, end) equals `key`. */
function keyIs(bytes: Buffer, at: number, end: number, key: Buffer): boolean {
  const code = bytes[at];
  const dataAt = code === 0xa1 || code === 0xa3 ? at + 2 : code === 0xb1 || code === 0xb3 ? at + 5 : -1;
  return dataAt > 0 && end - dataAt === key.length && bytes.compare(key, 0, key.length, dataAt, end) === 0;
}

function stringStartsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  const code = bytes[at];
  if (code !== 0xa1 && code !== 0xb1) return false;
  const dataAt = code === 0xa1 ? at + 2 : at + 5;
  const length = code === 0xa1 ? bytes[at + 1] : bytes.readUInt32BE(at + 1);
  return length >= prefix.length && bytes.compare(prefix, 0, prefix.length, dataAt, dataAt + prefix.length) === 0;
}

/** An integer of any AMQP integral encoding; -1 for anything else. */
function readInteger(bytes: Buffer, at: number): number {
  switch (bytes[at]) {
    case 0x81: return bytes.readInt32BE(at + 1) * TWO_TO_32 + bytes.readUInt32BE(at + 5);
    case 0x80: return bytes.readUInt32BE(at + 1) * TWO_TO_32 + bytes.readUInt32BE(at + 5);
    case 0x55: return bytes.readInt8(at + 1);
    case 0x53: return bytes[at + 1];
    case 0x71: return bytes.readInt32BE(at + 1);
    case 0x70: return bytes.readUInt32BE(at + 1);
    case 0x54: return bytes.readInt8(at + 1);
    case 0x52: return bytes[at + 1];
    case 0x44:
    case 0x43: return 0;
    default: return -1;
  }
}

/** The offset just past the encoded value at `at` (AMQP 1.0 type encodings, section 1.6). */
function skip(bytes: Buffer, at: number): number {
  const code = bytes[at];
  if (code === 0x00) return skip(bytes, skip(bytes, at + 1));
  switch (code >> 4) {
    case 0x4: return at + 1;
    case 0x5: return at + 2;
    case 0x6: return at + 3;
    case 0x7: return at + 5;
    case 0x8: return at + 9;
    case 0x9: return at + 17;
    case 0xa:
    case 0xc:
    case 0xe: return at + 2 + bytes[at + 1];
    case 0xb:
    case 0xd:
    case 0xf: return at + 5 + bytes.readUInt32BE(at + 1);
    default: throw new RangeError(`unknown AMQP type code 0x${code.toString(16)}`);
  }
}
