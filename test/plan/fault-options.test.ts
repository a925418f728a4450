import { describe, expect, it } from 'vitest';
import { CLOSED_LOOP_FAULT_HORIZON_MS, PlanError, resolvePlan } from '../../src/plan/index.js';
import { parseProfile } from '../../src/plan/profile.js';

function planError(input: Parameters<typeof resolvePlan>[0]): string {
  try {
    resolvePlan(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    return (error as Error).message;
  }
  throw new Error('expected a PlanError');
}

describe('plan: --faults, --seed, --restart-command', () => {
  it('parses the spec into the plan with the seed (shared with --broker-chaos)', () => {
    const plan = resolvePlan({ duration: '20s', faults: 'reset every 2s; latency 5ms', seed: '7' });
    expect(plan.faults).toMatchObject({ seed: 7, horizonMs: 20_000, spec: { text: 'reset every 2s; latency 5ms' } });
    expect(plan.faults?.spec.timed).toHaveLength(1);
    expect(
      resolvePlan({ count: '10', brokerChaos: 'drop=0.1', faults: 'reset at 1s', seed: '9' }).brokerChaos?.seed,
    ).toBe(9);
    expect(resolvePlan({ count: '10' }).faults).toBeUndefined();
  });

  it("draws a count run's faults over a generous bound: open loop from count / rate, closed loop 10 minutes", () => {
    // 1 s warm-up + 2 x (1000 at 100/s = 10 s) + 3 s drain timeout.
    expect(
      resolvePlan({ count: '1000', rate: '100', warmup: '1s', drainTimeout: '3s', faults: 'reset every 1s' }).faults
        ?.horizonMs,
    ).toBe(24_000);
    expect(resolvePlan({ count: '1000', faults: 'reset every 1s' }).faults?.horizonMs).toBe(
      CLOSED_LOOP_FAULT_HORIZON_MS,
    );
  });

  it('refuses, in one line: a bad spec, too many events, --seed alone, restart without a way to restart', () => {
    expect(planError({ faults: 'reset evry 2s' })).toBe(
      '--faults "reset evry 2s": expected "every", "at" or "random" after "reset", got "evry"',
    );
    expect(planError({ duration: '1h', faults: 'reset every 100ms' })).toMatch(
      /^--faults "reset every 100ms": more than 10000 fault events/,
    );
    expect(planError({ seed: '3' })).toBe(
      '--seed needs --broker-chaos, --faults, --tx-rollback-ratio or --recv-tx-rollback-ratio, got --seed "3" alone',
    );
    expect(planError({ faults: 'reset at 1s', seed: '-1' })).toMatch(/^--seed must be an integer/);
    expect(planError({ url: 'amqp://127.0.0.1:5673/q', faults: 'broker-restart at 5s' })).toBe(
      '--faults "broker-restart at 5s": broker-restart against an external broker needs --restart-command (how salvo restarts it)',
    );
    expect(planError({ restartCommand: 'true' })).toMatch(/^--restart-command needs --faults/);
    expect(planError({ faults: 'broker-restart at 5s', restartCommand: 'true' })).toMatch(
      /^--restart-command is for an external broker/,
    );
    expect(planError({ url: 'amqp://127.0.0.1:5673/q', faults: 'reset at 5s', restartCommand: 'true' })).toMatch(
      /^--restart-command needs a broker-restart fault/,
    );
    expect(
      resolvePlan({
        url: 'amqp://127.0.0.1:5673/q',
        faults: 'broker-restart at 5s',
        restartCommand: 'bash scripts/brokers/artemis.sh restart',
      }).faults?.restartCommand,
    ).toBe('bash scripts/brokers/artemis.sh restart');
  });

  it('takes faults, seed and restart-command from a profile', () => {
    const input = parseProfile(
      'faults: reset every 2s\nseed: 5\nrestart-command: ./restart.sh\nduration: 30s\n',
      'p.yaml',
    );
    expect(input).toMatchObject({ faults: 'reset every 2s', seed: 5, restartCommand: './restart.sh' });
  });
});
