/**
 * The coordinator: plans workers, starts the pools, starts everyone at one
 * instant, watches progress, decides when receivers have drained, and turns
 * what workers report into a RunResult. It never touches a message.
 */
import { Piscina } from 'piscina';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded.js';
import { describeError, SalvoError } from '../errors.js';
import { Aggregator, LATENCY_KINDS, formatHlog, initHistograms, warmupEndUs, type IntervalReport } from '../metrics/index.js';
import { monotonicNowUs } from '../timing/clock.js';
import { redactPlan, type Plan, type TxPlan } from '../plan/index.js';
import { compiledPath } from '../runtime/compiled.js';
import { captureEnvironment } from '../results/environment.js';
import { checksFor, nothingMeasured, RESULT_SCHEMA, selectionChecks, totalsFrom, verdictChecks, type RunResult, type SecondPoint } from '../results/result.js';
import { checkLedgers, type Verdict } from '../ledger/index.js';
import { selectionMatcher } from '../content/property-values.js';
import { FaultLog } from '../faults/log.js';
import type { Endpoint, WorkerAssignment, WorkerFailure, WorkerMessage, WorkerResult } from '../protocol/worker-messages.js';
import { endpointFromUrl, shapeWorkers } from './worker-shapes.js';
import { commandRestarter, embeddedRestarter, type BrokerRestarter } from './broker-restart.js';
import { FaultSession } from './fault-session.js';
import { LiveFeed } from './live-feed.js';
import type { LiveMetrics } from '../metrics/prometheus.js';
import { createProgress, ProgressReader } from '../protocol/progress-counters.js';
import { formatProgress, type ProgressLine } from './progress-line.js';
import { waitReachable } from './reachability.js';
import { WorkerHandle } from './worker-handle.js';

const POLL_MS = 100;
const DRAIN_PORTS_MS = 2_000;
const RESULT_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;
const REACHABLE_TIMEOUT_MS = 5_000;
/** With several receiver workers and duplicates, how long receipts must be quiet before the drain may end at the count. */
const DUPLICATE_QUIET_MS = 1_000;

/** amqps options of `salvo run`: file paths, read by each worker. */
export type RunTls = Pick<Endpoint, 'caFile' | 'certFile' | 'keyFile' | 'keyPassword' | 'servername' | 'verifyHost' | 'saslMechanisms'>;

export interface RunContext {
  progress: ProgressLine;
  /** Aborted by Ctrl-C / SIGTERM: the run stops and writes what it has. */
  signal: AbortSignal;
  tls?: RunTls;
  /** false: the overhead benchmark's bare mode (no stamps, no histograms, no ledger). */
  measure?: boolean;
  /** false: the overhead benchmark's "ledger off" row (stamps and histograms, no ledger). */
  ledger?: boolean;
  /** The compare tests' slowed build: senders wait this many µs after each send (0: never). */
  slowPerMessageUs?: number;
  /** --metrics-port: live metrics, fed from the polls below (src/coordinator/live-feed.ts). */
  metrics?: LiveMetrics;
}

export interface RunOutcome {
  result: RunResult;
  hlogs: Record<string, string>;
  /** Set when the run could not do what it was asked: exit code 3 (unreachable / refused) or 130 (signal). */
  failure?: SalvoError;
  /** False when it ended before the start: nothing was measured, so nothing is written. */
  started: boolean;
  /** The figures are not the workload's (the broker ignored the selector): write result.json, print no summary. */
  withholdSummary?: boolean;
}

