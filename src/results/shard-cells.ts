/**
 * A merged run's per-shard figures as the summary and report.html show them:
 * start skew and clock offset with their bounds when the shards met over the
 * broker, the wall-clock skew (no bound known) when they did not.
 */
import type { ShardRow } from './result.js';

export const SHARD_COLUMNS = [
  'shard',
  'host',
  'sent/s',
  'accepted/s',
  'received/s',
  'start skew',
  'clock offset',
  'reconnects',
];

export function startSkewText(row: ShardRow): string {
  return row.startSkewBoundMs === undefined
    ? `${fixed(row.startSkewMs, 0)} ms (wall)`
    : `${fixed(row.startSkewMs, 2)} ±${fixed(row.startSkewBoundMs, 2)} ms`;
}

/** Shard 0's clock minus this shard's; "-" when the shards did not meet. */
export function clockOffsetText(row: ShardRow): string {
  if (row.clockOffsetMs === undefined || row.clockBoundMs === undefined) return '-';
  const sign = row.clockOffsetMs > 0 ? '+' : '';
  return `${sign}${fixed(row.clockOffsetMs, 2)} ±${fixed(row.clockBoundMs, 2)} ms`;
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
