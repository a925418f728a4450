/**
 * Slow consumers: `--recv-rate R` (a total over every receiving link, split as
 * --rate is over sending links) and `--recv-delay T` (each message takes T to
 * process before it is settled). Both hold the broker's backlog growing, so
 * flow control and memory limits can be studied; workers/paced-intake.ts does
 * the pacing with credit.
 */
import { PlanError } from './errors.js';
import type { PlanInput } from './input.js';
import { parseDurationMs, parseRateHz, type RawNumber } from './units.js';

/** Longer than this per message is a stuck consumer, not a slow one: refused, so a typo (5m for 5ms) is caught. */
export const MAX_RECV_DELAY_MS = 60_000;

export interface ReceivePacing {
  /** --recv-rate: messages per second over all receiving links; absent: as fast as credit allows. */
  recvRateHz?: number;
  /** --recv-delay: processing time of each message before it is settled, ms; absent: none. */
  recvDelayMs?: number;
}

/** The two options checked, and against what they cannot go with. */
export function resolveReceivePacing(
  input: Pick<PlanInput, 'recvRate' | 'recvDelay' | 'recvTxSize' | 'pattern'>,
  receivers: number,
): ReceivePacing {
  const recvRateHz = rateOf(input.recvRate);
  const recvDelayMs = delayOf(input.recvDelay);
  const given = recvRateHz !== undefined ? '--recv-rate' : recvDelayMs !== undefined ? '--recv-delay' : undefined;
  if (given === undefined) return {};
  if (receivers === 0) throw new PlanError(`${given} needs receivers, got it with --receivers 0`);
  if (input.pattern === 'rpc') throw new PlanError(`${given} paces receivers, got it with --pattern rpc (responders)`);
  if (input.recvTxSize !== undefined)
    throw new PlanError(`${given} cannot go with --recv-tx-size (credit is per transaction there), got both`);
  return { ...(recvRateHz !== undefined ? { recvRateHz } : {}), ...(recvDelayMs !== undefined ? { recvDelayMs } : {}) };
}

function rateOf(raw: RawNumber | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const rateHz = parseRateHz(raw);
  if (rateHz === null || rateHz <= 0)
    throw new PlanError(
      `--recv-rate must be a positive number of messages per second over all receivers (k/m suffixes allowed), got ` +
        JSON.stringify(String(raw)),
    );
  return rateHz;
}

function delayOf(raw: RawNumber | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const delayMs = parseDurationMs(raw);
  if (delayMs === null || delayMs < 1 || delayMs > MAX_RECV_DELAY_MS)
    throw new PlanError(
      `--recv-delay must be a duration from 1ms to ${MAX_RECV_DELAY_MS / 1000}s (e.g. 5ms, 0.2s), got ` +
        JSON.stringify(String(raw)),
    );
  return delayMs;
}