export async function executeRun(plan: Plan, context: RunContext): Promise<RunOutcome> {
  await initHistograms();
  let broker: EmbeddedBroker | undefined;
  let faults: FaultSession | undefined;
  try {
    let endpoint: Endpoint;
    let shownUrl: string;
    if (plan.target.kind === 'embedded') {
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, ...(plan.brokerChaos ? { chaos: plan.brokerChaos } : {}) });
      endpoint = endpointFromUrl(broker.url);
      shownUrl = `${broker.url} (embedded)`;
    } else {
      const target = plan.target;
      endpoint = { host: target.host, port: target.port, tls: target.scheme === 'amqps' };
      if (target.user !== undefined) endpoint.user = target.user;
      if (target.password !== undefined) endpoint.password = target.password;
      Object.assign(endpoint, withoutUndefined(context.tls ?? {}));
      shownUrl = plan.target.url;
      await waitReachable(endpoint, shownUrl, REACHABLE_TIMEOUT_MS);
    }
    const faultLog = new FaultLog();
    if (plan.faults) {
      faults = await FaultSession.open(plan.faults, endpoint, restarterFor(plan, broker), faultLog);
      endpoint = faults.endpointFor(endpoint);
    }
    const outcome = await new RunCoordinator(plan, endpoint, shownUrl, context, faultLog, faults).execute();
    // What the broker did on purpose, read after the drain: a run's verdict must find exactly these counts.
    const chaos = plan.brokerChaos && broker ? (await broker.stats()).chaos : undefined;
    if (chaos) outcome.result.brokerChaos = chaos;
    return outcome;
  } finally {
    // Already stopped after a run; here for a run that threw before its end.
    await faults?.stop().catch(() => undefined);
    await broker?.stop();
  }
}

function restarterFor(plan: Plan, broker: EmbeddedBroker | undefined): BrokerRestarter | undefined {
  if (broker) return embeddedRestarter(broker);
  return plan.faults?.restartCommand !== undefined ? commandRestarter(plan.faults.restartCommand) : undefined;
}

