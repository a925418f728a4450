/**
 * When a message expires, read from its encoded bytes without decoding it:
 * the header's ttl (ms from arrival) and the properties' absolute-expiry-time
 * (ms since the epoch), whichever is sooner. The broker keeps raw bytes
 * (stored-message.ts), and rhea's decoder would allocate an object per
 * message; this walks a few bytes and allocates nothing. Malformed or absent
 * fields (and a ttl of 0) mean "never expires": expiry is the broker's to honour, never a
 * reason to refuse a message.
 */

const HEADER = 0x70;
const PROPERTIES = 0x73;
const TTL_FIELD = 2;
const ABSOLUTE_EXPIRY_FIELD = 8;

/** Absolute expiry in epoch ms, or 0 for never. `nowMs` is read only when the header has a ttl. */
export function expiryOf(payload: Buffer, nowMs: () => number): number {
  let offset = 0;
  let expiry = 0;
  for (let section = 0; section < 4 && offset + 3 <= payload.length; section++) {
    const code = describedCode(payload, offset);
    if (code === HEADER) {
      // A ttl of 0 is taken as none, as Artemis does (JMS clients mean "never" by a time-to-live of 0).
      const ttl = listField(payload, offset + 3, TTL_FIELD);
      if (ttl > 0) expiry = nowMs() + ttl;
    } else if (code === PROPERTIES) {
      const absolute = listField(payload, offset + 3, ABSOLUTE_EXPIRY_FIELD);
      if (absolute > 0 && (expiry === 0 || absolute < expiry)) expiry = absolute;
      return expiry;
    } else if (code < 0 || code > PROPERTIES) return expiry;
    const next = skipValue(payload, offset + 3);
    if (next < 0) return expiry;
    offset = next;
  }
  return expiry;
}

/** A section's descriptor code (smallulong form only, as every client writes it); -1 otherwise. */
function describedCode(payload: Buffer, offset: number): number {
  return payload[offset] === 0x00 && payload[offset + 1] === 0x53 ? payload[offset + 2] : -1;
}

/** The numeric value of field `index` of the list at `offset` (uint, ulong, timestamp); -1 when absent or not a number. */
function listField(payload: Buffer, offset: number, index: number): number {
  const code = payload[offset];
  let at: number;
  let count: number;
  if (code === 0x45) return -1;
  if (code === 0xc0) {
    count = payload[offset + 2];
    at = offset + 3;
  } else if (code === 0xd0) {
    if (offset + 9 > payload.length) return -1;
    count = payload.readUInt32BE(offset + 5);
    at = offset + 9;
  } else return -1;
  if (index >= count) return -1;
  for (let i = 0; i < index; i++) {
    at = skipValue(payload, at);
    if (at < 0) return -1;
  }
  return numberAt(payload, at);
}

function numberAt(payload: Buffer, at: number): number {
  const code = payload[at];
  if (code === 0x43 || code === 0x44) return 0; // uint0, ulong0
  if (code === 0x52 || code === 0x53) return at + 2 <= payload.length ? payload[at + 1] : -1; // smalluint, smallulong
  if (code === 0x70) return at + 5 <= payload.length ? payload.readUInt32BE(at + 1) : -1; // uint
  if (code === 0x80 || code === 0x83) {
    // ulong, timestamp: a date or a ttl beyond 2^53 ms is not one a broker meets.
    if (at + 9 > payload.length) return -1;
    const value = Number(payload.readBigInt64BE(at + 1));
    return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  }
  return -1;
}

/** The offset after the AMQP value at `at`, by its constructor's width class; -1 if it runs past the end. */
export function skipValue(payload: Buffer, at: number): number {
  if (at >= payload.length) return -1;
  const code = payload[at];
  if (code === 0x00) {
    const afterDescriptor = skipValue(payload, at + 1);
    return afterDescriptor < 0 ? -1 : skipValue(payload, afterDescriptor);
  }
  const width = code >> 4;
  let end: number;
  if (width === 0x4) end = at + 1;
  else if (width === 0x5) end = at + 2;
  else if (width === 0x6) end = at + 3;
  else if (width === 0x7) end = at + 5;
  else if (width === 0x8) end = at + 9;
  else if (width === 0x9) end = at + 17;
  else if (width === 0xa || width === 0xc || width === 0xe) end = at + 2 + (payload[at + 1] ?? 0);
  else if (width === 0xb || width === 0xd || width === 0xf)
    end = at + 5 + (at + 5 <= payload.length ? payload.readUInt32BE(at + 1) : 0);
  else return -1;
  return end <= payload.length ? end : -1;
}
