/**
 * Passwords never appear: for random passwords of any printable characters, typed as they
 * are or percent-encoded, the URL parses back to the same password and nothing shown
 * (redacted URL, error message) contains it.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parseAmqpUrl, redactUrl } from '../../src/plan/index.js';

const PRINTABLE = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});
const SHOWN = 'amqp://alice@broker.example:5672/orders';

/** Long and varied enough that finding it in the output means it leaked, not chance. */
const password = PRINTABLE.filter((p) => p.length >= 6 && new Set(p).size >= 3 && !SHOWN.includes(p));

describe('passwords in URLs', () => {
  test('a percent-encoded password parses back exactly and is never shown', () => {
    fc.assert(
      fc.property(password, (secret) => {
        const url = `amqp://alice:${encodeURIComponent(secret)}@broker.example:5672/orders`;
        expect(parseAmqpUrl(url)).toMatchObject({
          user: 'alice',
          password: secret,
          host: 'broker.example',
          port: 5672,
          address: 'orders',
        });
        expect(redactUrl(url)).toBe(SHOWN);
      }),
      { seed: 13, numRuns: 2000 },
    );
  });

  test('a password typed as it is (#, @, /, ?, :) parses back exactly and is never shown', () => {
    // A stray % followed by two hex digits reads as an escape, so such passwords are left to the encoded case.
    fc.assert(
      fc.property(
        password.filter((p) => !/%[0-9A-Fa-f]{2}/.test(p)),
        (secret) => {
          const url = `amqp://alice:${secret}@broker.example:5672/orders`;
          expect(parseAmqpUrl(url)).toMatchObject({
            user: 'alice',
            password: secret,
            host: 'broker.example',
            address: 'orders',
          });
          expect(redactUrl(url)).not.toContain(secret);
        },
      ),
      { seed: 14, numRuns: 2000 },
    );
  });

  test('an error about a bad URL never shows its password', () => {
    fc.assert(
      fc.property(
        password,
        fc.constantFrom('@broker.example:99999/q', '@broker.example:abc/q', '@:5672/q', '@broker.example/q?x=1'),
        (secret, rest) => {
          for (const typed of [secret, encodeURIComponent(secret)]) {
            let message = '';
            try {
              parseAmqpUrl(`amqp://alice:${typed}${rest}`);
            } catch (error) {
              message = (error as Error).message;
            }
            if (message !== '') expect(message).not.toContain(secret);
          }
        },
      ),
      { seed: 15, numRuns: 1000 },
    );
  });

  test('the case from the issue: a raw # in the password', () => {
    const url = 'amqp://alice:hunter#2@broker:5672/q';
    expect(parseAmqpUrl(url)).toMatchObject({ user: 'alice', password: 'hunter#2', host: 'broker', address: 'q' });
    expect(redactUrl(url)).toBe('amqp://alice@broker:5672/q');
    expect(() => parseAmqpUrl('amqp://alice:hunter#2@broker:99999/q')).toThrow('got "amqp://alice@broker:99999/q"');
  });
});