class RunCoordinator {
  private readonly aggregator = new Aggregator();
  private readonly progressBuffer: SharedArrayBuffer;
  private readonly progress: ProgressReader;
  private readonly handles: WorkerHandle[] = [];
  private readonly pools: Piscina[] = [];
  private readonly problems: string[] = [];
  private failure: SalvoError | undefined;
  private runStartUs = 0;
  private startedAt = new Date();
  private wakeUp: (() => void) | undefined;
  private live: LiveFeed | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly endpoint: Endpoint,
    private readonly shownUrl: string,
    private readonly context: RunContext,
    private readonly faultLog: FaultLog,
    private readonly faults: FaultSession | undefined,
  ) {
    this.progressBuffer = createProgress(plan.senders + plan.receivers);
    this.progress = new ProgressReader(this.progressBuffer);
  }

  async execute(): Promise<RunOutcome> {
    const onAbort = (): void => this.abort(new SalvoError('interrupted', 'interrupted by a signal'));
    this.context.signal.addEventListener('abort', onAbort, { once: true });
    // A Ctrl-C while the broker or the reachability check was starting.
    if (this.context.signal.aborted) onAbort();
    try {
      this.startWorkers();
      await this.untilAllReady();
      if (!this.failure) {
        this.start();
        await this.untilSendersDone();
        await this.untilDrained();
      }
      this.broadcast('receiver', { type: 'stop' });
      this.broadcast('sender', { type: 'stop' });
      // Stopped workers finish within their drain timeout; one that does not is counted as crashed.
      const boundMs = this.plan.drainTimeoutMs + RESULT_GRACE_MS;
      const results = await Promise.all(this.handles.map((h) => within(h.result, boundMs, `${h.workerId} did not finish within ${boundMs / 1000} s of the stop`)
        .catch((error: unknown) => crashed(h, error))));
      // A crashed worker never sends its end marker: wait for the rest, not forever.
      await Promise.race([Promise.all(this.handles.map((h) => h.drained)), delay(DRAIN_PORTS_MS)]);
      await this.stopFaults();
      return this.outcome(results);
    } finally {
      this.context.signal.removeEventListener('abort', onAbort);
      this.context.progress.clear();
      for (const handle of this.handles) handle.close();
      await Promise.all(this.pools.map((pool) => pool.destroy()));
    }
  }

  private startWorkers(): void {
    const shapes = shapeWorkers(this.plan);
    const producers = shapes.filter((s) => s.role === 'sender').flatMap((s) => s.connections.flat().map((link) => link.producer));
    const pools = {
      sender: this.pool(this.plan.rpc ? 'workers/requester.js' : 'workers/sender.js', this.plan.senders),
      receiver: this.pool(this.plan.rpc ? 'workers/responder.js' : 'workers/receiver.js', this.plan.receivers),
    };
    shapes.forEach((shape, slot) => {
      const assignment = {
        role: shape.role,
        workerId: shape.workerId,
        endpoint: this.endpoint,
        connections: shape.connections,
        settle: this.plan.settle,
        credit: this.plan.credit,
        maxInFlight: this.plan.maxInFlight,
        bodySize: this.plan.bodySize,
        durable: this.plan.durable,
        warmupMs: this.plan.warmupMs,
        drainTimeoutMs: this.plan.drainTimeoutMs,
        // A receive-only run drains whatever salvo runs left on the queue.
        runPrefix: this.plan.senders === 0 ? '' : `${this.plan.runId}/`,
        ...(shape.role === 'receiver' && this.ledgerOn && producers.length > 0 ? { producers } : {}),
        warmupByReceipt: this.plan.senders === 0,
        foreign: this.plan.foreign,
        measure: this.context.measure !== false,
        // Unstamped messages carry no sequence numbers: without measuring there is nothing to ledger.
        ledger: this.ledgerOn,
        reconnect: this.plan.reconnect,
        slowPerMessageUs: this.context.slowPerMessageUs ?? 0,
        ...transactionsOf(this.plan, shape.role),
        ...selectionOf(this.plan),
        ...(this.plan.rpc ? { rpc: { ...this.plan.rpc, requesterLinks: this.plan.senders * this.plan.connections * this.plan.links } } : {}),
        slot,
        progress: this.progressBuffer,
      };
      const pool = pools[shape.role];
      if (!pool) return;
      this.handles.push(new WorkerHandle(shape.role, shape.workerId, slot, pool, assignment, { onMessage: (h, m) => this.onWorkerMessage(h, m) }));
    });
  }

  private pool(file: string, threads: number): Piscina | undefined {
    if (threads === 0) return undefined;
    // atomics disabled: a worker waiting synchronously for its next task would strand rhea's sockets.
    const pool = new Piscina({ filename: compiledPath(file), minThreads: threads, maxThreads: threads, atomics: 'disabled', idleTimeout: 1000 });
    // A worker thread that dies outside a task (say, in a late rhea callback) must end the run, not the process.
    pool.on('error', (error: Error) => this.abort(new SalvoError('internal', `a worker thread died: ${describeError(error)}`)));
    this.pools.push(pool);
    return pool;
  }

  private onWorkerMessage(handle: WorkerHandle, message: WorkerMessage): void {
    if (message.type === 'interval') this.aggregator.addInterval(message.report as IntervalReport);
    else if (message.type === 'failed') this.abort(failureError(handle, message.failure));
    // A disconnect before the start (runStartUs 0) happened at the run's first instant.
    else if (message.type === 'event') this.faultLog.addClientEvent(message.event, this.runStartUs || message.event.atUs);
    this.wakeUp?.();
  }

  private abort(failure: SalvoError): void {
    if (!this.failure) {
      this.failure = failure;
      this.problems.push(failure.message);
    }
    this.broadcast('sender', { type: 'stop' });
    this.broadcast('receiver', { type: 'stop' });
    this.wakeUp?.();
  }

  private async untilAllReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.failure && !this.handles.every((h) => h.ready)) {
      if (Date.now() > deadline) {
        this.abort(new SalvoError('unreachable', `workers did not connect to ${this.shownUrl} within ${READY_TIMEOUT_MS / 1000} s`));
        return;
      }
      if (this.handles.some((h) => h.done && !h.ready)) await this.settleEarlyExit();
      await this.tick();
    }
  }

  /** A task that ended before it was ready carries its reason in its result. */
  private async settleEarlyExit(): Promise<void> {
    for (const handle of this.handles.filter((h) => h.done && !h.ready)) {
      const result = await handle.result.catch((error: unknown) => crashed(handle, error));
      if (result.error) this.abort(failureError(handle, result.error));
    }
  }

  private start(): void {
    this.startedAt = new Date();
    // Whole µs, like the stamps: the warm-up boundary is then exactly warmupMs after it.
    this.runStartUs = Math.floor(monotonicNowUs());
    const stopAtUs = this.plan.durationMs !== null ? this.runStartUs + this.plan.durationMs * 1000 : null;
    this.broadcast('receiver', { type: 'start', runStartUs: this.runStartUs, stopAtUs });
    this.broadcast('sender', { type: 'start', runStartUs: this.runStartUs, stopAtUs });
    this.faults?.arm(this.runStartUs, this.plan.warmupMs, (error) => this.abort(error));
    if (this.context.metrics) {
      const sources = { aggregator: this.aggregator, progress: this.progress, runStartUs: this.runStartUs, ledger: this.ledgerOn, faults: this.faults };
      this.live = new LiveFeed(this.context.metrics, this.plan, { ...sources, senderSlots: this.slots('sender'), receiverSlots: this.slots('receiver') });
    }
  }

  /** The proxy's records come with its stop; a proxy that does not stop is a problem, not a lost result. */
  private async stopFaults(): Promise<void> {
    try {
      await this.faults?.stop();
    } catch (error) {
      this.problems.push(`fault proxy: ${describeError(error)}`);
    }
  }

  private lastReceiveUs = 0;
  private lastReceived = 0;

  /** Senders end by themselves; a run in which nothing is sent or settled for too long is stuck. */
  private async untilSendersDone(): Promise<void> {
    const senders = this.handles.filter((h) => h.role === 'sender');
    const slots = this.slots('sender');
    const stuckMs = stuckAfterMs(this.plan);
    let moved = -1;
    let movedUs = monotonicNowUs();
    while (!this.failure && senders.some((h) => !h.done)) {
      this.watchReceipts();
      const sent = this.progress.sum('sent', slots);
      const settled = this.progress.sum('settled', slots);
      const now = sent + settled;
      // With outcomes outstanding the senders bound their own wait (up to two drain timeouts
      // after the last outcome, then the rest is in doubt): give them that, plus a margin.
      const limitMs = sent > settled ? 2 * stuckMs + OUTSTANDING_GRACE_MS : stuckMs;
      movedUs += this.downSinceLastTickUs();
      if (now !== moved) {
        moved = now;
        movedUs = monotonicNowUs();
      } else if (monotonicNowUs() - movedUs > limitMs * 1000) {
        this.abort(new SalvoError('refused', `no progress for ${limitMs / 1000} s: the broker grants no credit or settles nothing (sent ${sent}, settled ${settled})`));
        return;
      }
      await this.tick();
    }
  }

  /**
   * Receivers stop when they have every message the senders got accepted
   * (sent, for at-most-once), at the count when only receiving, or when no
   * message arrived for the drain timeout.
   */
  private async untilDrained(): Promise<void> {
    if (this.plan.receivers === 0) return;
    // With the ledger, receivers count distinct arrivals: a duplicate must not end the drain before the last original.
    // With a selector, distinct matching ones: a broker that ignores it must not end the drain with messages never promised.
    this.arrivalField = !this.ledgerOn || this.plan.senders === 0 ? 'received' : this.plan.recvSelector !== undefined ? 'selected' : 'fresh';
    const senderSlots = this.slots('sender');
    const expected = this.plan.senders === 0
      ? this.plan.count ?? Number.POSITIVE_INFINITY
      : this.progress.sum(this.plan.recvSelector !== undefined ? 'matching' : this.plan.settle === 'at-most-once' ? 'sent' : 'accepted', senderSlots);
    this.lastReceiveUs = Math.max(this.lastReceiveUs, monotonicNowUs());
    // Receiving only, --duration bounds the run like a count does.
    const stopAtUs = this.plan.senders === 0 && this.plan.durationMs !== null ? this.runStartUs + this.plan.durationMs * 1000 : Infinity;
    while (!this.failure) {
      this.watchReceipts();
      if (monotonicNowUs() >= stopAtUs || (this.lastReceived >= expected && !this.mayHaveCountedTwice())) return;
      this.lastReceiveUs += this.downSinceLastTickUs();
      if (monotonicNowUs() - this.lastReceiveUs > this.plan.drainTimeoutMs * 1000) {
        if (this.plan.senders > 0) this.problems.push(`drain timeout: ${expected - this.lastReceived} messages did not arrive within ${this.plan.drainTimeoutMs / 1000} s`);
        return;
      }
      await this.tick();
    }
  }

  private arrivalField: 'fresh' | 'selected' | 'received' = 'received';

  /**
   * Distinct arrivals are counted per receiver worker: with several, a
   * message the broker redelivered to another worker counts in both, and
   * the count can be reached early. Then the drain goes on until receipts
   * have been quiet for a moment, so that a late original is not called lost.
   */
  private mayHaveCountedTwice(): boolean {
    // Transactions: a message of a rolled-back batch that arrives anyway (a ghost) is fresh too.
    const ghostsPossible = this.plan.transactions !== undefined;
    if (this.arrivalField === 'received' || (this.plan.receivers < 2 && !ghostsPossible)) return false;
    const slots = this.slots('receiver');
    if (!ghostsPossible && this.progress.sum('received', slots) <= this.progress.sum('fresh', slots)) return false;
    return monotonicNowUs() - this.lastReceiveUs < Math.min(DUPLICATE_QUIET_MS, this.plan.drainTimeoutMs) * 1000;
  }

  private get ledgerOn(): boolean {
    // rpc requests carry correlation ids, not stamps: the requesters match replies instead.
    return this.context.measure !== false && this.context.ledger !== false && this.plan.rpc === undefined;
  }

  private watchReceipts(): void {
    const received = this.progress.sum(this.arrivalField, this.slots('receiver'));
    if (received !== this.lastReceived) {
      this.lastReceived = received;
      this.lastReceiveUs = monotonicNowUs();
    }
    this.showProgress();
    this.live?.poll();
  }

  private lastShownUs = 0;
  /** The counters as last shown, for rates over the time since. */
  private shownSent = 0;
  private shownReceived = 0;

  /** Rates from the shared counters (current); latency from the last interval every worker has reported. */
  private showProgress(): void {
    const nowUs = monotonicNowUs();
    const sinceS = (nowUs - this.lastShownUs) / 1e6;
    if (sinceS < 1) return;
    const elapsedS = (nowUs - this.runStartUs) / 1e6;
    const sent = this.progress.sum('sent', this.slots('sender'));
    const point = this.aggregator.point(Math.floor(elapsedS) - 2);
    this.context.progress.show(formatProgress({
      elapsedS,
      totalS: this.plan.durationMs !== null ? this.plan.durationMs / 1000 : null,
      sent,
      received: this.lastReceived,
      sendRate: this.lastShownUs > 0 ? (sent - this.shownSent) / sinceS : 0,
      receiveRate: this.lastShownUs > 0 ? (this.lastReceived - this.shownReceived) / sinceS : 0,
      p50Us: point?.serviceP50Us ?? point?.roundTripP50Us ?? point?.endToEndP50Us ?? null,
      p99Us: point?.serviceP99Us ?? point?.roundTripP99Us ?? point?.endToEndP99Us ?? null,
      warmup: nowUs < this.runStartUs + this.plan.warmupMs * 1000,
    }));
    this.lastShownUs = nowUs;
    this.shownSent = sent;
    this.shownReceived = this.lastReceived;
  }

  private outcome(results: (WorkerResult | Crash)[]): RunOutcome {
    for (const result of results) {
      if (result.error) {
        const problem = `${result.workerId}: ${result.error.message}`;
        if (!this.problems.includes(problem)) this.problems.push(problem);
        this.failure ??= new SalvoError(result.error.code, problem, result.error.condition);
      }
      // A crashed worker's totals stand as its interval reports left them.
      if (!('crashed' in result)) this.aggregator.addFinal(result.final);
    }
    const finished = results.filter((r): r is WorkerResult => !('crashed' in r));
    const counters = this.aggregator.totals();
    const foreign = finished.reduce((sum, r) => sum + r.foreign, 0);
    const measuredFromUs = warmupEndUs(this.runStartUs, this.plan.warmupMs);
    const lastUs = (role: 'sender' | 'receiver'): number =>
      Math.max(0, ...finished.filter((r) => r.role === role).map((r) => r.lastActivityUs));
    const started = this.runStartUs > 0;
    const since = (us: number): number => (started ? Math.max(0, us - measuredFromUs) / 1e6 : 0);
    const lastOutcomeUs = Math.max(0, ...finished.filter((r) => r.role === 'sender').map((r) => r.lastOutcomeUs));
    const totals = totalsFrom(counters, foreign, { sendS: since(lastUs('sender')), acceptS: since(lastOutcomeUs), receiveS: since(lastUs('receiver')) });
    const complete = this.failure === undefined;
    const faultRecords = this.faultLog.records();
    // The verdict needs every worker's ledger after a full drain: an incomplete run has none.
    const verdict = complete && this.ledgerOn ? verdictOf(this.plan, finished) : undefined;
    const result: RunResult = {
      schema: RESULT_SCHEMA,
      runId: this.plan.runId,
      startedAt: this.startedAt.toISOString(),
      complete,
      problems: this.problems,
      plan: redactPlan(this.plan),
      environment: captureEnvironment(this.shownUrl),
      totals,
      latency: this.aggregator.latency(),
      checks: complete ? checksFor(this.plan, totals) : [],
      timeseries: this.stampedTimeseries(),
    };
    if (this.plan.faults || faultRecords.length > 0) result.faults = faultRecords;
    const lateness = this.faults?.releaseLateness() ?? null;
    if (lateness !== null) result.proxyLateness = lateness;
    const unmeasured = complete ? nothingMeasured(result) : undefined;
    if (unmeasured !== undefined) this.problems.push(unmeasured);
    if (verdict) {
      result.verdict = verdict;
      // A run that measured nothing passes no check, even when the ledger (warm-up included) holds.
      if (unmeasured === undefined) result.checks.push(...verdictChecks(verdict), ...selectionChecks(verdict));
      this.judgeSelection(result);
    }
    const hlogs: Record<string, string> = {};
    for (const kind of LATENCY_KINDS) {
      const intervals = this.aggregator.hlogIntervals(kind);
      if (intervals.length > 0) hlogs[kind] = formatHlog(this.startedAt.getTime(), intervals);
    }
    this.live?.finish(result);
    this.aggregator.free();
    return { result, hlogs, failure: this.failure, started, ...(this.withholdSummary ? { withholdSummary: true } : {}) };
  }

  /** Each second with the faults injected in it (reconnects are already the workers' own count). */
  private stampedTimeseries(): SecondPoint[] {
    const perSecond = this.faultLog.faultsPerSecond();
    return this.aggregator.timeseries().map((point) => ({ ...point, faults: perSecond.get(Math.floor(point.t)) ?? 0 }));
  }

  /**
   * --recv-selector: the selection counts go into the totals; a message that
   * does not match means the broker ignored the selector, and the run fails
   * as for a refused feature rather than report a throughput for filtering
   * the broker did not do.
   */
  private judgeSelection(result: RunResult): void {
    const selection = result.verdict?.selection;
    if (selection === undefined) return;
    Object.assign(result.totals, selection);
    if (selection.selectorMismatches === 0) return;
    const received = selection.selected + selection.selectorMismatches;
    const line = `the broker ignored the selector ${JSON.stringify(this.plan.recvSelector)}: ${selection.selectorMismatches} of ${received} messages received did not match`;
    result.problems.push(line);
    // Not a result to compare throughput with: salvo compare takes complete runs only.
    result.complete = false;
    this.failure ??= new SalvoError('refused', line);
    this.withholdSummary = true;
  }

  /** The run's figures are not the workload's (an ignored selector): result.json is written, no summary printed. */
  private withholdSummary = false;

  private lastTickUs = 0;

  /**
   * Time since the last call during which some worker's connection was down
   * (sampled at this call): the stall and drain clocks stop for it, since
   * reconnecting is not a stall and each worker bounds its own outage
   * (--reconnect-give-up); under frequent resets they still run between outages.
   */
  private downSinceLastTickUs(): number {
    const nowUs = monotonicNowUs();
    const sinceUs = this.lastTickUs > 0 ? nowUs - this.lastTickUs : 0;
    this.lastTickUs = nowUs;
    return this.progress.sum('down', this.handles.map((h) => h.slot)) > 0 ? sinceUs : 0;
  }

  private slots(role: 'sender' | 'receiver'): number[] {
    return this.handles.filter((h) => h.role === role).map((h) => h.slot);
  }

  private broadcast(role: 'sender' | 'receiver', message: Parameters<WorkerHandle['send']>[0]): void {
    for (const handle of this.handles) if (handle.role === role) handle.send(message);
  }

  /** Waits one poll period, or less when a worker reports. */
  private tick(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/**
 * How long senders may neither send nor see an outcome before the run is
 * stuck: the drain timeout; open loop, at least two of a link's gaps between
 * due sends, so that a slow schedule is never taken for a broker that grants
 * no credit.
 */
/** Beyond the senders' own bound on waiting for outcomes, before the coordinator calls the run stuck. */
const OUTSTANDING_GRACE_MS = 1000;

export function stuckAfterMs(plan: Plan): number {
  // A blackhole stops everything on purpose for its length: that is not a stuck broker.
  const blackholeMs = Math.max(0, ...(plan.faults?.spec.timed ?? []).map((fault) => (fault.kind === 'blackhole' ? fault.durationMs : 0)));
  if (plan.rateHz === null) return plan.drainTimeoutMs + blackholeMs;
  const links = plan.senders * plan.connections * plan.links;
  return Math.max(plan.drainTimeoutMs, (2 * links * 1000) / plan.rateHz) + blackholeMs;
}

/** Merges the workers' ledgers; a side that did not run (--senders 0, --receivers 0) is not checked. */
function verdictOf(plan: Plan, finished: readonly WorkerResult[]): Verdict {
  const senders = plan.senders > 0 ? finished.flatMap((r) => r.senderLedgers ?? []) : null;
  const receivers = plan.receivers > 0 ? finished.flatMap((r) => r.receiverLedgers ?? []) : null;
  const transactional = plan.transactions !== undefined || plan.recvTransactions !== undefined;
  const selects = plan.recvSelector === undefined ? undefined : selectionMatcher(plan.messageProperties, plan.recvSelector);
  return checkLedgers(transactional ? 'transactional' : plan.settle, senders, receivers, selects);
}

/** --msg-property and --recv-selector, for every worker. */
function selectionOf(plan: Plan): Pick<WorkerAssignment, 'messageProperties' | 'recvSelector'> {
  return {
    ...(plan.messageProperties ? { messageProperties: plan.messageProperties } : {}),
    ...(plan.recvSelector !== undefined ? { recvSelector: plan.recvSelector } : {}),
  };
}

/** The side's transactions (--tx-size for senders, --recv-tx-size for receivers), if any. */
function transactionsOf(plan: Plan, role: 'sender' | 'receiver'): { transactions?: TxPlan } {
  const tx = role === 'sender' ? plan.transactions : plan.recvTransactions;
  return tx ? { transactions: tx } : {};
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A worker whose task threw or never finished: no final report. */
interface Crash {
  crashed: true;
  workerId: string;
  error: WorkerFailure;
}

function crashed(handle: WorkerHandle, error: unknown): Crash {
  return { crashed: true, workerId: handle.workerId, error: { code: 'internal', message: `worker crashed: ${describeError(error)}` } };
}

function within<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(why)), ms);
    promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function failureError(handle: WorkerHandle, failure: WorkerFailure): SalvoError {
  return new SalvoError(failure.code, `${handle.workerId}: ${failure.message}`, failure.condition);
}
