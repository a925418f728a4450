import { describe, expect, it } from 'vitest';
import { PlanError, parseAmqpUrl, redactUrl } from '../../src/plan/index.js';

describe('parseAmqpUrl', () => {
  it('takes every part apart', () => {
    expect(parseAmqpUrl('amqp://alice:s3cret@broker.example:5673/orders')).toEqual({
      scheme: 'amqp',
      host: 'broker.example',
      port: 5673,
      user: 'alice',
      password: 's3cret',
      address: 'orders',
      tls: false,
    });
  });

  it('defaults the port by scheme', () => {
    expect(parseAmqpUrl('amqp://h/q').port).toBe(5672);
    expect(parseAmqpUrl('amqps://h/q')).toMatchObject({ scheme: 'amqps', port: 5671, tls: true });
    expect(parseAmqpUrl('AMQPS://h/q').scheme).toBe('amqps');
  });

  it('keeps a RabbitMQ /queue/NAME address', () => {
    expect(parseAmqpUrl('amqp://h:5672//queue/x').address).toBe('/queue/x');
    expect(parseAmqpUrl('amqp://h/queue/x').address).toBe('queue/x');
  });

  it('decodes percent escapes in user, password and address', () => {
    const url = parseAmqpUrl('amqp://us%40er:p%40ss%2Fw@h/a%20b');
    expect(url).toMatchObject({ user: 'us@er', password: 'p@ss/w', address: 'a b' });
  });

  it('strips the brackets of an IPv6 host', () => {
    expect(parseAmqpUrl('amqp://[::1]:5672/q')).toMatchObject({ host: '::1', port: 5672 });
  });

  it('leaves an absent address empty, with no flag, when no default is given (probe)', () => {
    expect(parseAmqpUrl('amqp://h').address).toBe('');
    expect(parseAmqpUrl('amqp://h/').address).toBe('');
    expect('addressDefaulted' in parseAmqpUrl('amqp://h')).toBe(false);
  });

  it('uses the default address when the URL names none, and says it did', () => {
    expect(parseAmqpUrl('amqp://127.0.0.1:5673', { defaultAddress: 'salvo' })).toEqual({
      scheme: 'amqp',
      host: '127.0.0.1',
      port: 5673,
      address: 'salvo',
      addressDefaulted: true,
      tls: false,
    });
    expect(parseAmqpUrl('amqps://u:p@h/', { defaultAddress: 'salvo' })).toMatchObject({
      address: 'salvo',
      addressDefaulted: true,
      user: 'u',
      password: 'p',
    });
    const named = parseAmqpUrl('amqp://h/orders', { defaultAddress: 'salvo' });
    expect(named.address).toBe('orders');
    expect('addressDefaulted' in named).toBe(false);
  });

  it('leaves user and password out when absent', () => {
    const url = parseAmqpUrl('amqp://h/q');
    expect('user' in url).toBe(false);
    expect('password' in url).toBe(false);
  });

  it.each([
    [
      'http://h/q',
      'URL must start with amqp:// or amqps:// (amqp[s]://[user:pass@]host[:port][/address]), got "http://h/q"',
    ],
    [
      'broker:5672',
      'URL must start with amqp:// or amqps:// (amqp[s]://[user:pass@]host[:port][/address]), got "broker:5672"',
    ],
    ['amqp://h:99999/q', 'URL port must be an integer from 1 to 65535, got "amqp://h:99999/q"'],
    ['amqp://h:0/q', 'URL port must be an integer from 1 to 65535, got "amqp://h:0/q"'],
    ['amqp://h:abc/q', 'URL port must be an integer from 1 to 65535, got "amqp://h:abc/q"'],
    ['amqp:///q', 'URL must name a host (amqp[s]://[user:pass@]host[:port][/address]), got "amqp:///q"'],
    ['amqp://h/q?x=1', 'URL must not have a query or fragment, got "amqp://h/q?x=1"'],
    ['amqp://h/%zz', 'URL has a malformed %-escape, got "amqp://h/%zz"'],
  ])('rejects %j', (text, message) => {
    expect(() => parseAmqpUrl(text)).toThrow(PlanError);
    expect(() => parseAmqpUrl(text)).toThrow(message);
  });

  it('never shows the password in an error', () => {
    expect(() => parseAmqpUrl('amqp://u:hunter2@h:99999/q')).toThrow('got "amqp://u@h:99999/q"');
  });
});

describe('redactUrl', () => {
  it.each([
    ['amqp://alice:s3cret@h:5672/q', 'amqp://alice@h:5672/q'],
    ['amqps://alice:p@ss@h/q', 'amqps://alice@h/q'],
    ['amqp://:s3cret@h/q', 'amqp://@h/q'],
    ['amqp://alice@h/q', 'amqp://alice@h/q'],
    ['amqp://h/q', 'amqp://h/q'],
    ['amqp://h/q@x:y', 'amqp://h/q@x:y'],
    ['not a url', 'not a url'],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
