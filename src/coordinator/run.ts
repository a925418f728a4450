/**
 * The coordinator: starts the target and the pools, starts everyone at one
 * instant, then loops: polls the shared progress counters, asks the drain
 * policy whether to go on, hands the observers a snapshot once a second.
 * The parts it loops over are pure and tested alone: worker-assignments.ts,
 * drain-policy.ts, assemble-result.ts. It never touches a message.
 */
import { Piscina } from 'piscina';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded.js';
import { describeError, SalvoError } from '../errors.js';
import { Aggregator, LATENCY_KINDS, formatHlog, initHistograms, type IntervalReport } from '../metrics/index.js';
import { monotonicClock, monotonicNowUs } from '../timing/clock.js';
import type { Plan, PlannedSides, Side } from '../plan/index.js';
import { compiledPath } from '../runtime/compiled.js';
import { captureEnvironment } from '../results/environment.js';
import { owedDeliveries } from '../results/backlog.js';
import { FaultLog } from '../faults/log.js';
import type { Endpoint, WorkerFailure, WorkerMessage } from '../protocol/worker-messages.js';
import { endpointFromUrl, workerLabel } from './worker-shapes.js';
import { assignWorkers, ledgerKept, targetEndpoint, type SideEndpoints } from './worker-assignments.js';
import { shardSeconds } from './shard-record.js';
import { shardMeeting, type ShardMeeting } from './shard-meeting.js';
import { assembleResult, workerFailureLine, type Crash, type FinishedWorker } from './assemble-result.js';
import { DrainPolicy, drainRules, type ProgressTotals } from './drain-policy.js';
import { commandRestarter, embeddedRestarter, type BrokerRestarter } from './broker-restart.js';
import { FaultSession } from './fault-session.js';
import { LiveFeed } from './live-feed.js';
import type { LiveMetrics } from '../metrics/prometheus.js';
import { createProgress, ProgressReader } from '../protocol/progress-counters.js';
import { ProgressObserver, type ProgressLine } from './progress-line.js';
import type { RunObserver, RunOutcome, RunSecond } from './run-observer.js';
import { waitAllReachable } from './reachability.js';
import { plannedLinks, readyTimeoutMs } from './ready-timeout.js';
import { WorkerHandle } from './worker-handle.js';

export type { RunOutcome } from './run-observer.js';

const POLL_MS = 100;
/** The observers' cadence: one snapshot a second, the first at the first poll after the start. */
const SECOND_US = 1_000_000;
const DRAIN_PORTS_MS = 2_000;
const RESULT_GRACE_MS = 10_000;
const REACHABLE_TIMEOUT_MS = 5_000;

/** amqps options of `salvo run`: file paths, read by each worker. */
export type RunTls = Pick<
  Endpoint,
  'caFile' | 'certFile' | 'keyFile' | 'keyPassword' | 'servername' | 'verifyHost' | 'saslMechanisms' | 'tlsFlags'
>;

export interface RunContext {
  progress: ProgressLine;
  /** Aborted by Ctrl-C / SIGTERM: the run stops and writes what it has. */
  signal: AbortSignal;
  tls?: RunTls;
  /** --send-* / --recv-* TLS and SASL flags: a side's settings, already merged over `tls`; absent: `tls`. */
  sideTls?: Partial<Record<Side, RunTls>>;
  /** false: the overhead benchmark's bare mode (no stamps, no histograms, no ledger). */
  measure?: boolean;
  /** false: the overhead benchmark's "ledger off" row (stamps and histograms, no ledger). */
  ledger?: boolean;
  /** The compare tests' slowed build: senders wait this many µs after each send (0: never). */
  slowPerMessageUs?: number;
  /** --metrics-port: live metrics, fed once a second (src/coordinator/live-feed.ts). */
  metrics?: LiveMetrics;
  /** More outputs (result files, summary), told after the progress line and live metrics, in this order. */
  observers?: readonly RunObserver[];
  /** Set by executeRun for a shard (--shards): where it meets the other shards. */
  meeting?: ShardMeeting;
}

