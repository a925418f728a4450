import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';
import type { Clock } from '../../src/timing/clock.js';
import {
  DrainPolicy,
  drainRules,
  stuckAfterMs,
  type DrainRules,
  type ProgressTotals,
} from '../../src/coordinator/drain-policy.js';
import { resolvePlan } from '../../src/plan/index.js';

describe('stuckAfterMs', () => {
  it('is the drain timeout, closed loop or open loop, when sends are due more often', () => {
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s' }))).toBe(1000);
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', rate: 100 }))).toBe(1000);
  });

  it('gives a blackhole its length on top: a run held on purpose is not stuck', () => {
    const faults = 'blackhole 3s at 1s; blackhole 5s every 20s';
    const faulted = resolvePlan({ runId: 't', drainTimeout: '1s', faults, duration: '60s' });
    expect(stuckAfterMs(faulted)).toBe(6000);
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', faults: 'latency 5ms' }))).toBe(1000);
  });

  it('waits two gaps of a slow schedule, so that a link between due sends is not taken for stuck', () => {
    // 0.5 msg/s over 2 links: each link sends every 4 s.
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', rate: 0.5, links: 2 }))).toBe(8000);
  });
});

describe('drainRules', () => {
  it('counts distinct arrivals with the ledger, matching ones with a selector, all receipts without', () => {
    const plain = resolvePlan({ runId: 't' });
    expect(drainRules(plain, true)).toMatchObject({ arrivalField: 'fresh', owed: { field: 'accepted' } });
    expect(drainRules(plain, false)).toMatchObject({ arrivalField: 'received', owed: { field: 'accepted' } });
    const selection = { msgProperty: ['colour=choice(red,green)'], recvSelector: "colour = 'green'" };
    const selecting = resolvePlan({ runId: 't', ...selection });
    expect(drainRules(selecting, true)).toMatchObject({ arrivalField: 'selected', owed: { field: 'matching' } });
    const atMostOnce = resolvePlan({ runId: 't', linkAtMostOnce: true });
    expect(drainRules(atMostOnce, true)).toMatchObject({ owed: { field: 'sent' }, sentIsBound: true });
    expect(drainRules(plain, true)).toMatchObject({ sentIsBound: false, slowConsumerBoundMs: null });
    const slow = resolvePlan({ runId: 't', recvDelay: '5ms', drainTimeout: '4s' });
    expect(drainRules(slow, true)).toMatchObject({ slowConsumerBoundMs: 4000 });
  });

  it('receive-only: owes --count, ends at --duration', () => {
    expect(drainRules(resolvePlan({ runId: 't', senders: '0', count: '50' }), true)).toMatchObject({
      arrivalField: 'received',
      owed: { count: 50 },
      receiveOnlyForMs: null,
    });
    const timed = resolvePlan({ runId: 't', senders: '0', duration: '3s' });
    expect(drainRules(timed, true)).toMatchObject({ receiveOnlyForMs: 3000 });
  });
});

/** A clock moved by hand, in ms for readability; the policy reads µs. */
class HandClock implements Clock {
  private us = 1_000_000_000;
  nowUs(): number {
    return this.us;
  }
  advance(ms: number): void {
    this.us += ms * 1000;
  }
}

const START_US = 1_000_000_000;

function rules(overrides: Partial<DrainRules> = {}): DrainRules {
  return {
    stuckMs: 1000,
    drainTimeoutMs: 2000,
    senders: 1,
    receivers: 1,
    arrivalField: 'fresh',
    owed: { field: 'accepted' },
    ghostsPossible: false,
    receiveOnlyForMs: null,
    untilQuiet: false,
    sentIsBound: false,
    slowConsumerBoundMs: null,
    ...overrides,
  };
}

function totals(values: Partial<ProgressTotals> = {}): ProgressTotals {
  return { sent: 0, settled: 0, accepted: 0, matching: 0, received: 0, fresh: 0, selected: 0, down: 0, ...values };
}

