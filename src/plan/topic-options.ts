/**
 * --subscriptions N and --durable-subscriptions: receivers attach as N
 * independent subscriptions of one multicast address (a topic), each message
 * going to every subscription. The run's receiver links are dealt to the
 * subscriptions in turn (link i to subscription i mod N), so `--receivers 8
 * --subscriptions 4` gives 4 subscriptions of 2 competing consumers each: no
 * new count to learn, and each subscription needs at least one link.
 * docs/topics.md says how each broker is asked.
 */
import { PlanError } from './errors.js';
import type { RawNumber } from './units.js';

export interface TopicInput {
  subscriptions?: RawNumber;
  durableSubscriptions?: boolean;
}

export interface TopicPlan {
  /** Independent subscriptions, each of which must get every accepted message. */
  subscriptions: number;
  /** Subscriptions outlive their consumers' detach (terminus durable, expiry never): a reconnect resumes them. */
  durable: boolean;
}

export interface TopicContext {
  /** receivers x connections x links: the consuming links to deal out. */
  receiverLinks: number;
  rpc: boolean;
  recvTransactions: boolean;
}

/** Beyond this, one run's ledgers and attach storms outgrow a 2-core host long before the broker is measured. */
export const MAX_SUBSCRIPTIONS = 1000;

export function resolveTopic(input: TopicInput, context: TopicContext): { topic?: TopicPlan } {
  const given = input.subscriptions;
  const durable = input.durableSubscriptions ?? false;
  if (given === undefined) {
    if (durable) throw new PlanError('--durable-subscriptions needs --subscriptions N');
    return {};
  }
  const subscriptions = Number(given);
  if (!Number.isInteger(subscriptions) || subscriptions < 1 || subscriptions > MAX_SUBSCRIPTIONS)
    throw new PlanError(`--subscriptions must be a whole number from 1 to ${MAX_SUBSCRIPTIONS}, got "${given}"`);
  if (context.rpc) throw new PlanError('--subscriptions cannot be combined with --pattern rpc');
  if (context.recvTransactions) throw new PlanError('--subscriptions cannot be combined with --recv-tx-size yet');
  if (context.receiverLinks > 0 && context.receiverLinks < subscriptions)
    throw new PlanError(
      `--subscriptions ${subscriptions} needs at least one receiver link each; receivers x connections x links ` +
        `gives ${context.receiverLinks}`,
    );
  return { topic: { subscriptions, durable } };
}

/** Which subscription (0-based) the run's receiver link number `link` consumes for. */
export function subscriptionOfLink(link: number, subscriptions: number): number {
  return link % subscriptions;
}
