/**
 * Live metrics of one run in Prometheus' text format (`--metrics-port`), for
 * soak runs watched in Grafana. Fed by the coordinator from what it already
 * has: the shared progress counters (every poll) and the Aggregator's merged
 * interval reports (once a second). Nothing here runs per message, and
 * nothing in the workers knows about it.
 *
 * Counters only grow, as Prometheus expects: they count everything reported
 * so far, warm-up included. The cumulative latency quantiles exclude warm-up,
 * like result.json's; the last-second ones are of the latest second every
 * worker has reported, warm-up or not (`salvo_warmup` tells which).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveQuantiles } from './aggregator.js';
import { LATENCY_KINDS, type Counters, type LatencyKind } from './interval-report.js';

/** What the shared progress counters say now (src/coordinator/progress-counters.ts). */
export interface LiveProgress {
  elapsedS: number;
  warmup: boolean;
  sent: number;
  settled: number;
  accepted: number;
  received: number;
  /** Distinct arrivals (the receivers' ledger); null without a ledger or without senders. */
  distinct: number | null;
  /** What receivers must get for the run to be whole: accepted (sent, at-most-once); null when one side is absent. */
  expected: number | null;
  /** Worker connections down now, being reopened. */
  down: number;
  /** Taken by the broker (accepted; at-most-once, sent) minus received: its queue depth as salvo sees it. */
  backlog?: number;
}

/** The latest second every worker has reported. */
export interface LiveSecond {
  t: number;
  counters: Counters;
  latency: Partial<Record<LatencyKind, LiveQuantiles>>;
}

/** The end of the run, from its result. */
export interface LiveEnd {
  /** Complete, every check passed. */
  ok: boolean;
  /** The ledger's counts by category (null: not checked); absent without a verdict. */
  verdict?: { ok: boolean | null; counts: Record<string, number | null> };
}

/** Counters of the interval reports (≤ 1 s behind), under their Prometheus names. */
const REPORTED: readonly [keyof Counters, string, string][] = [
  ['rejected', 'salvo_rejected_total', 'messages the broker rejected'],
  ['released', 'salvo_released_total', 'messages the broker released'],
  ['modified', 'salvo_modified_total', 'messages the broker settled as modified'],
  ['inDoubt', 'salvo_in_doubt_total', 'messages unsettled when their connection went away (or the run ended)'],
  ['resent', 'salvo_resent_total', 'in-doubt messages sent again after a reconnect'],
  ['reconnects', 'salvo_reconnects_total', 'connections opened again after a loss'],
  [
    'unsent',
    'salvo_unsent_total',
    'open loop: messages due by the schedule and never sent (the generator fell behind)',
  ],
  ['committed', 'salvo_tx_committed_total', 'messages in committed send transactions'],
  ['rolledBack', 'salvo_tx_rolled_back_total', 'messages in rolled-back send transactions'],
  ['recvCommitted', 'salvo_recv_tx_committed_total', 'messages accepted in committed receive transactions'],
  ['recvRolledBack', 'salvo_recv_tx_rolled_back_total', 'messages accepted in rolled-back receive transactions'],
];

/** Live progress counters (current to the coordinator's 100 ms poll). */
const LIVE: readonly [keyof Pick<LiveProgress, 'sent' | 'settled' | 'accepted' | 'received'>, string, string][] = [
  ['sent', 'salvo_sent_total', 'messages sent (resends included)'],
  ['settled', 'salvo_settled_total', 'outcomes the senders got from the broker'],
  ['accepted', 'salvo_accepted_total', 'messages the broker accepted'],
  ['received', 'salvo_received_total', 'messages received (duplicates included)'],
];

const QUANTILES: readonly [keyof LiveQuantiles, string][] = [
  ['p50Us', '0.5'],
  ['p99Us', '0.99'],
  ['p999Us', '0.999'],
];

type Window = 'second' | 'cumulative';

export class LiveMetrics {
  readonly registry = new Registry();
  /** Last value given per counter: prom-client's counters only take increments. */
  private readonly last = new Map<string, number>();
  private readonly counters = new Map<string, Counter<string>>();
  private readonly faults: Counter<'kind'>;
  private readonly latency: Gauge<'kind' | 'quantile' | 'window'>;
  private readonly samples: Gauge<'kind' | 'window'>;
  private readonly rate: Gauge<'event'>;
  private readonly verdict: Gauge<'category'>;
  private readonly gauges: Record<
    | 'elapsed'
    | 'warmup'
    | 'inFlight'
    | 'down'
    | 'backlog'
    | 'pending'
    | 'duplicates'
    | 'finished'
    | 'ok'
    | 'verdictOk'
    | 'second',
    Gauge
  >;