export async function executeRun(plan: Plan, context: RunContext): Promise<RunOutcome> {
  await initHistograms();
  let broker: EmbeddedBroker | undefined;
  let faults: FaultSession | undefined;
  let meeting: ShardMeeting | undefined;
  try {
    let endpoint: Endpoint;
    let shownUrl: string;
    let sides: SideEndpoints | undefined;
    if (plan.target.kind === 'embedded') {
      const chaosOption = plan.brokerChaos ? { chaos: plan.brokerChaos } : {};
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, ...chaosOption });
      endpoint = endpointFromUrl(broker.url);
      shownUrl = `${broker.url} (embedded)`;
    } else {
      endpoint = targetEndpoint(plan.target, targetTls(plan, context) ?? {});
      shownUrl = plan.sides ? sidesText(plan.sides) : plan.target.url;
      sides = sideEndpoints(plan, context);
      await waitAllReachable(reachabilityTargets(plan, endpoint, sides), REACHABLE_TIMEOUT_MS);
    }
    // Shards meet on the broker itself, not through the fault proxy.
    meeting = shardMeeting(plan, endpoint);
    const faultLog = new FaultLog();
    if (plan.faults) {
      faults = await FaultSession.open(plan.faults, endpoint, restarterFor(plan, broker), faultLog);
      endpoint = faults.endpointFor(endpoint);
    }
    const coordinator = new RunCoordinator(plan, endpoint, shownUrl, { ...context, meeting }, faultLog, faults, sides);
    const outcome = await coordinator.execute();
    // What the broker did on purpose, read after the drain: a run's verdict must find exactly these counts.
    const chaos = plan.brokerChaos && broker ? (await broker.stats()).chaos : undefined;
    if (chaos) outcome.result.brokerChaos = chaos;
    await coordinator.finish(outcome);
    if (meeting) await exchangeResults(meeting, outcome);
    return outcome;
  } finally {
    await meeting?.close().catch(() => undefined);
    // Already stopped after a run; here for a run that threw before its end.
    await faults?.stop().catch(() => undefined);
    await broker?.stop();
  }
}

/** A shard's result to shard 0, or (shard 0) the others' into the outcome; a failure is the run's problem, not a crash. */
async function exchangeResults(meeting: ShardMeeting, outcome: RunOutcome): Promise<void> {
  try {
    const gathered = await meeting.exchange(JSON.stringify(outcome.result));
    if (gathered) outcome.gathered = gathered;
  } catch (error) {
    outcome.failure ??= error instanceof SalvoError ? error : new SalvoError('internal', describeError(error));
  }
}

/**
 * The TLS settings of the plan's target: the URL argument's are the shared ones; without it, the target is the first
 * --send-url (or --recv-url), with that side's.
 */
function targetTls(plan: Plan, context: RunContext): RunTls | undefined {
  const { sides, target } = plan;
  if (!sides || target.kind !== 'url') return context.tls;
  const side: Side | undefined = sides.send.some((url) => url.url === target.url)
    ? 'send'
    : sides.receive.some((url) => url.url === target.url)
      ? 'receive'
      : undefined;
  return side ? (context.sideTls?.[side] ?? context.tls) : context.tls;
}

/** `send URL, URL -> receive URL`: where each side connects, for the summary's target and the report's header. */
function sidesText(sides: PlannedSides): string {
  const list = (urls: readonly { url: string }[]): string => urls.map((url) => url.url).join(', ');
  if (sides.receive.length === 0) return `send ${list(sides.send)}`;
  if (sides.send.length === 0) return `receive ${list(sides.receive)}`;
  return `send ${list(sides.send)} -> receive ${list(sides.receive)}`;
}

/** --send-url / --recv-url: each side's endpoints with that side's TLS and SASL settings. */
function sideEndpoints(plan: Plan, context: RunContext): SideEndpoints | undefined {
  if (!plan.sides) return undefined;
  const tls = (side: Side): RunTls => context.sideTls?.[side] ?? context.tls ?? {};
  return {
    send: plan.sides.send.map((url) => targetEndpoint(url, tls('send'))),
    receive: plan.sides.receive.map((url) => targetEndpoint(url, tls('receive'))),
  };
}

