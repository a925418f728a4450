/**
 * The body checksum: 32-bit FNV-1a over the body bytes. Cheap enough to
 * compute on every receipt (one multiply a byte), strong enough to notice a
 * broker or proxy that changed a body; not a cryptographic digest.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash >>> 0;
}
