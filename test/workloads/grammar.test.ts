/**
 * The option grammars of slow consumers and body-size distributions: what
 * they accept, and the one line each mistake gets (through resolvePlan, as
 * the CLI shows it, and in a profile, at its line).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBodySize, RANGE_STEPS } from '../../src/plan/body-sizes.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';
import { loadProfile } from '../../src/plan/profile.js';

function plan(input: PlanInput) {
  return resolvePlan({ runId: 't', ...input });
}

function refusal(input: PlanInput): string {
  try {
    plan(input);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('--body-size', () => {
  it('keeps a fixed size as before: no distribution', () => {
    const p = plan({ bodySize: '1k' });
    expect(p.bodySize).toBe(1024);
    expect(p.bodySizes).toBeUndefined();
  });

  it('takes a range as evenly spaced sizes, both ends included, equal weights, seeded by --seed', () => {
    const p = plan({ bodySize: '100-10k', seed: '7' });
    expect(p.bodySizes?.sizes).toHaveLength(RANGE_STEPS);
    expect(p.bodySizes?.sizes[0]).toBe(100);
    expect(p.bodySizes?.sizes.at(-1)).toBe(10240);
    expect(new Set(p.bodySizes?.weights)).toEqual(new Set([1]));
    expect(p.bodySizes?.seed).toBe(7);
    // The plan's bodySize is the largest: what a broker's max message size must allow.
    expect(p.bodySize).toBe(10240);
  });

  it('takes a narrow range byte by byte', () => {
    expect(parseBodySize('10-12', 1e6)).toEqual({
      distribution: { kind: 'range', sizes: [10, 11, 12], weights: [1, 1, 1] },
    });
  });

  it('takes weighted sizes in the order given', () => {
    const p = plan({ bodySize: '100:80,10k:15,1m:5' });
    expect(p.bodySizes).toMatchObject({ kind: 'weighted', sizes: [100, 10240, 1048576], weights: [80, 15, 5] });
    expect(p.bodySize).toBe(1048576);
  });

  it.each([
    ['10k-100', 'a range goes from a smaller size to a larger one'],
    ['1k-2k-3k', 'each from 0 to 100MiB'],
    ['100:80,abc:20', 'each entry is SIZE:WEIGHT'],
    ['100:80,1k', 'each entry is SIZE:WEIGHT'],
    ['100:0,1k:5', 'a weight is a positive number, "0" is not'],
    ['100:x,1k:5', 'a weight is a positive number, "x" is not'],
    ['100:1,100:2', 'size 100 given twice'],
    ['100:1', 'weighted sizes need at least two entries'],
    ['1k-200m', 'each from 0 to 100MiB'],
  ])('%s: one line naming what is wrong', (given, why) => {
    const message = refusal({ bodySize: given });
    expect(message).toContain(`--body-size: expected a size (1k), a range (100-10k) or weighted sizes`);
    expect(message).toContain(why);
    expect(message).toContain(`got ${JSON.stringify(given)}`);
    expect(message).not.toContain('\n');
  });

  it('lets --seed alone go with a distribution (it seeds the sizes), not with a fixed size', () => {
    expect(plan({ bodySize: '1k-2k', seed: '3' }).bodySizes?.seed).toBe(3);
    expect(refusal({ bodySize: '1k', seed: '3' })).toMatch(/^--seed needs/);
  });

  it('refuses a distribution with --pattern rpc', () => {
    expect(refusal({ bodySize: '1k-2k', pattern: 'rpc' })).toContain('--pattern rpc sends one body size');
  });
});

describe('--recv-rate and --recv-delay', () => {
  it('resolve to a total rate and a delay in ms', () => {
    expect(plan({ recvRate: '1.5k', recvDelay: '5ms' })).toMatchObject({ recvRateHz: 1500, recvDelayMs: 5 });
    expect(plan({ recvDelay: '0.2s' }).recvDelayMs).toBe(200);
    const plain = plan({});
    expect(plain.recvRateHz).toBeUndefined();
    expect(plain.recvDelayMs).toBeUndefined();
  });

  it.each([
    [{ recvRate: '0' }, '--recv-rate must be a positive number of messages per second over all receivers'],
    [{ recvRate: 'fast' }, '--recv-rate must be a positive number'],
    [{ recvDelay: '0ms' }, '--recv-delay must be a duration from 1ms to 60s (e.g. 5ms, 0.2s), got "0ms"'],
    [{ recvDelay: '5m' }, '--recv-delay must be a duration from 1ms to 60s (e.g. 5ms, 0.2s), got "5m"'],
    [{ recvDelay: 'slow' }, '--recv-delay must be a duration from 1ms to 60s'],
    [{ recvRate: '100', receivers: '0' }, '--recv-rate needs receivers, got it with --receivers 0'],
    [{ recvDelay: '5ms', pattern: 'rpc' }, '--recv-delay paces receivers, got it with --pattern rpc'],
    [{ recvRate: '100', recvTxSize: '10' }, '--recv-rate cannot go with --recv-tx-size'],
  ] as [PlanInput, string][])('%j: one line', (input, start) => {
    const message = refusal(input);
    expect(message.startsWith(start), message).toBe(true);
    expect(message).not.toContain('\n');
  });
});

describe('profiles', () => {
  function profile(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-workloads-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, text);
    return file;
  }

  it('take recv-rate, recv-delay and a body-size distribution', () => {
    const input = loadProfile(profile('recv-rate: 500\nrecv-delay: 5ms\nbody-size: 100:80,10k:20\n'));
    expect(plan(input)).toMatchObject({ recvRateHz: 500, recvDelayMs: 5, bodySizes: { sizes: [100, 10240] } });
  });

  it("name a bad body-size at its line with the grammar's phrase", () => {
    const file = profile('rate: 100\nbody-size: 100:80,10k\n');
    expect(() => loadProfile(file)).toThrow(/p\.yaml:2:\d+: "body-size": .*each entry is SIZE:WEIGHT/);
  });

  it('name a bad recv-rate at its line', () => {
    const file = profile('recv-rate: none\n');
    expect(() => loadProfile(file)).toThrow(/p\.yaml:1:\d+: "recv-rate": expected a positive number/);
  });
});
