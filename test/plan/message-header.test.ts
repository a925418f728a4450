/** --msg-ttl, --msg-priority and --recv-start-after: what the plan takes, and one line for what it refuses. */
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/plan/profile.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';

const plan = (input: PlanInput) => resolvePlan({ runId: 'x', ...input });

describe('message header options', () => {
  it('takes a ttl, a constant or a choice of priorities (seeded), and a late start', () => {
    expect(plan({ msgTtl: '500ms' }).msgTtlMs).toBe(500);
    expect(plan({ msgTtl: '2s' }).msgTtlMs).toBe(2000);
    expect(plan({ msgPriority: '7' }).msgPriority).toEqual({ values: [7], seed: 1 });
    expect(plan({ msgPriority: '0, 4,9', seed: 5 }).msgPriority).toEqual({ values: [0, 4, 9], seed: 5 });
    expect(plan({ recvStartAfter: '3s' }).recvStartAfterMs).toBe(3000);
    expect(plan({})).not.toHaveProperty('msgTtlMs');
    expect(plan({})).not.toHaveProperty('msgPriority');
    expect(plan({ recvStartAfter: '0s' })).not.toHaveProperty('recvStartAfterMs');
  });

  it.each([
    [{ msgTtl: '0ms' }, '--msg-ttl must be a time from 1ms'],
    [{ msgTtl: 'soon' }, '--msg-ttl must be a time from 1ms'],
    [{ msgTtl: '5000000000ms' }, '--msg-ttl must be a time from 1ms to 4294967295ms'],
    [{ msgPriority: '10' }, '--msg-priority must be a priority from 0 to 9 or a choice of them (0,4,9), got "10"'],
    [{ msgPriority: 'high' }, '--msg-priority must be a priority from 0 to 9'],
    [{ msgPriority: '1,,2' }, '--msg-priority must be a priority from 0 to 9'],
    [{ msgPriority: '4,4' }, '--msg-priority names a value twice, got "4,4"'],
    [{ recvStartAfter: 'later' }, '--recv-start-after must be a duration'],
    // Options that would be silently left out of a run: refused in one line instead.
    [{ msgTtl: '1s', pattern: 'rpc' }, '--msg-ttl is for one-way runs, got it with --pattern rpc'],
    [{ msgPriority: '4', pattern: 'rpc' }, '--msg-priority is for one-way runs, got it with --pattern rpc'],
    [{ recvStartAfter: '1s', pattern: 'rpc' }, '--recv-start-after is for one-way runs, got it with --pattern rpc'],
    [{ recvStartAfter: '1s', receivers: 0 }, '--recv-start-after needs receivers, got it with --receivers 0'],
    [{ msgTtl: '1s', recvTxSize: 10 }, '--msg-ttl cannot be combined with --recv-tx-size yet, got both'],
  ])('refuses %j', (input, message) => {
    expect(() => plan(input)).toThrow(message);
  });

  it('--seed is taken with a priority choice', () => {
    expect(() => plan({ msgPriority: '1,2', seed: 3 })).not.toThrow();
  });

  it('profiles take msg-ttl, msg-priority and recv-start-after, and say which line is wrong', () => {
    const input = parseProfile('msg-ttl: 750ms\nmsg-priority: "0,9"\nrecv-start-after: 2s\n', 'p.yaml');
    expect(plan(input)).toMatchObject({ msgTtlMs: 750, msgPriority: { values: [0, 9] }, recvStartAfterMs: 2000 });
    expect(plan(parseProfile('msg-priority: 4\n', 'p.yaml')).msgPriority?.values).toEqual([4]);
    expect(() => parseProfile('count: 5\nmsg-priority: urgent\n', 'p.yaml')).toThrow(
      /p\.yaml:2:\d+: "msg-priority": expected a priority from 0 to 9 or a choice such as "0,4,9"/,
    );
    expect(() => parseProfile('msg-ttl: [1]\n', 'p.yaml')).toThrow(/"msg-ttl": expected a duration/);
  });
});
