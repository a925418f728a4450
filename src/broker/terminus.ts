/**
 * What the broker answers to an attach: which node a link binds to, which
 * filters it applies, or why the attach is refused. Plain data out, so the
 * broker's event code stays a thin adapter.
 */
import { compileSelector, SelectorSyntaxError, subjectOfMessage } from '../selector/index.js';
import type { AmqpMessageFields } from '../selector/index.js';
import { addressProblem } from './registry.js';
import type { StoredMessage } from './stored-message.js';

/** The two descriptors a jms-selector filter arrives with: Proton's symbol, rhea's numeric code. */
const SELECTOR_SYMBOL = 'apache.org:selector-filter:string';
const SELECTOR_CODE = 0x0000468c00000004;

export interface Refusal {
  condition: string;
  description: string;
}

export interface TypedValue {
  value: unknown;
  descriptor?: { value: unknown };
}

export interface SourceTerms {
  address?: unknown;
  dynamic?: boolean;
  filter?: Record<string, unknown>;
  capabilities?: unknown;
  durable?: unknown;
  expiry_policy?: unknown;
}

/**
 * A source that asks for a subscription of a topic (capability `topic`): shared (capability `shared`: consumers
 * attaching with the same link name compete on one queue) and durable (terminus durable above 0, or expiry
 * never: kept when its consumers detach); null for a queue's consumer.
 */
export interface SubscriptionTerms {
  shared: boolean;
  durable: boolean;
}

/** A target or source's capabilities, whether rhea decoded one symbol or a list of them. */
export function capabilitiesOf(terms: SourceTerms | undefined): string[] {
  const value = terms?.capabilities;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
}

/**
 * The subscription a shared or durable consumer's link name names: the part before a `|`, which tells consumers of
 * one subscription on one connection apart (link names are unique per connection; Qpid JMS and Artemis do the same).
 */
export function subscriptionKey(linkName: string): string {
  const bar = linkName.indexOf('|');
  return bar < 0 ? linkName : linkName.slice(0, bar);
}

export function subscriptionTerms(source: SourceTerms): SubscriptionTerms | null {
  const capabilities = capabilitiesOf(source);
  if (!capabilities.includes('topic')) return null;
  const durable = (typeof source.durable === 'number' && source.durable > 0) || source.expiry_policy === 'never';
  return { shared: capabilities.includes('shared'), durable };
}

export type SourceDecision =
  | { kind: 'refuse'; refusal: Refusal }
  | {
      kind: 'bind';
      dynamic: boolean;
      address: string | null;
      /** The filter entries the broker applies, echoed back in its attach. */
      appliedFilter: Record<string, unknown> | undefined;
      accepts: ((message: StoredMessage) => boolean) | null;
      /** A topic's subscription; null: the address is a queue. */
      subscription: SubscriptionTerms | null;
    };

export function decideSource(source: SourceTerms | undefined): SourceDecision {
  if (!source) return refuse('amqp:invalid-field', 'receiving link has no source');
  const selector = selectorOf(source.filter);
  if (selector.kind === 'refuse') return selector;
  if (source.dynamic) {
    return { kind: 'bind', dynamic: true, address: null, ...selector.parts, subscription: null };
  }
  const problem = addressProblem(source.address);
  if (problem) return refuse('amqp:invalid-field', `source ${problem}`);
  return {
    kind: 'bind',
    dynamic: false,
    address: source.address as string,
    ...selector.parts,
    subscription: subscriptionTerms(source),
  };
}

export type TargetDecision =
  | { kind: 'refuse'; refusal: Refusal }
  /** topic: the target asked for a multicast address (capability `topic`). */
  | { kind: 'bind'; dynamic: boolean; address: string | null; topic?: boolean };

/** A missing target or a target with no address is an anonymous-relay link. */
export function decideTarget(target: SourceTerms | undefined): TargetDecision {
  if (!target || ((target.address === undefined || target.address === null) && !target.dynamic)) {
    return { kind: 'bind', dynamic: false, address: null };
  }
  if (target.dynamic) return { kind: 'bind', dynamic: true, address: null };
  const problem = addressProblem(target.address);
  if (problem) return refuse('amqp:invalid-field', `target ${problem}`);
  return {
    kind: 'bind',
    dynamic: false,
    address: target.address as string,
    topic: capabilitiesOf(target).includes('topic'),
  };
}

type SelectorParts = Pick<Extract<SourceDecision, { kind: 'bind' }>, 'appliedFilter' | 'accepts'>;

function selectorOf(
  filter: Record<string, unknown> | undefined,
): { kind: 'refuse'; refusal: Refusal } | { kind: 'ok'; parts: SelectorParts } {
  const none = { kind: 'ok' as const, parts: { appliedFilter: undefined, accepts: null } };
  if (!filter || typeof filter !== 'object') return none;
  for (const [key, entry] of Object.entries(filter)) {
    if (!isSelectorEntry(entry)) continue;
    const text = (entry as TypedValue).value;
    if (typeof text !== 'string') return refuse('amqp:invalid-field', `selector filter ${key} is not a string`);
    try {
      const selector = compileSelector(text);
      const accepts = (message: StoredMessage): boolean =>
        selector(subjectOfMessage(message.decoded() as unknown as AmqpMessageFields));
      return { kind: 'ok', parts: { appliedFilter: { [key]: entry }, accepts } };
    } catch (error) {
      if (error instanceof SelectorSyntaxError) return refuse('amqp:invalid-field', error.message);
      throw error;
    }
  }
  return none;
}

function isSelectorEntry(entry: unknown): boolean {
  if (!entry || typeof entry !== 'object') return false;
  const descriptor = (entry as TypedValue).descriptor?.value;
  return descriptor === SELECTOR_SYMBOL || descriptor === SELECTOR_CODE || descriptor === BigInt(SELECTOR_CODE);
}

function refuse(condition: string, description: string): { kind: 'refuse'; refusal: Refusal } {
  return { kind: 'refuse', refusal: { condition, description } };
}
