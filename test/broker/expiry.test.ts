/**
 * The broker's expiry reader (src/broker/expiry.ts) on messages rhea encodes:
 * the header's ttl counts from arrival, the properties' absolute-expiry-time
 * is a date, the sooner wins, and anything absent or malformed means never.
 */
import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { expiryOf } from '../../src/broker/expiry.js';

const NOW = 1_700_000_000_000;
const now = (): number => NOW;
const encode = (m: Record<string, unknown>): Buffer => rhea.message.encode(m as unknown as rhea.Message);

describe('expiryOf', () => {
  it.each([
    ['no header, no properties', { body: 'x' }, 0],
    ['a durable header without ttl', { durable: true, body: 'x' }, 0],
    ['ttl 500', { ttl: 500, body: 'x' }, NOW + 500],
    ['ttl 0 (none, as Artemis reads it)', { ttl: 0, durable: true, body: 'x' }, 0],
    ['ttl with priority and durable', { durable: true, priority: 9, ttl: 70_000, body: 'x' }, NOW + 70_000],
    ['absolute-expiry-time', { message_id: 'a', absolute_expiry_time: new Date(NOW + 900), body: 'x' }, NOW + 900],
    [
      'the sooner of both',
      { ttl: 500, message_id: 'm', absolute_expiry_time: new Date(NOW + 2000), body: 'x' },
      NOW + 500,
    ],
    [
      'the sooner of both, the other way',
      { ttl: 5000, message_id: 'm', subject: 's', absolute_expiry_time: new Date(NOW + 200), body: 'x' },
      NOW + 200,
    ],
    ['application properties only', { application_properties: { a: 1 }, body: 'x' }, 0],
  ])('%s', (_, message, expected) => {
    expect(expiryOf(encode(message), now)).toBe(expected);
  });

  it('a truncated message is "never", not an error', () => {
    const bytes = encode({ ttl: 500, message_id: 'm', absolute_expiry_time: new Date(NOW + 900), body: 'x' });
    for (let length = 0; length < bytes.length; length++) {
      const value = expiryOf(bytes.subarray(0, length), now);
      expect([0, NOW + 500, NOW + 900]).toContain(value);
    }
  });

  it('reads the clock only for a ttl', () => {
    let reads = 0;
    const counting = (): number => {
      reads++;
      return NOW;
    };
    expiryOf(encode({ durable: true, body: 'x' }), counting);
    expect(reads).toBe(0);
    expiryOf(encode({ ttl: 1, body: 'x' }), counting);
    expect(reads).toBe(1);
  });
});
