/**
 * --pattern rpc: requesters (the sender workers) send requests carrying a
 * reply-to address and a correlation id; responders answer each to its
 * reply-to. Resolved apart from the rest of the plan so the one-way options
 * it cannot honour are refused in one place, each with why. --reconnect and
 * --faults are taken: requesters resend what a lost connection left
 * unanswered (workers/requester-link.ts); so is --broker-chaos: a request or
 * reply it drops is counted unanswered.
 */
import { PlanError } from './errors.js';
import { parseCount, parseDurationMs, type RawNumber } from './units.js';

export interface RpcPlan {
  /** Responder worker threads; 0: requests go to a server salvo did not start. */
  responders: number;
  /** Outstanding requests per requester link. */
  inFlight: number;
  /** A fixed reply address (brokers without dynamic nodes); null: each link's dynamic receiver. */
  replyTo: string | null;
  /** A request unanswered this long is given up (its reply, if it comes, is late). */
  timeoutMs: number;
}

export interface RpcInput {
  pattern?: string;
  responders?: RawNumber;
  rpcInFlight?: RawNumber;
  replyTo?: string;
  rpcTimeout?: RawNumber;
  receivers?: RawNumber;
  txSize?: RawNumber;
  recvTxSize?: RawNumber;
  linkAtMostOnce?: boolean;
}

export const RPC_DEFAULTS = { responders: 1, inFlight: 10, timeoutMs: 10_000 } as const;

/** undefined outside --pattern rpc (where the rpc options are refused). */
export function resolveRpc(input: RpcInput): RpcPlan | undefined {
  if (input.pattern === undefined) {
    for (const [flag, value] of [
      ['--responders', input.responders],
      ['--rpc-in-flight', input.rpcInFlight],
      ['--reply-to', input.replyTo],
      ['--rpc-timeout', input.rpcTimeout],
    ] as const) {
      if (value !== undefined)
        throw new PlanError(`${flag} needs --pattern rpc, got ${flag} ${JSON.stringify(String(value))} alone`);
    }
    return undefined;
  }
  if (input.pattern !== 'rpc') throw new PlanError(`--pattern must be rpc, got ${JSON.stringify(input.pattern)}`);
  // Each with why: what the option would need that rpc runs do not have.
  const refused: [string, unknown, string][] = [
    ['--receivers', input.receivers, 'responders answer requests: --responders'],
    ['--tx-size', input.txSize, 'requests are not sent in transactions'],
    ['--recv-tx-size', input.recvTxSize, 'requests are not received in transactions'],
    ['--link-at-most-once', input.linkAtMostOnce || undefined, 'a request is resent until answered'],
  ];
  const given = refused.find(([, value]) => value !== undefined);
  if (given) throw new PlanError(`--pattern rpc does not take ${given[0]} (${given[2]})`);
  const replyTo = input.replyTo === undefined ? null : input.replyTo.trim();
  if (replyTo === '') throw new PlanError('--reply-to must be an address, got ""');
  return {
    responders: count(input.responders, '--responders', 0, RPC_DEFAULTS.responders),
    // Each requester link keeps four encoded requests per in-flight slot.
    inFlight: count(input.rpcInFlight, '--rpc-in-flight', 1, RPC_DEFAULTS.inFlight, 65_536),
    replyTo,
    timeoutMs: timeout(input.rpcTimeout),
  };
}

function count(raw: RawNumber | undefined, flag: string, min: 0 | 1, fallback: number, max = 1024): number {
  if (raw === undefined) return fallback;
  const value = parseCount(raw);
  if (value === null || value < min || value > max) {
    throw new PlanError(
      `${flag} must be ${min === 1 ? 'a positive' : 'a non-negative'} integer up to ${max}, got ` +
        `${JSON.stringify(String(raw))}`,
    );
  }
  return value;
}

function timeout(raw: RawNumber | undefined): number {
  if (raw === undefined) return RPC_DEFAULTS.timeoutMs;
  const ms = parseDurationMs(raw);
  if (ms === null || ms < 1)
    throw new PlanError(
      `--rpc-timeout must be a positive duration (e.g. 5s, 500ms), got ${JSON.stringify(String(raw))}`,
    );
  return ms;
}