describe('DrainPolicy while senders send', () => {
  it('keeps waiting while sends or outcomes move, however slowly', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    for (let i = 1; i <= 10; i++) {
      clock.advance(900);
      expect(policy.whileSending(totals({ sent: i, settled: i }))).toEqual({ kind: 'sending' });
    }
  });

  it('calls the run stalled after stuckMs without a send or an outcome, nothing outstanding', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    expect(policy.whileSending(totals({ sent: 5, settled: 5 })).kind).toBe('sending');
    clock.advance(1000);
    expect(policy.whileSending(totals({ sent: 5, settled: 5 })).kind).toBe('sending');
    clock.advance(1);
    const decision = policy.whileSending(totals({ sent: 5, settled: 5 }));
    expect(decision.kind).toBe('stalled');
    if (decision.kind !== 'stalled') return;
    expect(decision.error.code).toBe('refused');
    const why = 'no progress for 1 s: the broker grants no credit or settles nothing (sent 5, settled 5)';
    expect(decision.error.message).toBe(why);
  });

  it("gives outstanding outcomes the senders' own bound (two stuckMs) plus a second", () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.whileSending(totals({ sent: 5, settled: 3 }));
    clock.advance(3000);
    expect(policy.whileSending(totals({ sent: 5, settled: 3 })).kind).toBe('sending');
    clock.advance(1);
    expect(policy.whileSending(totals({ sent: 5, settled: 3 })).kind).toBe('stalled');
  });

  it('stops the stall clock while a connection is down: reconnecting is not a stall', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.whileSending(totals({ sent: 5, settled: 5 }));
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      expect(policy.whileSending(totals({ sent: 5, settled: 5, down: 1 })).kind).toBe('sending');
    }
    // Back up: the clock runs again from here.
    clock.advance(900);
    expect(policy.whileSending(totals({ sent: 5, settled: 5 })).kind).toBe('sending');
    clock.advance(200);
    expect(policy.whileSending(totals({ sent: 5, settled: 5 })).kind).toBe('stalled');
  });

  it('counts every receipt while senders send (what the progress line shows)', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.whileSending(totals({ sent: 9, settled: 9, received: 7, fresh: 6 }));
    expect(policy.arrived).toBe(7);
  });
});