  /** One for the whole command: with --repeat, each run starts it again under its own run id. */
  constructor() {
    // The process's own figures (CPU, memory, event-loop lag): is the generator the limit?
    collectDefaultMetrics({ register: this.registry, prefix: 'salvo_' });
    const registers = [this.registry];
    for (const [, name, help] of [...LIVE, ...REPORTED])
      this.counters.set(name, new Counter({ name, help, registers }));
    this.counters.set(
      'salvo_received_distinct_total',
      new Counter({
        name: 'salvo_received_distinct_total',
        help: 'distinct messages received (the ledger)',
        registers,
      }),
    );
    this.faults = new Counter({
      name: 'salvo_faults_injected_total',
      help: 'faults injected so far by kind (the proxy timeline as due, broker restarts as done)',
      labelNames: ['kind'],
      registers,
    });
    this.latency = new Gauge({
      name: 'salvo_latency_seconds',
      help: 'latency quantiles per kind: window="second" the latest complete second, "cumulative" since warm-up',
      labelNames: ['kind', 'quantile', 'window'],
      registers,
    });
    this.samples = new Gauge({
      name: 'salvo_latency_samples',
      help: 'values behind salvo_latency_seconds',
      labelNames: ['kind', 'window'],
      registers,
    });
    this.rate = new Gauge({
      name: 'salvo_rate_per_second',
      help: 'messages per second in the latest complete second',
      labelNames: ['event'],
      registers,
    });
    this.verdict = new Gauge({
      name: 'salvo_verdict',
      help: "the ledger's verdict at the end of the run, by category",
      labelNames: ['category'],
      registers,
    });
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
    this.gauges = {
      elapsed: gauge('salvo_elapsed_seconds', 'seconds since the run start'),
      warmup: gauge('salvo_warmup', '1 during warm-up'),
      second: gauge(
        'salvo_second',
        'the second (since the run start) the window="second" figures are of; -1 before the first is complete',
      ),
      inFlight: gauge('salvo_in_flight', 'messages sent and not yet settled'),
      down: gauge('salvo_connections_down', 'worker connections down now, being reopened'),
      backlog: gauge(
        'salvo_backlog_messages',
        'accepted (at-most-once: sent) minus received so far: the queue depth the broker holds for this run',
      ),
      pending: gauge(
        'salvo_pending_receipt',
        'so far: accepted (at-most-once: sent) and not yet received; lost if the run ended now',
      ),
      duplicates: gauge(
        'salvo_duplicate_receipts',
        'so far: receipts of a message already received (per receiver worker)',
      ),
      finished: gauge('salvo_finished', '1 once the result is written'),
      ok: gauge('salvo_ok', 'at the end: 1 when the run completed and passed every check'),
      verdictOk: gauge(
        'salvo_verdict_ok',
        'at the end: 1 when the verdict passed, 0 when it failed (absent: not checked)',
      ),
    };
  }

  /** A new run: every series starts again from zero, under `run_id`, on every series (the process's own included). */
  startRun(runId: string): void {
    this.registry.resetMetrics();
    this.last.clear();
    this.registry.setDefaultLabels({ run_id: runId });
    this.gauges.finished.set(0);
    this.gauges.second.set(-1);
  }

  progress(p: LiveProgress): void {
    this.gauges.elapsed.set(p.elapsedS);
    this.gauges.warmup.set(p.warmup ? 1 : 0);
    for (const [field, name] of LIVE) this.count(name, p[field]);
    this.gauges.inFlight.set(Math.max(0, p.sent - p.settled));
    this.gauges.down.set(p.down);
    if (p.backlog !== undefined) this.gauges.backlog.set(Math.max(0, p.backlog));
    if (p.distinct === null) return;
    this.count('salvo_received_distinct_total', p.distinct);
    this.gauges.duplicates.set(Math.max(0, p.received - p.distinct));
    if (p.expected !== null) this.gauges.pending.set(Math.max(0, p.expected - p.distinct));
  }

  /** Every interval report's counters so far, warm-up included. */
  reported(counters: Counters): void {
    for (const [field, name] of REPORTED) this.count(name, counters[field]);
  }

  second(second: LiveSecond): void {
    this.gauges.second.set(second.t);
    this.rate.set({ event: 'sent' }, second.counters.sent);
    this.rate.set({ event: 'accepted' }, second.counters.accepted);
    this.rate.set({ event: 'received' }, second.counters.received);
    this.quantiles('second', second.latency);
  }

  cumulative(latency: Partial<Record<LatencyKind, LiveQuantiles>>): void {
    this.quantiles('cumulative', latency);
  }

  /** Faults so far by kind (totals: only their growth is added). */
  faultsSoFar(byKind: ReadonlyMap<string, number>): void {
    for (const [kind, total] of byKind) this.count('salvo_faults_injected_total', total, kind);
  }

  end(end: LiveEnd): void {
    this.gauges.finished.set(1);
    this.gauges.ok.set(end.ok ? 1 : 0);
    if (end.verdict === undefined) return;
    if (end.verdict.ok !== null) this.gauges.verdictOk.set(end.verdict.ok ? 1 : 0);
    for (const [category, count] of Object.entries(end.verdict.counts)) {
      if (count !== null) this.verdict.set({ category }, count);
    }
  }

  /** The text a scrape gets. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A counter's new total: adds the growth since the last one (a total never shrinks). */
  private count(name: string, total: number, kind?: string): void {
    const key = kind === undefined ? name : `${name}{${kind}}`;
    const growth = total - (this.last.get(key) ?? 0);
    if (!(growth > 0)) return;
    this.last.set(key, total);
    if (kind === undefined) this.counters.get(name)?.inc(growth);
    else this.faults.inc({ kind }, growth);
  }

  /** A window's quantiles per kind; a kind with no values in it has no series (not a stale one). */
  private quantiles(window: Window, latency: Partial<Record<LatencyKind, LiveQuantiles>>): void {
    for (const kind of LATENCY_KINDS) {
      const q = latency[kind];
      for (const [field, quantile] of QUANTILES) {
        if (q === undefined) this.latency.remove({ kind, quantile, window });
        else this.latency.set({ kind, quantile, window }, q[field] / 1e6);
      }
      if (q === undefined) this.samples.remove({ kind, window });
      else this.samples.set({ kind, window }, q.count);
    }
  }
}
