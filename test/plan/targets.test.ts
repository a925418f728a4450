/**
 * Where each side connects (--send-url, --recv-url), the password from the
 * environment, and --tag, as resolvePlan resolves them: pure, no broker.
 */
import { describe, expect, it } from 'vitest';
import { PlanError, redactPlan, resolvePlan, sideUrlIndex, type Plan, type PlanInput } from '../../src/plan/index.js';
import { planHash } from '../../src/plan/shards.js';
import { parseTags } from '../../src/plan/tags.js';
import { urlList, urlWithPassword } from '../../src/plan/targets.js';
import { parseAmqpUrl } from '../../src/plan/url.js';

const NOW = new Date('2026-12-07T15:00:00.000Z');

function plan(input: PlanInput): Plan {
  return resolvePlan({ runId: 'urls', now: NOW, ...input });
}

function rejects(input: PlanInput, message: string): void {
  expect(() => plan(input)).toThrow(PlanError);
  expect(() => plan(input)).toThrow(message);
}

const STRICT = (value: string) => ({ value, from: '--password-env PW', strict: true });
const FALLBACK = (value: string) => ({ value, from: 'SALVO_PASSWORD', strict: false });

describe('--send-url and --recv-url', () => {
  it('keep one URL for both sides when neither is given (no sides in the plan)', () => {
    const p = plan({ url: 'amqp://127.0.0.1:5672/q' });
    expect(p.sides).toBeUndefined();
    expect(p.address).toBe('q');
  });

  it('record each side, the URL argument filling the side not named, and the spread of connections', () => {
    const p = plan({
      url: 'amqp://127.0.0.1:5672/q',
      recvUrl: ['amqps://127.0.0.1:5671,amqp://127.0.0.1:6000'],
      receivers: 2,
      connections: 3,
    });
    expect(p.sides?.send.map((u) => [u.url, u.connections])).toEqual([['amqp://127.0.0.1:5672/q', 3]]);
    expect(p.sides?.receive.map((u) => [u.url, u.connections])).toEqual([
      ['amqps://127.0.0.1:5671', 3],
      ['amqp://127.0.0.1:6000', 3],
    ]);
    expect(p.sides?.receive[0].scheme).toBe('amqps');
    expect(p.address).toBe('q');
  });

  it('need no URL argument when both sides are named; the target is the first --send-url', () => {
    const p = plan({ sendUrl: 'amqp://10.0.0.1:5672/orders', recvUrl: 'amqp://10.0.0.2:5672' });
    expect(p.target).toMatchObject({ kind: 'url', host: '10.0.0.1' });
    expect(p.address).toBe('orders');
  });

  it('spread a side over its URLs round-robin, worker by worker, uneven counts to the first', () => {
    const p = plan({
      sendUrl: ['amqp://a:1', 'amqp://b:2', 'amqp://c:3'],
      recvUrl: 'amqp://d:4',
      senders: 2,
      connections: 2,
    });
    expect(p.sides?.send.map((u) => u.connections)).toEqual([2, 1, 1]);
    const taken = [0, 1].flatMap((worker) => [0, 1].map((c) => sideUrlIndex(worker, c, 2, 3)));
    expect(taken).toEqual([0, 1, 2, 0]);
  });

  it('refuse a side without a URL, more URLs than connections, and two addresses', () => {
    rejects({ recvUrl: 'amqp://a:1/q' }, '--recv-url needs --send-url or the URL argument for the sending side');
    rejects(
      { sendUrl: 'amqp://a:1/q,amqp://b:1/q', recvUrl: 'amqp://c:1/q' },
      '--send-url names 2 URLs but the sending side has 1 connection',
    );
    rejects(
      { sendUrl: 'amqp://a:1/one', recvUrl: 'amqp://b:1/two' },
      'every URL must name the same address or none: --send-url names "one", --recv-url "two"',
    );
  });

  it('need no receiving URL when the run has no receivers', () => {
    const p = plan({ sendUrl: 'amqp://a:1/q', receivers: 0 });
    expect(p.sides?.receive).toEqual([]);
  });

  it('refuse --faults: one proxy stands in front of one URL', () => {
    rejects(
      { sendUrl: 'amqp://a:1/q', recvUrl: 'amqp://b:1/q', faults: 'reset every 1s' },
      '--faults puts one proxy in front of one URL: not with --send-url/--recv-url',
    );
  });

  it('split a list at commas only before a scheme: a password may hold a comma', () => {
    expect(urlList(['amqp://u:p,w@a:1/q, amqps://b:2/q', 'amqp://c:3'])).toEqual([
      'amqp://u:p,w@a:1/q',
      'amqps://b:2/q',
      'amqp://c:3',
    ]);
  });
});