/** Every URL the run connects to, named as the user gave it (password removed), each side's flag after it. */
function reachabilityTargets(
  plan: Plan,
  target: Endpoint,
  sides: SideEndpoints | undefined,
): { endpoint: Endpoint; shownUrl: string }[] {
  if (plan.target.kind !== 'url') return [];
  const shown = { endpoint: target, shownUrl: plan.target.url };
  if (!plan.sides || !sides) return [shown];
  return [
    // The URL argument is where shards meet, even when both sides name their own URLs.
    ...(plan.shards ? [shown] : []),
    ...plan.sides.send.map((url, i) => ({ endpoint: sides.send[i], shownUrl: `${url.url} (--send-url)` })),
    ...plan.sides.receive.map((url, i) => ({ endpoint: sides.receive[i], shownUrl: `${url.url} (--recv-url)` })),
  ];
}

function restarterFor(plan: Plan, broker: EmbeddedBroker | undefined): BrokerRestarter | undefined {
  if (broker) return embeddedRestarter(broker);
  return plan.faults?.restartCommand !== undefined ? commandRestarter(plan.faults.restartCommand) : undefined;
}

/** The observers of a run: the progress line and live metrics the context asks for, then the caller's own. */
function observersOf(context: RunContext): RunObserver[] {
  return [
    new ProgressObserver(context.progress),
    ...(context.metrics ? [new LiveFeed(context.metrics)] : []),
    ...(context.observers ?? []),
  ];
}

