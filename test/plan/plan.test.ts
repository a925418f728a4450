import { describe, expect, it } from 'vitest';
import {
  defaultedAddressNote,
  MAX_BODY_SIZE_BYTES,
  PLAN_DEFAULTS,
  PlanError,
  newRunId,
  redactPlan,
  resolvePlan,
  splitEvenly,
  splitRate,
  type Plan,
  type PlanInput,
} from '../../src/plan/index.js';

const NOW = new Date('2026-11-26T21:30:00.000Z');

function plan(input: PlanInput = {}): Plan {
  return resolvePlan({ runId: 'test-run', now: NOW, ...input });
}

function rejects(input: PlanInput, message: string): void {
  expect(() => plan(input)).toThrow(PlanError);
  expect(() => plan(input)).toThrow(message);
}

describe('resolvePlan defaults', () => {
  it('fills in every default for an empty input', () => {
    expect(plan()).toEqual({
      runId: 'test-run',
      target: { kind: 'embedded' },
      address: 'salvo',
      addresses: ['salvo'],
      count: 100_000,
      durationMs: null,
      warmupMs: 0,
      senders: 1,
      receivers: 1,
      connections: 1,
      links: 1,
      bodySize: 100,
      durable: false,
      settle: 'at-least-once',
      credit: 1000,
      maxInFlight: 1000,
      rateHz: null,
      drainTimeoutMs: 10_000,
      foreign: 'accept',
      reconnect: null,
      outputDir: 'results/test-run',
      json: false,
      quiet: false,
    } satisfies Plan);
  });

  it('reconnects when asked, or when faults are injected, and bounds how long a connection may stay down', () => {
    expect(plan({}).reconnect).toBeNull();
    expect(plan({ reconnect: true }).reconnect).toEqual({ giveUpMs: 30_000 });
    expect(plan({ faults: 'reset every 1s' }).reconnect).toEqual({ giveUpMs: 30_000 });
    expect(plan({ faults: 'reset every 1s', reconnect: false }).reconnect).toBeNull();
    expect(plan({ reconnectGiveUp: '5s' }).reconnect).toEqual({ giveUpMs: 5_000 });
    expect(() => plan({ reconnect: false, reconnectGiveUp: '5s' })).toThrow(
      '--reconnect-give-up needs reconnecting, got it with --no-reconnect',
    );
    expect(() => plan({ reconnectGiveUp: 'soon' })).toThrow(/--reconnect-give-up/);
  });

  it('is plain JSON', () => {
    const p = plan({ url: 'amqp://u:p@h/q', duration: '1m', rate: '1k' });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('stamps a run id from the UTC time plus 4 hex digits', () => {
    expect(resolvePlan({ now: NOW }).runId).toMatch(/^20261126-213000-[0-9a-f]{4}$/);
    expect(newRunId(NOW, 'ab12')).toBe('20261126-213000-ab12');
    expect(resolvePlan({ now: NOW }).outputDir).toMatch(/^results\/20261126-213000-[0-9a-f]{4}$/);
  });

  it('drops the default count when a duration is given, and warms up for 10% up to 5 s', () => {
    expect(plan({ duration: '30s' })).toMatchObject({ count: null, durationMs: 30_000, warmupMs: 3_000 });
    expect(plan({ duration: '5m' })).toMatchObject({ warmupMs: 5_000 });
    expect(plan({ duration: '500ms' })).toMatchObject({ warmupMs: 50 });
  });

  it('keeps both count and duration when both are given', () => {
    expect(plan({ count: '1m', duration: '1h' })).toMatchObject({
      count: 1_000_000,
      durationMs: 3_600_000,
      warmupMs: 5_000,
    });
  });

  it('gives count-only runs no warm-up unless asked', () => {
    expect(plan({ count: '20k' }).warmupMs).toBe(0);
    expect(plan({ count: '20k', warmup: '2s' }).warmupMs).toBe(2_000);
    expect(plan({ duration: '10s', warmup: '0' }).warmupMs).toBe(0);
  });

  it('takes options with suffixes', () => {
    expect(
      plan({
        count: '1.5m',
        senders: '4',
        receivers: '0',
        connections: '2',
        links: '3',
        bodySize: '1k',
        credit: '10k',
        maxInFlight: '500',
        rate: '20k',
        drainTimeout: '30s',
        msgDurable: true,
        linkAtMostOnce: true,
        output: 'out/x',
        json: true,
        quiet: true,
      }),
    ).toMatchObject({
      count: 1_500_000,
      senders: 4,
      receivers: 0,
      connections: 2,
      links: 3,
      bodySize: 1024,
      credit: 10_000,
      maxInFlight: 500,
      rateHz: 20_000,
      drainTimeoutMs: 30_000,
      durable: true,
      settle: 'at-most-once',
      outputDir: 'out/x',
      json: true,
      quiet: true,
    });
  });

  it('takes numbers from a profile as well as strings', () => {
    expect(plan({ count: 500, duration: 10, bodySize: 0 })).toMatchObject({
      count: 500,
      durationMs: 10_000,
      bodySize: 0,
    });
  });

  it('accepts --link-at-least-once alone', () => {
    expect(plan({ linkAtLeastOnce: true }).settle).toBe('at-least-once');
  });

  it('exports the defaults it uses', () => {
    expect(PLAN_DEFAULTS.count).toBe(plan().count);
    expect(PLAN_DEFAULTS.credit).toBe(plan().credit);
  });
});

describe('resolvePlan targets and addresses', () => {
  it('takes the address from the URL and redacts the password in url', () => {
    expect(plan({ url: 'amqps://alice:s3cret@mq.example//queue/orders' })).toMatchObject({
      target: {
        kind: 'url',
        url: 'amqps://alice@mq.example//queue/orders',
        scheme: 'amqps',
        host: 'mq.example',
        port: 5671,
        user: 'alice',
        password: 's3cret',
      },
      address: '/queue/orders',
      addresses: ['/queue/orders'],
    });
  });

  it('uses the default address when the URL names none, and marks the target so', () => {
    const p = plan({ url: 'amqp://u:pw@127.0.0.1:5673' });
    expect(p).toMatchObject({
      target: { kind: 'url', url: 'amqp://u@127.0.0.1:5673', port: 5673, addressDefaulted: true },
      address: PLAN_DEFAULTS.address,
      addresses: [PLAN_DEFAULTS.address],
    });
    expect(defaultedAddressNote(p)).toBe('salvo (the URL named none)');
    expect(redactPlan(p).target).toHaveProperty('addressDefaulted', true);
    expect(plan({ url: 'amqp://h/q' }).target).not.toHaveProperty('addressDefaulted');
    expect(defaultedAddressNote(plan({ url: 'amqp://h/q' }))).toBeUndefined();
    expect(defaultedAddressNote(plan())).toBeUndefined();
  });

  it('numbers extra addresses after the first', () => {
    expect(plan({ addresses: '3' }).addresses).toEqual(['salvo', 'salvo-1', 'salvo-2']);
  });

  it('redactPlan removes the password and nothing else', () => {
    const p = plan({ url: 'amqp://alice:s3cret@h/q' });
    const redacted = redactPlan(p);
    expect(redacted.target).toEqual({
      kind: 'url',
      url: 'amqp://alice@h/q',
      scheme: 'amqp',
      host: 'h',
      port: 5672,
      user: 'alice',
    });
    expect(JSON.stringify(redacted)).not.toContain('s3cret');
    expect(p.target).toHaveProperty('password', 's3cret');
    expect(redactPlan(plan())).toEqual(plan());
  });
});

describe('resolvePlan errors', () => {
  it.each<[PlanInput, string]>([
    [{ count: '0' }, '--count must be a positive integer (k/m suffixes allowed), got "0"'],
    [{ count: '-5' }, '--count must be a positive integer (k/m suffixes allowed), got "-5"'],
    [{ count: 'lots' }, '--count must be a positive integer (k/m suffixes allowed), got "lots"'],
    [{ count: '1.5' }, '--count must be a positive integer (k/m suffixes allowed), got "1.5"'],
    [
      { duration: '0' },
      '--duration must be a positive duration (e.g. 30s, 500ms, 5m, 1h; a bare number is seconds), got "0"',
    ],
    [{ duration: 'forever' }, '--duration must be a positive duration'],
    [{ warmup: '-1s' }, '--warmup must be a duration (e.g. 30s, 500ms, 5m, 1h; a bare number is seconds), got "-1s"'],
    [{ duration: '5s', warmup: '10s' }, '--warmup must be shorter than --duration, got "10s" with --duration "5s"'],
    [{ duration: '5s', warmup: '5s' }, '--warmup must be shorter than --duration, got "5s" with --duration "5s"'],
    [{ rate: '0' }, '--rate must be a positive number of messages per second (k/m suffixes allowed), got "0"'],
    [{ rate: '-10' }, '--rate must be a positive number of messages per second (k/m suffixes allowed), got "-10"'],
    [{ senders: '0', receivers: '0' }, '--senders and --receivers cannot both be 0, got "0" and "0"'],
    [{ senders: '-1' }, '--senders must be a non-negative integer (k/m suffixes allowed), got "-1"'],
    [{ receivers: 'x' }, '--receivers must be a non-negative integer (k/m suffixes allowed), got "x"'],
    [{ connections: '0' }, '--connections must be a positive integer (k/m suffixes allowed), got "0"'],
    [{ links: '0' }, '--links must be a positive integer (k/m suffixes allowed), got "0"'],
    [{ addresses: '0' }, '--addresses must be a positive integer (k/m suffixes allowed), got "0"'],
    [{ credit: '0' }, '--credit must be a positive integer (k/m suffixes allowed), got "0"'],
    [{ maxInFlight: '0' }, '--max-in-flight must be a positive integer (k/m suffixes allowed), got "0"'],
    [
      { bodySize: '-1' },
      '--body-size: expected a size (1k), a range (100-10k) or weighted sizes (100:80,10k:15,1m:5), each from 0 to 100MiB (k = KiB, m = MiB), got "-1"',
    ],
    [
      { bodySize: '101m' },
      '--body-size: expected a size (1k), a range (100-10k) or weighted sizes (100:80,10k:15,1m:5), each from 0 to 100MiB (k = KiB, m = MiB), got "101m"',
    ],
    [{ drainTimeout: 'never' }, '--drain-timeout must be a duration'],
    [
      { linkAtLeastOnce: true, linkAtMostOnce: true },
      '--link-at-least-once and --link-at-most-once cannot both be given, got both',
    ],
    [{ url: 'http://h/q' }, 'URL must start with amqp:// or amqps://'],
    [{ url: 'amqp://h:70000/q' }, 'URL port must be an integer from 1 to 65535, got "amqp://h:70000/q"'],
    [{ url: 'amqp://:5672/q' }, 'URL must name a host'],
    [{ runId: '../etc' }, "--run-id must be letters, digits, '.', '_' or '-' (it names a folder), got \"../etc\""],
  ])('%j', (input, message) => {
    rejects(input, message);
  });

  it('allows the largest body size', () => {
    expect(plan({ bodySize: '100MiB' }).bodySize).toBe(MAX_BODY_SIZE_BYTES);
  });

  it('gives one-line messages', () => {
    expect.assertions(3);
    try {
      plan({ count: 'x\ny' });
    } catch (e) {
      expect(e).toBeInstanceOf(PlanError);
      expect((e as PlanError).code).toBe('usage');
      expect((e as PlanError).message).not.toContain('\n');
    }
  });
});

describe('splitEvenly', () => {
  it('gives the remainder to the first parts', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitEvenly(9, 3)).toEqual([3, 3, 3]);
    expect(splitEvenly(0, 2)).toEqual([0, 0]);
  });

  it('always sums to the total, parts differing by at most one', () => {
    for (let total = 0; total < 50; total++) {
      for (let parts = 1; parts < 9; parts++) {
        const split = splitEvenly(total, parts);
        expect(split).toHaveLength(parts);
        expect(split.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...split) - Math.min(...split)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('rejects nonsense', () => {
    expect(() => splitEvenly(10, 0)).toThrow(RangeError);
    expect(() => splitEvenly(-1, 2)).toThrow(RangeError);
    expect(() => splitEvenly(1.5, 2)).toThrow(RangeError);
  });
});

describe('splitRate', () => {
  it('gives equal shares', () => {
    expect(splitRate(1000, 4)).toEqual([250, 250, 250, 250]);
    expect(splitRate(10, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(10, 9);
    expect(() => splitRate(0, 2)).toThrow(RangeError);
    expect(() => splitRate(10, 0)).toThrow(RangeError);
  });
});