describe('passwords from the environment', () => {
  it('fill in every URL that names a user and no password, never one that has its own (SALVO_PASSWORD)', () => {
    const p = plan({
      sendUrl: 'amqp://alice@a:1/q',
      recvUrl: 'amqp://bob:own@b:1/q',
      password: FALLBACK('from-env'),
    });
    expect(p.sides?.send[0].password).toBe('from-env');
    expect(p.sides?.receive[0].password).toBe('own');
    expect(p.target).toMatchObject({ user: 'alice', password: 'from-env' });
  });

  it('leave a URL without a user alone (SALVO_PASSWORD is only a fallback)', () => {
    expect(plan({ url: 'amqp://a:1/q', password: FALLBACK('x') }).target).not.toHaveProperty('password');
  });

  it('--password-env refuses a URL with its own password, and URLs without a user', () => {
    rejects({ url: 'amqp://alice:own@a:1/q', password: STRICT('x') }, '--password-env PW and a password in URL');
    rejects({ url: 'amqp://a:1/q', password: STRICT('x') }, '--password-env PW needs a user in the URL');
    rejects({ password: STRICT('x') }, '--password-env PW needs a URL with a user, got no URL');
  });

  it('are never in the plan as printed or written, nor in the shards plan hash', () => {
    const input = { sendUrl: 'amqp://alice@a:1/q', recvUrl: 'amqp://alice@b:1/q' };
    const secret = 'the-secret-1';
    const redacted = redactPlan(plan({ ...input, password: STRICT(secret) }));
    expect(JSON.stringify(redacted)).not.toContain(secret);
    expect(planHash(plan({ ...input, password: STRICT(secret) }))).toBe(
      planHash(plan({ ...input, password: STRICT('other') })),
    );
  });
});

describe('urlWithPassword (salvo probe)', () => {
  it('writes the password in, percent-encoded, so that the URL parses back to it', () => {
    const url = urlWithPassword('amqp://alice@127.0.0.1:5672/q', STRICT('p@ss/w#1:%'));
    expect(parseAmqpUrl(url)).toMatchObject({ user: 'alice', password: 'p@ss/w#1:%', address: 'q', port: 5672 });
  });

  it('keeps a URL with its own password or without a user under SALVO_PASSWORD; --password-env refuses both', () => {
    expect(urlWithPassword('amqp://alice:own@h/q', FALLBACK('x'))).toBe('amqp://alice:own@h/q');
    expect(urlWithPassword('amqp://h/q', FALLBACK('x'))).toBe('amqp://h/q');
    expect(() => urlWithPassword('amqp://alice:own@h/q', STRICT('x'))).toThrow('and a password in URL');
    expect(() => urlWithPassword('amqp://h/q', STRICT('x'))).toThrow('needs a user in the URL');
  });
});

describe('--tag', () => {
  it('records labels sorted by key, from flags or a profile mapping', () => {
    expect(plan({ tag: ['cluster=eu-1', 'build = 7'] }).tags).toEqual({ build: '7', cluster: 'eu-1' });
    expect(Object.keys(parseTags({ z: 1, a: true }) ?? {})).toEqual(['a', 'z']);
    expect(plan({}).tags).toBeUndefined();
  });

  it('refuses a tag without =, a bad key and a key given twice', () => {
    rejects({ tag: ['cluster'] }, '--tag must be KEY=VALUE, got "cluster"');
    rejects({ tag: ['a b=1'] }, '--tag key must be letters');
    rejects({ tag: ['a=1', 'a=2'] }, '--tag a is given twice');
  });
});
