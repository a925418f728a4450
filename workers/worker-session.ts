/**
 * What sender and receiver workers share: their connections, the control
 * messages from the coordinator, the once-a-second interval reports, and
 * turning failures into a WorkerResult (a worker never throws at piscina).
 */
import type { Connection, EventContext } from 'rhea';
import { connect, readTlsFiles } from '../src/amqp/connect.js';
import { enableWriteCoalescing } from '../src/amqp/rhea-internals.js';
import { describeError, SalvoError } from '../src/errors.js';
import type { ControlMessage, LinkAssignment, WorkerAssignment, WorkerFailure, WorkerMessage, WorkerResult } from '../src/coordinator/assignment.js';
import { ProgressWriter } from '../src/coordinator/progress-counters.js';
import { INTERVAL_MS, initHistograms, monotonicNowUs, warmupEndUs, type LatencyKind } from '../src/metrics/index.js';
import { Recorder } from '../src/metrics/recorder.js';

const CONNECT_TIMEOUT_MS = 15_000;
/** Per worker: below a listener's default backlog even with several workers connecting at once. */
const CONNECTS_AT_ONCE = 64;

export interface RunWindow {
  runStartUs: number;
  /** Messages sent before this µs are warm-up (isWarmup): exactly the plan's warm-up after the start. */
  warmupEndUs: number;
  stopAtUs: number | null;
}

export class WorkerSession {
  readonly connections: Connection[] = [];
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
  private closing = false;
  private startResolver: ((window: RunWindow | null) => void) | undefined;

  constructor(readonly assignment: WorkerAssignment) {
    this.progress = new ProgressWriter(assignment.progress, assignment.slot);
  }

  async prepare(kinds: readonly LatencyKind[]): Promise<void> {
    // This thread hosts only this worker's connections: one socket write per rhea pass.
    enableWriteCoalescing();
    await initHistograms();
    this.recorder = new Recorder(this.assignment.workerId, kinds, this.assignment.warmupMs);
    this.assignment.port.on('message', (message: ControlMessage) => this.onControl(message));
  }

  /** Opens every connection of the assignment, or fails with a one-line reason. */
  async connectAll(): Promise<void> {
    const { endpoint, workerId } = this.assignment;
    const url = {
      scheme: endpoint.tls ? 'amqps' : 'amqp',
      host: endpoint.host,
      port: endpoint.port,
      user: endpoint.user,
      password: endpoint.password,
      address: '',
      tls: endpoint.tls,
    } as const;
    const tls = endpoint.tls
      ? { ...(await readTlsFiles({ ca: endpoint.caFile, cert: endpoint.certFile, key: endpoint.keyFile, keyPassword: endpoint.keyPassword })),
        ...(endpoint.servername !== undefined && { servername: endpoint.servername }) }
      : undefined;
    // In parallel, so that N connections take one connect time against the coordinator's bound, but
    // at most CONNECTS_AT_ONCE at a time: hundreds of simultaneous SYNs overflow a listener's
    // backlog (511 in Node), and the retransmits outlast the connect timeout.
    const opened = await settledInBatches(this.assignment.connections.length, CONNECTS_AT_ONCE, (i) =>
      connect(url, { tls, containerId: `${workerId}.c${i}`, timeoutMs: CONNECT_TIMEOUT_MS }));
    for (const outcome of opened) if (outcome.status === 'fulfilled') this.connections.push(outcome.value);
    const failed = opened.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const connection of this.connections) this.watch(connection);
  }

  /**
   * One link per assignment entry, attached in order on its connection (each
   * attach bounded); connections attach side by side, so that thousands of
   * links take a few round trips per connection, not one per link in all.
   */
  async attachAll<L extends { attach(connection: Connection): Promise<void> }>(
    create: (link: LinkAssignment) => L,
  ): Promise<L[]> {
    const perConnection = await Promise.all(this.assignment.connections.map(async (assigned, c) => {
      const links: L[] = [];
      for (const entry of assigned) {
        const link = create(entry);
        await this.whileRunning(link.attach(this.connections[c]), `attach to ${JSON.stringify(entry.address)}`);
        links.push(link);
      }
      return links;
    }));
    return perConnection.flat();
  }

  /** `attached`, unless the session fails or stops first, or the peer does not answer in time. */
  whileRunning(attached: Promise<void>, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SalvoError('unreachable', `${what}: no answer in ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      const end = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.onFail(end);
      this.onStop(end);
      attached.then(end, reject);
    });
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

  get stopping(): boolean {
    return this.stopRequested || this.failure !== undefined;
  }

  onStop(listener: () => void): void {
    this.stopListeners.push(listener);
  }

  onFail(listener: () => void): void {
    this.failListeners.push(listener);
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
    for (const connection of this.connections) {
      try {
        connection.close();
      } catch {
        // A connection that is already gone needs no close.
      }
    }
    this.post({ type: 'closed' });
    this.assignment.port.close();
    const { role, workerId } = this.assignment;
    const result: WorkerResult = { role, workerId, final: this.recorder.finish(), foreign, lastActivityUs, lastOutcomeUs };
    if (this.failure) result.error = this.failure;
    return result;
  }


  private onControl(message: ControlMessage): void {
    if (message.type === 'start') {
      this.window = {
        runStartUs: message.runStartUs,
        warmupEndUs: warmupEndUs(message.runStartUs, this.assignment.warmupMs),
        stopAtUs: message.stopAtUs,
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

  /** After the open: a lost connection ends the worker's run. */
  private watch(connection: Connection): void {
    connection.on('disconnected', (ctx: EventContext) => {
      if (!this.closing) this.fail({ code: 'unreachable', message: `connection lost: ${describe(ctx)}` });
    });
    connection.on('connection_error', (ctx: EventContext) => {
      if (!this.closing) this.fail({ code: 'unreachable', message: `connection closed by the broker: ${describe(ctx)}`, condition: conditionOf(ctx) });
    });
  }
}

export function describe(ctx: EventContext): string {
  const error = (ctx.error ?? ctx.connection?.error) as { message?: string; description?: string; condition?: string; code?: string } | undefined;
  if (!error) return 'the socket closed';
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  return error.description ?? error.message ?? error.condition ?? 'closed';
}

export function conditionOf(ctx: EventContext): string | undefined {
  const error = (ctx.error ?? ctx.connection?.error) as { condition?: string } | undefined;
  return error?.condition;
}

/** Anything a worker caught, as the failure the coordinator turns into an exit code. */
export function failureOf(error: unknown): WorkerFailure {
  if (error instanceof SalvoError) {
    const code = error.code === 'usage' || error.code === 'unreachable' || error.code === 'refused' ? error.code : 'internal';
    return { code, message: error.message, condition: error.condition };
  }
  return { code: 'internal', message: describeError(error) };
}

/** `start(0) ... start(n - 1)`, at most `atOnce` under way at a time; outcomes in index order. */
async function settledInBatches<T>(n: number, atOnce: number, start: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const outcomes: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      outcomes[i] = await start(i).then((value) => ({ status: 'fulfilled', value }) as const, (reason: unknown) => ({ status: 'rejected', reason }) as const);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, atOnce) }, lane));
  return outcomes;
}