describe('DrainPolicy once senders are done', () => {
  it('slow consumers: ends at the bound however steadily messages still arrive, naming the backlog left', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ slowConsumerBoundMs: 2000 }), clock, START_US);
    policy.beginDrain(totals({ accepted: 1000, fresh: 100, received: 100 }));
    // Arrivals every 500 ms: a quiet-period drain would never end.
    for (let fresh = 150; fresh <= 300; fresh += 50) {
      clock.advance(500);
      expect(policy.whileDraining(totals({ fresh, received: fresh })).kind).toBe('waiting');
    }
    clock.advance(1);
    const decision = policy.whileDraining(totals({ fresh: 310, received: 310 }));
    expect(decision).toMatchObject({ kind: 'timed-out', undrained: 690 });
    expect(decision.kind === 'timed-out' && decision.problem).toMatch(
      /^backlog not drained: 690 messages .*not judged lost/,
    );
  });

  it('slow consumers that catch up within the bound: drained, no backlog left', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ slowConsumerBoundMs: 2000 }), clock, START_US);
    policy.beginDrain(totals({ accepted: 10, fresh: 4, received: 4 }));
    clock.advance(1500);
    expect(policy.whileDraining(totals({ fresh: 10, received: 10 }))).toEqual({ kind: 'drained' });
  });

  it('is drained when distinct arrivals reach what was accepted', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.beginDrain(totals({ sent: 10, accepted: 10, fresh: 4, received: 4 }));
    expect(policy.whileDraining(totals({ accepted: 10, fresh: 4, received: 4 }))).toEqual({ kind: 'waiting' });
    expect(policy.arrived).toBe(4);
    clock.advance(100);
    expect(policy.whileDraining(totals({ accepted: 10, fresh: 10, received: 12 }))).toEqual({ kind: 'drained' });
  });

  it("holds the owed count from the drain's start", () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    // A later reading of accepted does not move what is owed.
    expect(policy.whileDraining(totals({ accepted: 20, fresh: 10, received: 10 })).kind).toBe('drained');
  });

  it('times out after drainTimeoutMs without an arrival, naming how many are missing', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    clock.advance(1500);
    expect(policy.whileDraining(totals({ fresh: 7, received: 7 })).kind).toBe('waiting');
    // An arrival resets the drain clock.
    clock.advance(2000);
    expect(policy.whileDraining(totals({ fresh: 7, received: 7 })).kind).toBe('waiting');
    clock.advance(1);
    expect(policy.whileDraining(totals({ fresh: 7, received: 7 }))).toEqual({
      kind: 'timed-out',
      problem: 'drain timeout: 3 messages did not arrive within 2 s',
    });
  });

  it('at-most-once: messages lost in flight never come, so a quiet moment with every connection up ends it, no problem', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ owed: { field: 'sent' }, sentIsBound: true }), clock, START_US);
    policy.beginDrain(totals({ sent: 10 }));
    expect(policy.whileDraining(totals({ sent: 10, fresh: 7, received: 7 })).kind).toBe('waiting');
    clock.advance(1999);
    expect(policy.whileDraining(totals({ sent: 10, fresh: 7, received: 7 })).kind).toBe('waiting');
    clock.advance(1);
    expect(policy.whileDraining(totals({ sent: 10, fresh: 7, received: 7 }))).toEqual({ kind: 'drained' });
  });

  it('at-most-once: never ends while a connection is down, and counts the quiet again once all are up', () => {
    const clock = new HandClock();
    const atMostOnce = rules({ owed: { field: 'sent' }, sentIsBound: true, drainTimeoutMs: 10_000 });
    const policy = new DrainPolicy(atMostOnce, clock, START_US);
    policy.beginDrain(totals({ sent: 10 }));
    policy.whileDraining(totals({ fresh: 7, down: 1 }));
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      expect(policy.whileDraining(totals({ fresh: 7, down: 1 })).kind).toBe('waiting');
    }
    clock.advance(1000);
    expect(policy.whileDraining(totals({ fresh: 7 })).kind).toBe('waiting');
    clock.advance(1000);
    expect(policy.whileDraining(totals({ fresh: 7 })).kind).toBe('drained');
  });

  it('--msg-ttl: what expired never comes, so a quiet moment with every connection up ends it', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ ttlBound: true, drainTimeoutMs: 10_000 }), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    expect(policy.whileDraining(totals({ fresh: 7 })).kind).toBe('waiting');
    clock.advance(1999);
    expect(policy.whileDraining(totals({ fresh: 7 })).kind).toBe('waiting');
    clock.advance(1);
    expect(policy.whileDraining(totals({ fresh: 7 }))).toEqual({ kind: 'drained' });
  });

  it("--recv-start-after: the quiet counts from the receivers' late start, not from the drain", () => {
    const clock = new HandClock();
    const late = rules({ ttlBound: true, recvStartAfterMs: 5_000, drainTimeoutMs: 10_000 });
    const policy = new DrainPolicy(late, clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    clock.advance(6_000);
    expect(policy.whileDraining(totals({ fresh: 0 })).kind).toBe('waiting');
    clock.advance(1_500);
    expect(policy.whileDraining(totals({ fresh: 0 })).kind).toBe('drained');
  });

  it('at-least-once keeps its debt: the same quiet moment is not the end', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    clock.advance(2000);
    expect(policy.whileDraining(totals({ fresh: 7 })).kind).toBe('waiting');
  });

  it('stops the drain clock while a connection is down', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules(), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    policy.whileDraining(totals({ down: 1 }));
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      expect(policy.whileDraining(totals({ down: 1 })).kind).toBe('waiting');
    }
    clock.advance(2001);
    expect(policy.whileDraining(totals()).kind).toBe('timed-out');
  });

  it('with several receivers and duplicates, waits for a quiet second before ending at the count', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ receivers: 2 }), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    // 10 distinct counted, 11 received: one may have been counted by both workers.
    expect(policy.whileDraining(totals({ fresh: 10, received: 11 })).kind).toBe('waiting');
    clock.advance(999);
    expect(policy.whileDraining(totals({ fresh: 10, received: 11 })).kind).toBe('waiting');
    clock.advance(1);
    expect(policy.whileDraining(totals({ fresh: 10, received: 11 })).kind).toBe('drained');
  });

  it('with several receivers and no duplicate, ends at the count at once', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ receivers: 2 }), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    expect(policy.whileDraining(totals({ fresh: 10, received: 10 })).kind).toBe('drained');
  });

  it('with transactions, a ghost may be fresh: always waits for the quiet moment', () => {
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ ghostsPossible: true }), clock, START_US);
    policy.beginDrain(totals({ accepted: 10 }));
    expect(policy.whileDraining(totals({ fresh: 10, received: 10 })).kind).toBe('waiting');
    clock.advance(1000);
    expect(policy.whileDraining(totals({ fresh: 10, received: 10 })).kind).toBe('drained');
  });

  it('receive-only: drained at --count; timed out without a problem, since nothing was owed', () => {
    const clock = new HandClock();
    const receiving = { senders: 0, arrivalField: 'received' } as const;
    const counted = new DrainPolicy(rules({ ...receiving, owed: { count: 5 } }), clock, START_US);
    counted.beginDrain(totals());
    expect(counted.whileDraining(totals({ received: 5 })).kind).toBe('drained');
    const open = new DrainPolicy(rules({ ...receiving, owed: { count: null } }), clock, START_US);
    open.beginDrain(totals());
    clock.advance(2001);
    expect(open.whileDraining(totals())).toEqual({ kind: 'timed-out' });
  });

  it("a shard: drains past its own senders' count until arrivals are quiet, and ends so without a problem", () => {
    const sharded = resolvePlan({ runId: 't', url: 'amqp://127.0.0.1:5672/q', senders: '2' });
    const rulesOfShard = drainRules(
      { ...sharded, shards: { count: 2, index: 0, meet: { kind: 'start-at', epochMs: 0 }, timeoutMs: 1000 } },
      true,
    );
    expect(rulesOfShard).toMatchObject({ owed: { count: null }, untilQuiet: true });
    const clock = new HandClock();
    const policy = new DrainPolicy(rulesOfShard, clock, START_US);
    policy.beginDrain(totals({ accepted: 5 }));
    clock.advance(500);
    // More than its own senders got accepted: another shard's messages; still waiting.
    expect(policy.whileDraining(totals({ accepted: 5, fresh: 8 })).kind).toBe('waiting');
    clock.advance(rulesOfShard.drainTimeoutMs + 1);
    expect(policy.whileDraining(totals({ accepted: 5, fresh: 8 }))).toEqual({ kind: 'timed-out' });
  });

  it('receive-only with --duration: drained at the start plus the duration', () => {
    const clock = new HandClock();
    const receiving = { senders: 0, arrivalField: 'received', owed: { count: null }, receiveOnlyForMs: 3000 } as const;
    const policy = new DrainPolicy(rules(receiving), clock, START_US);
    policy.beginDrain(totals());
    for (let i = 0; i < 29; i++) {
      clock.advance(100);
      expect(policy.whileDraining(totals({ received: i + 1 })).kind).toBe('waiting');
    }
    clock.advance(100);
    expect(policy.whileDraining(totals({ received: 99 })).kind).toBe('drained');
  });
});

