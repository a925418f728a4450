/**
 * --subscriptions and --durable-subscriptions as a plan: receiver links dealt
 * to subscriptions in turn, the shipped profile, and the refusals in one line.
 */
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/plan/profile.js';
import { resolvePlan } from '../../src/plan/plan.js';
import { subscriptionOfLink } from '../../src/plan/topic-options.js';
import { shapeWorkers } from '../../src/coordinator/worker-shapes.js';
import { ROOT } from '../helpers/paths.js';

describe('topic plan', () => {
  it('--receivers 8 --subscriptions 4: each subscription gets two of the receiver links', () => {
    const plan = resolvePlan({ receivers: '8', subscriptions: '4', durableSubscriptions: true });
    expect(plan.topic).toEqual({ subscriptions: 4, durable: true });
    const receivers = shapeWorkers(plan).filter((s) => s.role === 'receiver');
    const bySubscription = receivers.flatMap((s) => s.connections.flat().map((link) => link.subscription));
    expect(bySubscription).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(shapeWorkers(plan).find((s) => s.role === 'sender')?.connections[0][0].subscription).toBeUndefined();
  });

  it('deals links in turn, so counts that do not divide still give every subscription one', () => {
    expect([0, 1, 2, 3, 4].map((link) => subscriptionOfLink(link, 3))).toEqual([0, 1, 2, 0, 1]);
  });

  it('profiles/topic-1-to-8.yaml resolves to 8 subscriptions of one consumer each', () => {
    const plan = resolvePlan(loadProfile(`${ROOT}/profiles/topic-1-to-8.yaml`));
    expect(plan).toMatchObject({ senders: 1, receivers: 8, topic: { subscriptions: 8, durable: false } });
  });

  it('refuses in one line what it cannot run', () => {
    expect(() => resolvePlan({ receivers: '2', subscriptions: '3' })).toThrow(
      '--subscriptions 3 needs at least one receiver link each; receivers x connections x links gives 2',
    );
    expect(() => resolvePlan({ subscriptions: '0' })).toThrow('--subscriptions must be a whole number from 1 to');
    expect(() => resolvePlan({ durableSubscriptions: true })).toThrow(
      '--durable-subscriptions needs --subscriptions N',
    );
    expect(() => resolvePlan({ subscriptions: '1', pattern: 'rpc' })).toThrow(
      '--subscriptions cannot be combined with --pattern rpc',
    );
  });
});
