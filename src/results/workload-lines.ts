/**
 * The summary's lines for slow consumers and body-size distributions: the
 * backlog at the end of the send phase and how fast it grew, what the drain
 * left, and the messages sent per size. Pure text, shared by the summary and
 * the report.
 */
import { describeBodySizes, formatBytes } from '../plan/body-sizes.js';
import type { Plan } from '../plan/index.js';
import type { BacklogSummary } from './backlog.js';
import type { SizeCount } from './result.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `--recv-rate 500 msg/s, --recv-delay 5ms`, or undefined when consumers are not held slow. */
export function slowConsumerNote(plan: Pick<Plan, 'recvRateHz' | 'recvDelayMs'>): string | undefined {
  const parts = [
    plan.recvRateHz !== undefined ? `--recv-rate ${int(plan.recvRateHz)} msg/s` : '',
    plan.recvDelayMs !== undefined ? `--recv-delay ${plan.recvDelayMs} ms` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? `held slow: ${parts.join(', ')} (paced by credit)` : undefined;
}

/** The backlog row: at the end of the send phase, its growth, its peak, and what the drain left. */
export function backlogLine(backlog: BacklogSummary): string {
  const left =
    backlog.undrained !== undefined && backlog.undrained > 0
      ? `; ${int(backlog.undrained)} still queued when the drain ended (not drained, not judged lost)`
      : '';
  return (
    `${int(backlog.atSendEnd)} messages queued at the end of the send phase (${backlog.sendPhaseS.toFixed(1)} s), ` +
    `grew ${int(backlog.growthPerS)} msg/s; deepest second ${int(backlog.peak)}${left}`
  );
}

/** The sizes row: the distribution asked for and what went, per size. */
export function sizesLines(plan: Pick<Plan, 'bodySizes'>, counts: readonly SizeCount[]): string[] {
  if (!plan.bodySizes) return [];
  const total = counts.reduce((sum, c) => sum + c.sent, 0);
  const share = (n: number): string => (total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-');
  return [
    describeBodySizes(plan.bodySizes),
    counts.map((c) => `${formatBytes(c.bytes)} ${int(c.sent)} (${share(c.sent)})`).join(', '),
  ];
}