describe('an at-most-once run whose broker drops messages, through the CLI', () => {
  it('ends its drain without a drain-timeout problem, the losses reported and allowed (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-drain-'));
    // A drain time-out past the test's bound: waiting it out fails the test rather than passing slowly.
    const args = ['run', '-c', '3000', '--link-at-most-once', '--broker-chaos', 'drop=0.02', '--seed', '5'];
    const run = await runCli([...args, '--drain-timeout', '120s', '--quiet', '--output', dir], 60_000);
    expect(run.signal, run.stderr).toBeNull();
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    const dropped = result.brokerChaos?.dropped ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ mode: 'at-most-once', ok: true, lost: dropped, duplicated: 0 });
    expect(result.problems).not.toContainEqual(expect.stringMatching(/drain timeout/));
    expect(run.code, run.stderr).toBe(0);
  }, 70_000);
});

describe('DrainPolicy with --subscriptions', () => {
  it('owes every accepted message once per subscription: drained only when all of them arrived', () => {
    expect(drainRules(resolvePlan({ runId: 't', receivers: '4', subscriptions: '4' }), true).fanOut).toBe(4);
    const clock = new HandClock();
    const policy = new DrainPolicy(rules({ fanOut: 4 }), clock, START_US);
    policy.beginDrain(totals({ sent: 10, settled: 10, accepted: 10 }));
    clock.advance(100);
    expect(policy.whileDraining(totals({ accepted: 10, received: 10, fresh: 10 }))).toEqual({ kind: 'waiting' });
    clock.advance(100);
    expect(policy.whileDraining(totals({ accepted: 10, received: 40, fresh: 40 }))).toEqual({ kind: 'drained' });
  });
});
