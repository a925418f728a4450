/**
 * --msg-ttl and --msg-priority: what every message's AMQP header carries.
 * The TTL is one constant (the broker may drop a message queued longer); the
 * priority a constant or a choice of values drawn per message from the seed
 * (src/content/priority-values.ts), so that the sender, a resend and the
 * checker all find the same value without sharing state.
 */
import { PlanError } from './errors.js';
import { parseDurationMs, type RawNumber } from './units.js';

/** AMQP's header ttl is a uint of milliseconds. */
export const MAX_TTL_MS = 0xffff_ffff;
/** AMQP allows 0-255; brokers (JMS) use 0-9, and the embedded broker's bands are 0-9. */
export const MAX_PRIORITY = 9;

export interface PriorityPlan {
  /** The choice, in the order given (one value: a constant); each 0-9, no repeats. */
  values: number[];
  /** Which value a message gets: a hash of (seed, producer, seq). */
  seed: number;
}

export interface MessageHeaderPlan {
  /** --msg-ttl: the header's ttl, ms; absent: none (messages never expire). */
  msgTtlMs?: number;
  /** --msg-priority: absent: no priority in the header (AMQP's default, 4). */
  msgPriority?: PriorityPlan;
}

export function resolveMessageHeader(
  input: { msgTtl?: RawNumber; msgPriority?: RawNumber },
  seed: number,
  shape: { rpc: boolean; recvTransactions: boolean },
): MessageHeaderPlan {
  const plan: MessageHeaderPlan = {};
  const given = input.msgTtl !== undefined ? '--msg-ttl' : input.msgPriority !== undefined ? '--msg-priority' : null;
  // Requesters and responders build their own messages: a header option would be silently left out.
  if (given !== null && shape.rpc) throw new PlanError(`${given} is for one-way runs, got it with --pattern rpc`);
  // Receive transactions take deliveries past the arrival stamps that tell expired from lost.
  if (input.msgTtl !== undefined && shape.recvTransactions)
    throw new PlanError(`--msg-ttl cannot be combined with --recv-tx-size yet, got both`);
  if (input.msgTtl !== undefined) plan.msgTtlMs = ttlOption(input.msgTtl);
  if (input.msgPriority !== undefined) plan.msgPriority = { values: priorityValues(input.msgPriority), seed };
  return plan;
}

function ttlOption(raw: RawNumber): number {
  const ms = parseDurationMs(raw);
  if (ms === null || ms < 1 || ms > MAX_TTL_MS)
    throw new PlanError(`--msg-ttl must be a time from 1ms to ${MAX_TTL_MS}ms (500ms, 2s, 1m), got "${raw}"`);
  return ms;
}

/** `4`, or a choice `0,4,9`. */
function priorityValues(raw: RawNumber): number[] {
  const values = String(raw)
    .split(',')
    .map((item) => item.trim());
  const numbers = values.map(Number);
  const bad = values.find((v, i) => !/^\d+$/.test(v) || numbers[i] > MAX_PRIORITY);
  if (values.length === 0 || bad !== undefined)
    throw new PlanError(
      `--msg-priority must be a priority from 0 to ${MAX_PRIORITY} or a choice of them (0,4,9), got "${String(raw)}"`,
    );
  if (new Set(numbers).size !== numbers.length)
    throw new PlanError(`--msg-priority names a value twice, got "${String(raw)}"`);
  return numbers;
}
