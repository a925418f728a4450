/**
 * What every worker task shares with its links: the control protocol on the
 * task's port (src/protocol/worker-messages.ts: `ready`, then `start` and
 * `stop` in, one `interval` report a second, `failed` and a final `closed`
 * out), the run window, the recorder and progress counters, and turning
 * failures into a WorkerResult (a worker never throws at piscina).
 *
 * The connections and reconnecting are worker-connections.ts's.
 */
import type {
  ControlMessage,
  WorkerAssignment,
  WorkerFailure,
  WorkerMessage,
  WorkerResult,
} from '../src/protocol/worker-messages.js';
import { ProgressWriter } from '../src/protocol/progress-counters.js';
import { INTERVAL_MS, initHistograms, warmupEndUs, type LatencyKind } from '../src/metrics/index.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { Recorder } from '../src/metrics/recorder.js';
import type { ShardClocks } from '../src/metrics/cross-shard-clock.js';

export interface RunWindow {
  runStartUs: number;
  /** Messages sent before this µs are warm-up (isWarmup): exactly the plan's warm-up after the start. */
  warmupEndUs: number;
  stopAtUs: number | null;
  /** --shards over the broker: every shard's clock offset (and this process's test-only skew); absent otherwise. */
  clocks?: ShardClocks;
}

export class WorkerRuntime {
  readonly progress: ProgressWriter;
  recorder!: Recorder;
  window!: RunWindow;
  failure: WorkerFailure | undefined;
  /** Senders: outcomes over all links, so a link's drain wait can tell a slow broker from a stalled one. */
  outcomes = 0;
  private stopRequested = false;
  private intervalTimer: NodeJS.Timeout | undefined;
  /** The interval now being recorded: boundaries are counted, never inferred from a timer's firing time. */
  private openInterval = 0;
  private readonly stopListeners: (() => void)[] = [];
  private readonly failListeners: (() => void)[] = [];
  private readonly finishListeners: (() => void)[] = [];
  private closing = false;
  private startResolver: ((window: RunWindow | null) => void) | undefined;

  constructor(readonly assignment: WorkerAssignment) {
    this.progress = new ProgressWriter(assignment.progress, assignment.slot);
  }

  async prepare(kinds: readonly LatencyKind[]): Promise<void> {
    await initHistograms();
    this.recorder = new Recorder(this.assignment.workerId, kinds, this.assignment.warmupMs);
    this.assignment.port.on('message', (message: ControlMessage) => this.onControl(message));
  }

  /** After finish(): late events from rhea (outcomes, messages) must not touch freed histograms. */
  get closed(): boolean {
    return this.closing;
  }

  post(message: WorkerMessage): void {
    this.assignment.port.postMessage(message);
  }

  /** Resolves with the run window once the coordinator says start (or stop, or a failure, first). */
  waitForStart(): Promise<RunWindow | null> {
    this.post({ type: 'ready' });
    return new Promise((resolve) => {
      // A stop may have come while connecting; its listeners have already run.
      if (this.stopping) {
        resolve(null);
        return;
      }
      this.startResolver = resolve;
      this.onStop(() => resolve(null));
      this.onFail(() => resolve(null));
    });
  }

  /** Resolves once the coordinator says stop, or on a failure. */
  untilStopped(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) resolve();
      this.onStop(resolve);
      this.onFail(resolve);
    });
  }

  get stopping(): boolean {
    return this.stopRequested || this.failure !== undefined;
  }

  onStop(listener: () => void): void {
    this.stopListeners.push(listener);
  }

  onFail(listener: () => void): void {
    this.failListeners.push(listener);
  }

  /** Called by finish() after the last interval report and before `closed` (the connections close there). */
  onFinish(listener: () => void): void {
    this.finishListeners.push(listener);
  }

  fail(failure: WorkerFailure): void {
    if (this.failure || this.closing) return;
    this.failure = failure;
    this.post({ type: 'failed', failure });
    for (const listener of this.failListeners) listener();
  }

  /** Last interval out, connections closed, the cumulative report back to piscina. */
  finish(foreign: number, lastActivityUs: number, lastOutcomeUs = 0): WorkerResult {
    this.closing = true;
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    if (this.window) this.post({ type: 'interval', report: this.recorder.flush(this.openInterval) });
    for (const listener of this.finishListeners) listener();
    this.post({ type: 'closed' });
    this.assignment.port.close();
    const { role, workerId } = this.assignment;
    const final = this.recorder.finish();
    const result: WorkerResult = { role, workerId, final, foreign, lastActivityUs, lastOutcomeUs };
    if (this.failure) result.error = this.failure;
    return result;
  }

  private onControl(message: ControlMessage): void {
    if (message.type === 'start') {
      this.window = {
        runStartUs: message.runStartUs,
        warmupEndUs: warmupEndUs(message.runStartUs, this.assignment.warmupMs),
        stopAtUs: message.stopAtUs,
        ...(message.clocks && { clocks: message.clocks }),
      };
      this.scheduleInterval();
      this.startResolver?.(this.window);
      return;
    }
    this.stopRequested = true;
    for (const listener of this.stopListeners) listener();
  }

  private scheduleInterval(): void {
    const boundaryUs = this.window.runStartUs + (this.openInterval + 1) * INTERVAL_MS * 1000;
    const delayMs = Math.max(0, (boundaryUs - monotonicNowUs()) / 1000);
    this.intervalTimer = setTimeout(() => {
      this.post({ type: 'interval', report: this.recorder.flush(this.openInterval) });
      this.openInterval++;
      this.scheduleInterval();
    }, delayMs);
  }
}
