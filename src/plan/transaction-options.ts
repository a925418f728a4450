/**
 * The transactional workload's options: `--tx-size N` (send in transactions
 * of N), `--recv-tx-size N` (receive with prefetch 0, accept inside
 * transactions of N), each with an action (commit or rollback) or a seeded
 * share of batches rolled back. Validated here so that plan.ts only places
 * the result.
 */
import { PlanError } from './errors.js';
import { parseCount, type RawNumber } from './units.js';

export type TxAction = 'commit' | 'rollback';

/** One side's transactions, resolved. */
export interface TxPlan {
  /** Messages per transaction (the last of a link may be shorter). */
  size: number;
  /** What every transaction does when rollbackRatio is 0. */
  action: TxAction;
  /** Share of transactions rolled back (0..1), chosen per batch from the seed. */
  rollbackRatio: number;
  seed: number;
}

/** The raw options of one side, as given. */
export interface TxInput {
  size?: RawNumber;
  action?: string;
  rollbackRatio?: RawNumber;
}

/** Bound on a transaction's size: a link keeps two numbers per message of its open batch. */
export const MAX_TX_SIZE = 1_000_000;

/** `prefix` is `--tx` or `--recv-tx`; undefined when the side sends (receives) outside transactions. */
export function resolveTx(
  input: TxInput,
  prefix: '--tx' | '--recv-tx',
  seed: number,
  settle: string,
  workers: number,
): TxPlan | undefined {
  if (input.size === undefined) {
    const stray =
      input.action !== undefined
        ? `${prefix}-action`
        : input.rollbackRatio !== undefined
          ? `${prefix}-rollback-ratio`
          : undefined;
    if (stray) throw new PlanError(`${stray} needs ${prefix}-size, got ${stray} alone`);
    return undefined;
  }
  const size = parseCount(input.size);
  if (size === null || size < 1 || size > MAX_TX_SIZE) {
    throw new PlanError(
      `${prefix}-size must be an integer from 1 to ${MAX_TX_SIZE} (k/m suffixes allowed), got ` +
        `${JSON.stringify(String(input.size))}`,
    );
  }
  if (settle === 'at-most-once')
    throw new PlanError(`${prefix}-size needs unsettled transfers, got it with --link-at-most-once`);
  if (workers === 0) {
    const side = prefix === '--tx' ? '--senders' : '--receivers';
    throw new PlanError(`${prefix}-size needs ${side} above 0, got ${side} 0`);
  }
  const action = input.action ?? 'commit';
  if (action !== 'commit' && action !== 'rollback') {
    throw new PlanError(`${prefix}-action must be commit or rollback, got ${JSON.stringify(action)}`);
  }
  const rollbackRatio = ratioOf(input.rollbackRatio, `${prefix}-rollback-ratio`);
  if (rollbackRatio > 0 && input.action !== undefined) {
    throw new PlanError(
      `${prefix}-rollback-ratio and ${prefix}-action cannot both be given, got ${prefix}-action ${action}`,
    );
  }
  return { size, action, rollbackRatio, seed };
}

function ratioOf(raw: RawNumber | undefined, flag: string): number {
  if (raw === undefined) return 0;
  const text = String(raw).trim();
  const value = /^(\d+(\.\d+)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1))
    throw new PlanError(`${flag} must be a share from 0 to 1 (e.g. 0.2), got ${JSON.stringify(String(raw))}`);
  return value;
}
