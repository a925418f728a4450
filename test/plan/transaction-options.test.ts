import { describe, expect, it } from 'vitest';
import { resolvePlan } from '../../src/plan/index.js';
import { parseProfile } from '../../src/plan/profile.js';

describe('transaction options', () => {
  it('resolve with defaults: commit, no rollbacks, seed 1', () => {
    const plan = resolvePlan({ txSize: '10', recvTxSize: 5 });
    expect(plan.transactions).toEqual({ size: 10, action: 'commit', rollbackRatio: 0, seed: 1 });
    expect(plan.recvTransactions).toEqual({ size: 5, action: 'commit', rollbackRatio: 0, seed: 1 });
  });

  it('--seed serves the rollback ratio, without --broker-chaos', () => {
    expect(resolvePlan({ txSize: 10, txRollbackRatio: '0.25', seed: '9' }).transactions).toEqual({
      size: 10,
      action: 'commit',
      rollbackRatio: 0.25,
      seed: 9,
    });
    expect(() => resolvePlan({ seed: '9' })).toThrow(
      '--seed needs --broker-chaos, --faults, --tx-rollback-ratio or --recv-tx-rollback-ratio, got --seed "9" alone',
    );
  });

  it('are absent from the plan when not asked for', () => {
    const plan = resolvePlan({});
    expect(plan.transactions).toBeUndefined();
    expect(plan.recvTransactions).toBeUndefined();
  });

  it('come from a profile under their flag names', () => {
    const input = parseProfile(
      'tx-size: 10\ntx-rollback-ratio: 0.2\nrecv-tx-size: 5\nrecv-tx-action: commit\nseed: 4\n',
      'p.yaml',
    );
    expect(resolvePlan(input)).toMatchObject({
      transactions: { size: 10, rollbackRatio: 0.2, seed: 4 },
      recvTransactions: { size: 5, action: 'commit' },
    });
  });

  it('reject what cannot run, naming the option', () => {
    expect(() => resolvePlan({ txSize: '1.5' })).toThrow('--tx-size must be an integer from 1 to 1000000');
    expect(() => resolvePlan({ txSize: 10, senders: 0 })).toThrow('--tx-size needs --senders above 0, got --senders 0');
    expect(() => resolvePlan({ recvTxSize: 10, recvTxAction: 'undo' })).toThrow(
      '--recv-tx-action must be commit or rollback, got "undo"',
    );
    expect(() => resolvePlan({ recvTxSize: 10, recvTxRollbackRatio: 'much' })).toThrow(
      '--recv-tx-rollback-ratio must be a share from 0 to 1',
    );
  });
});
