/**
 * The live progress line: a pure formatter, one writer that owns the
 * terminal line (stderr), and the run's observer that draws it from each
 * second's snapshot. The run loop clears the line when it ends, however it
 * ends, so that no message is printed after a half line.
 */
import type { RunObserver, RunSecond, RunStart } from './run-observer.js';

export interface ProgressSnapshot {
  elapsedS: number;
  totalS: number | null;
  sent: number;
  received: number;
  sendRate: number;
  receiveRate: number;
  p50Us: number | null;
  p99Us: number | null;
  warmup: boolean;
  /** Slow consumers: accepted (at-most-once, sent) minus received now, the broker's backlog; absent: not shown. */
  queued?: number;
}

export function formatProgress(s: ProgressSnapshot): string {
  const time = s.totalS !== null ? `${s.elapsedS.toFixed(0)}s/${s.totalS.toFixed(0)}s` : `${s.elapsedS.toFixed(0)}s`;
  const latency = s.p50Us !== null ? `  p50 ${ms(s.p50Us)}  p99 ${ms(s.p99Us ?? 0)}` : '';
  return (
    `[${time}]${s.warmup ? ' warm-up' : ''}  sent ${int(s.sent)} (${int(s.sendRate)}/s)  received ` +
    `${int(s.received)} (${int(s.receiveRate)}/s)${s.queued !== undefined ? `  queued ${int(s.queued)}` : ''}${latency}`
  );
}

export class ProgressLine {
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  show(line: string): void {
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/**
 * Draws the line at each second: rates from the counters (current), latency
 * from the last interval every worker has reported.
 */
export class ProgressObserver implements RunObserver {
  private start: RunStart | undefined;
  private lastShownUs = 0;
  /** The counters as last shown, for rates over the time since. */
  private shownSent = 0;
  private shownReceived = 0;

  constructor(private readonly line: ProgressLine) {}

  started(start: RunStart): void {
    this.start = start;
  }

  second({ nowUs, totals, arrived, series }: RunSecond): void {
    if (!this.start) return;
    const { runStartUs, plan } = this.start;
    const sinceS = (nowUs - this.lastShownUs) / 1e6;
    const elapsedS = (nowUs - runStartUs) / 1e6;
    const point = series.point(Math.floor(elapsedS) - 2);
    this.line.show(
      formatProgress({
        elapsedS,
        totalS: plan.durationMs !== null ? plan.durationMs / 1000 : null,
        sent: totals.sent,
        received: arrived,
        sendRate: this.lastShownUs > 0 ? (totals.sent - this.shownSent) / sinceS : 0,
        receiveRate: this.lastShownUs > 0 ? (arrived - this.shownReceived) / sinceS : 0,
        p50Us: point?.serviceP50Us ?? point?.roundTripP50Us ?? point?.endToEndP50Us ?? null,
        p99Us: point?.serviceP99Us ?? point?.roundTripP99Us ?? point?.endToEndP99Us ?? null,
        warmup: nowUs < runStartUs + plan.warmupMs * 1000,
        ...(slowConsumers(plan) && plan.senders > 0
          ? { queued: (plan.settle === 'at-most-once' ? totals.sent : totals.accepted) - totals.received }
          : {}),
      }),
    );
    this.lastShownUs = nowUs;
    this.shownSent = totals.sent;
    this.shownReceived = arrived;
  }
}

function slowConsumers(plan: RunStart['plan']): boolean {
  return plan.recvRateHz !== undefined || plan.recvDelayMs !== undefined;
}

function ms(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${Math.round(us)} µs`;
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
