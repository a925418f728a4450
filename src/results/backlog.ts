/**
 * The broker's backlog as salvo sees it from outside: messages the broker
 * took (accepted; at-most-once, sent) minus messages received. Per second it
 * is a running sum over the time series (queue depth); at the end of the send
 * phase it is read from the run's counters at that instant, and its growth
 * rate is that figure over the send phase's length. Pure.
 */
import type { TimePoint } from '../metrics/index.js';
import type { Plan } from '../plan/index.js';

export interface BacklogSummary {
  /** Taken by the broker and not yet received when the senders were done. */
  atSendEnd: number;
  /** Seconds from the run's start to the end of the send phase. */
  sendPhaseS: number;
  /** atSendEnd / sendPhaseS: how fast the backlog grew, msg/s, on average over the send phase. */
  growthPerS: number;
  /** The deepest per-second queue depth of the series. */
  peak: number;
  /** Slow consumers: owed messages not yet received when the drain's bound came (left on the broker). */
  undrained?: number;
}

/** What shapes the backlog: at-most-once counts what was sent, a topic owes every subscription each message. */
export type BacklogShape = Pick<Plan, 'settle' | 'topic'>;

/** Deliveries the broker owes the receivers for these counts: taken (at-most-once: sent), once per subscription. */
export function owedDeliveries(shape: BacklogShape, counts: { sent: number; accepted: number }): number {
  return (shape.settle === 'at-most-once' ? counts.sent : counts.accepted) * (shape.topic?.subscriptions ?? 1);
}

/** Per second: the queue depth at the second's end (owed minus received, running), warm-up included. */
export function queueDepths(points: readonly TimePoint[], shape: BacklogShape): number[] {
  let depth = 0;
  return points.map((point) => {
    depth += owedDeliveries(shape, point) - point.received;
    // A message can arrive before its sender hears it was accepted: the running sum dips below 0, a queue cannot.
    return Math.max(0, depth);
  });
}

export function backlogSummary(
  atSendEnd: { backlog: number; seconds: number },
  depths: readonly number[],
  undrained: number | undefined,
): BacklogSummary {
  const summary: BacklogSummary = {
    atSendEnd: atSendEnd.backlog,
    sendPhaseS: atSendEnd.seconds,
    growthPerS: atSendEnd.seconds > 0 ? atSendEnd.backlog / atSendEnd.seconds : 0,
    peak: Math.max(0, ...depths),
  };
  if (undrained !== undefined) summary.undrained = undrained;
  return summary;
}