class RunCoordinator {
  private readonly aggregator = new Aggregator();
  private readonly progressBuffer: SharedArrayBuffer;
  private readonly progress: ProgressReader;
  private readonly observers: RunObserver[];
  private readonly ledger: boolean;
  private readonly handles: WorkerHandle[] = [];
  private readonly pools: Piscina[] = [];
  private readonly problems: string[] = [];
  /** When the senders were done: seconds since the start, and taken minus received then (results/backlog.ts). */
  private sendPhaseEnd: { seconds: number; backlog: number } | undefined;
  /** Slow consumers: owed messages not received when the drain's bound came. */
  private undrained: number | undefined;
  private failure: SalvoError | undefined;
  private runStartUs = 0;
  private startSentUs = 0;
  private startedAt = new Date();
  private wakeUp: (() => void) | undefined;
  private lastSecondUs = 0;
  private policy: DrainPolicy | undefined;
  /** The figures once every report is in, for the observers' end. */
  private last: RunSecond | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly endpoint: Endpoint,
    private readonly shownUrl: string,
    private readonly context: RunContext,
    private readonly faultLog: FaultLog,
    private readonly faults: FaultSession | undefined,
    private readonly sides?: SideEndpoints,
  ) {
    this.progressBuffer = createProgress(plan.senders + plan.receivers);
    this.progress = new ProgressReader(this.progressBuffer);
    this.observers = observersOf(context);
    this.ledger = ledgerKept(plan, { measure: context.measure !== false, ledger: context.ledger !== false });
  }

  async execute(): Promise<RunOutcome> {
    const onAbort = (): void => this.abort(new SalvoError('interrupted', 'interrupted by a signal'));
    this.context.signal.addEventListener('abort', onAbort, { once: true });
    // A Ctrl-C while the broker or the reachability check was starting.
    if (this.context.signal.aborted) onAbort();
    try {
      this.startWorkers();
      await this.untilAllReady();
      const startAtUs = this.failure ? undefined : await this.meetForStart();
      if (!this.failure) {
        this.policy = this.start(startAtUs);
        await this.untilSendersDone(this.policy);
        await this.meetAfterSending();
        await this.untilDrained(this.policy);
      }
      this.broadcast('receiver', { type: 'stop' });
      this.broadcast('sender', { type: 'stop' });
      // Stopped workers finish within their drain timeout; one that does not is counted as crashed.
      const boundMs = this.plan.drainTimeoutMs + RESULT_GRACE_MS;
      const results = await Promise.all(
        this.handles.map((h) =>
          withDeadline(h.result, boundMs, `did not finish within ${boundMs / 1000} s of the stop`).catch(
            (error: unknown) => crashed(h, error),
          ),
        ),
      );
      // A crashed worker never sends its end marker: wait for the rest, not forever.
      await Promise.race([Promise.all(this.handles.map((h) => h.drained)), delay(DRAIN_PORTS_MS)]);
      await this.stopFaults();
      return this.assembleOutcome(results);
    } finally {
      this.context.signal.removeEventListener('abort', onAbort);
      // Whatever ended the loop, no message may follow a half-drawn progress line.
      this.context.progress.clear();
      for (const handle of this.handles) handle.close();
      await Promise.all(this.pools.map((pool) => pool.destroy()));
    }
  }

  /** The observers' end, in order; the Aggregator's histograms are freed after the last. */
  async finish(outcome: RunOutcome): Promise<void> {
    try {
      for (const observer of this.observers) await observer.finished?.({ outcome, last: this.last });
    } finally {
      this.aggregator.free();
    }
  }

  private startWorkers(): void {
    const { measure, ledger, slowPerMessageUs } = this.context;
    const assignments = assignWorkers(
      this.plan,
      this.endpoint,
      {
        measure: measure !== false,
        ledger: ledger !== false,
        slowPerMessageUs: slowPerMessageUs ?? 0,
        progress: this.progressBuffer,
      },
      this.sides,
    );
    // A shard (--shards) runs its part's workers only: one thread each, not the whole plan's.
    const threads = (role: 'sender' | 'receiver'): number => assignments.filter((a) => a.role === role).length;
    const pools = {
      sender: this.pool(this.plan.rpc ? 'workers/requester.js' : 'workers/sender.js', threads('sender')),
      receiver: this.pool(this.plan.rpc ? 'workers/responder.js' : 'workers/receiver.js', threads('receiver')),
    };
    for (const assignment of assignments) {
      const pool = pools[assignment.role];
      if (!pool) continue;
      const events = { onMessage: (h: WorkerHandle, m: WorkerMessage): void => this.onWorkerMessage(h, m) };
      const { role, workerId, slot } = assignment;
      this.handles.push(new WorkerHandle(role, workerId, slot, pool, assignment, events));
    }
  }

  private pool(file: string, threads: number): Piscina | undefined {
    if (threads === 0) return undefined;
    // atomics disabled: a worker waiting synchronously for its next task would strand rhea's sockets.
    const pool = new Piscina({
      filename: compiledPath(file),
      minThreads: threads,
      maxThreads: threads,
      atomics: 'disabled',
      idleTimeout: 1000,
    });
    // A worker thread that dies outside a task (say, in a late rhea callback) must end the run, not the process.
    pool.on('error', (error: Error) => {
      this.abort(new SalvoError('internal', `a worker thread died: ${describeError(error)}`));
    });
    this.pools.push(pool);
    return pool;
  }

  private onWorkerMessage(handle: WorkerHandle, message: WorkerMessage): void {
    if (message.type === 'interval') this.aggregator.addInterval(message.report as IntervalReport);
    else if (message.type === 'failed') this.abort(this.failureError(handle, message.failure));
    // A disconnect before the start (runStartUs 0) happened at the run's first instant.
    else if (message.type === 'event') {
      const { connection, ...event } = message.event;
      const target = workerLabel(handle.workerId, this.plan.rpc !== undefined, connection);
      this.faultLog.addClientEvent({ ...event, target }, this.runStartUs || message.event.atUs);
    }
    this.wakeUp?.();
  }

  /** A worker's failure, its line led by the worker (and connection) as users count them. */
  private failureError(handle: WorkerHandle, failure: WorkerFailure): SalvoError {
    const line = workerFailureLine(handle.workerId, failure, this.plan.rpc !== undefined);
    return new SalvoError(failure.code, line, failure.condition);
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
    const links = plannedLinks(this.plan);
    const timeoutMs = readyTimeoutMs(links);
    const deadline = Date.now() + timeoutMs;
    while (!this.failure && !this.handles.every((h) => h.ready)) {
      if (Date.now() > deadline) {
        const why = `workers did not connect to ${this.shownUrl} and attach ${links} links within ${timeoutMs / 1000} s`;
        this.abort(new SalvoError('unreachable', why));
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
      if (result.error) this.abort(this.failureError(handle, result.error));
    }
  }

  /**
   * A shard (--shards) meets the others before its start: the instant they all start at (this host's monotonic µs),
   * waited for here; undefined for an unsharded run or when the meeting failed (the run is then aborted).
   */
  private async meetForStart(): Promise<number | undefined> {
    const meeting = this.context.meeting;
    if (!meeting) return undefined;
    try {
      const startAtUs = await this.whileRunning(meeting.beforeStart());
      while (startAtUs !== undefined && !this.failure && monotonicNowUs() < startAtUs)
        await delay(Math.min(POLL_MS, Math.max(0, (startAtUs - monotonicNowUs()) / 1000 - 1)));
      // The last millisecond, turned through: the start is the instant every shard aims at.
      while (startAtUs !== undefined && !this.failure && monotonicNowUs() < startAtUs) await new Promise(setImmediate);
      return startAtUs;
    } catch (error) {
      this.abort(error instanceof SalvoError ? error : new SalvoError('internal', describeError(error)));
      return undefined;
    }
  }

  /** A shard's receivers may consume another shard's messages: it drains once every shard has sent everything. */
  private async meetAfterSending(): Promise<void> {
    const meeting = this.context.meeting;
    if (!meeting || this.failure) return;
    try {
      const still = await this.whileRunning(meeting.afterSending());
      if (still && still.length > 0)
        this.problems.push(`shards ${still.join(', ')} had not finished sending when this shard began its drain`);
    } catch (error) {
      this.problems.push(`shard meeting after sending: ${describeError(error)}`);
    }
  }

  /** The promise's value, or undefined once the run has failed (Ctrl-C) before it settled. */
  private async whileRunning<T>(promise: Promise<T>): Promise<T | undefined> {
    let outcome: { value: T } | { error: unknown } | undefined;
    promise.then(
      (value) => {
        outcome = { value };
        this.wakeUp?.();
      },
      (error: unknown) => {
        outcome = { error };
        this.wakeUp?.();
      },
    );
    while (outcome === undefined && !this.failure) await this.tick();
    if (outcome === undefined) return undefined;
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** Everyone starts at one instant; the drain policy's clocks start with it. */
  private start(atUs?: number): DrainPolicy {
    this.startedAt = new Date();
    // Whole µs, like the stamps: the warm-up boundary is then exactly warmupMs after it.
    this.runStartUs = Math.floor(atUs ?? monotonicNowUs());
    const stopAtUs = this.plan.durationMs !== null ? this.runStartUs + this.plan.durationMs * 1000 : null;
    // When the start went out, to the µs: a shard's start skew is measured, not the instant it aimed at.
    this.startSentUs = monotonicNowUs();
    // A shard that met the others: every shard's clock offset (receivers correct cross-shard latency with it).
    const clocks = this.context.meeting?.clocks();
    const startMessage = { type: 'start' as const, runStartUs: this.runStartUs, stopAtUs, ...(clocks && { clocks }) };
    this.broadcast('receiver', startMessage);
    this.broadcast('sender', startMessage);
    this.faults?.arm(this.runStartUs, this.plan.warmupMs, (error) => this.abort(error));
    const start = {
      plan: this.plan,
      runStartUs: this.runStartUs,
      senderWorkers: this.slots('sender').length,
      receiverWorkers: this.slots('receiver').length,
      ledger: this.ledger,
    };
    for (const observer of this.observers) observer.started?.(start);
    return new DrainPolicy(drainRules(this.plan, this.ledger), monotonicClock, this.runStartUs);
  }

  /** The proxy's records come with its stop; a proxy that does not stop is a problem, not a lost result. */
  private async stopFaults(): Promise<void> {
    try {
      await this.faults?.stop();
    } catch (error) {
      this.problems.push(`fault proxy: ${describeError(error)}`);
    }
  }

  /** Until every sender's task has ended, or the policy calls the run stalled. */
  private async untilSendersDone(policy: DrainPolicy): Promise<void> {
    const senders = this.handles.filter((h) => h.role === 'sender');
    while (!this.failure && senders.some((h) => !h.done)) {
      const totals = this.readTotals();
      const decision = policy.whileSending(totals);
      this.everySecond(totals, policy.arrived);
      if (decision.kind === 'stalled') {
        this.abort(decision.error);
        return;
      }
      await this.tick();
    }
  }

  /** Until the policy calls the receivers drained, or the drain timed out. */
  private async untilDrained(policy: DrainPolicy): Promise<void> {
    if (this.plan.receivers === 0) return;
    const totals = this.readTotals();
    if (this.runStartUs > 0) {
      const seconds = (monotonicNowUs() - this.runStartUs) / 1e6;
      this.sendPhaseEnd = { seconds, backlog: Math.max(0, owedDeliveries(this.plan, totals) - totals.received) };
    }
    policy.beginDrain(totals);
    while (!this.failure) {
      const totals = this.readTotals();
      const decision = policy.whileDraining(totals);
      this.everySecond(totals, policy.arrived);
      if (decision.kind === 'drained') return;
      if (decision.kind === 'timed-out') {
        if (decision.problem !== undefined) this.problems.push(decision.problem);
        if (decision.undrained !== undefined) this.undrained = decision.undrained;
        return;
      }
      await this.tick();
    }
  }

  /** The shared counters, summed: a few additions per worker, at every poll. */
  private readTotals(): ProgressTotals {
    const senders = this.slots('sender');
    const receivers = this.slots('receiver');
    const sum = this.progress.sum.bind(this.progress);
    return {
      sent: sum('sent', senders),
      settled: sum('settled', senders),
      accepted: sum('accepted', senders),
      matching: sum('matching', senders),
      received: sum('received', receivers),
      fresh: sum('fresh', receivers),
      selected: sum('selected', receivers),
      down: sum(
        'down',
        this.handles.map((h) => h.slot),
      ),
    };
  }

  /** Hands every observer the same snapshot, at most once a second (the first at the first poll). */
  private everySecond(totals: ProgressTotals, arrived: number): void {
    const nowUs = monotonicNowUs();
    if (nowUs - this.lastSecondUs < SECOND_US) return;
    this.lastSecondUs = nowUs;
    const snapshot = this.snapshot(nowUs, totals, arrived);
    for (const observer of this.observers) observer.second?.(snapshot);
  }

  private snapshot(nowUs: number, totals: ProgressTotals, arrived: number): RunSecond {
    return { nowUs, totals, arrived, series: this.aggregator, faultsSoFar: this.faults?.injectedSoFar(nowUs) };
  }

  private assembleOutcome(workers: FinishedWorker[]): RunOutcome {
    // A crashed worker's totals stand as its interval reports left them.
    for (const worker of workers) if (!('crashed' in worker)) this.aggregator.addFinal(worker.final);
    const started = this.runStartUs > 0;
    const assembled = assembleResult({
      plan: this.plan,
      workers,
      problems: this.problems,
      failure: this.failure,
      startedAt: this.startedAt,
      runStartUs: this.runStartUs,
      ledger: this.ledger,
      environment: captureEnvironment(this.shownUrl),
      counters: this.aggregator.totals(),
      latency: this.aggregator.latency(),
      timeseries: this.aggregator.timeseries(),
      faults: {
        planned: this.plan.faults !== undefined,
        records: this.faultLog.records(),
        perSecond: this.faultLog.faultsPerSecond(),
        releaseLateness: this.faults?.releaseLateness() ?? null,
      },
      ...(this.plan.shards ? { shardSeconds: shardSeconds(this.aggregator) } : {}),
      ...(this.sendPhaseEnd ? { sendPhaseEnd: this.sendPhaseEnd } : {}),
      ...(this.undrained !== undefined ? { undrained: this.undrained } : {}),
      ...(this.context.meeting?.clock(this.startSentUs) && {
        shardClock: this.context.meeting.clock(this.startSentUs),
      }),
    });
    this.failure = assembled.failure;
    const totals = this.readTotals();
    if (started) this.last = this.snapshot(monotonicNowUs(), totals, this.policy?.arrived ?? totals.received);
    const { result, failure, withholdSummary } = assembled;
    return { result, hlogs: this.hlogs(), failure, started, ...(withholdSummary ? { withholdSummary: true } : {}) };
  }

  /** One interval log per latency kind measured, timed from the wall-clock start. */
  private hlogs(): Record<string, string> {
    const hlogs: Record<string, string> = {};
    for (const kind of LATENCY_KINDS) {
      const intervals = this.aggregator.hlogIntervals(kind);
      if (intervals.length > 0) hlogs[kind] = formatHlog(this.startedAt.getTime(), intervals);
    }
    return hlogs;
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function crashed(handle: WorkerHandle, error: unknown): Crash {
  const message = `worker crashed: ${describeError(error)}`;
  return { crashed: true, workerId: handle.workerId, error: { code: 'internal', message } };
}

/** The promise's own outcome, or a rejection with `why` once `ms` have passed. */
function withDeadline<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(why)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
