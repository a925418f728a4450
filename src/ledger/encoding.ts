/**
 * Bitsets as they travel from workers to the coordinator: the bytes of
 * their words (little-endian, trailing zero words dropped) in base64, never
 * a list of numbers.
 */
import { Bitset } from './bitset.js';

export function encodeBits(bits: Bitset): string {
  const words = bits.trimmedWords();
  const bytes = Buffer.alloc(words.length * 4);
  for (let i = 0; i < words.length; i++) bytes.writeUInt32LE(words[i], i * 4);
  return bytes.toString('base64');
}

export function decodeBits(text: string): Bitset {
  const bytes = Buffer.from(text, 'base64');
  const words = new Uint32Array(Math.floor(bytes.length / 4));
  for (let i = 0; i < words.length; i++) words[i] = bytes.readUInt32LE(i * 4);
  return new Bitset(words);
}
