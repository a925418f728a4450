/**
 * The pre-flight of `salvo capacity`, a few seconds before the search. First
 * one idle second: how much CPU this host has free (its counters, salvo
 * idle), the load average, and how late 1 ms timers fire (a ready thread's
 * wait for a CPU: an open-loop sender cannot keep a schedule tighter than
 * that). Then one short closed-loop run of the steps' workload against the
 * target: salvo's CPU per message over its measured seconds (warm-up, pool
 * start and drain left out: they cost CPU no rate pays per message) and the
 * rate it reached. Closed loop, because an open-loop sender's pacer spends
 * its waits turning the event loop, CPU a busier rate would not need (here:
 * 750 µs a message at 1,000 msg/s, 30 µs flat out). host-ceiling.ts turns the
 * figures into a ceiling and a busy-host judgement. Nothing is written: the
 * figures go into capacity.json.
 */
import { cpus, hostname, loadavg, networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { executeRun, type RunContext } from '../coordinator/run.js';
import type { RunObserver, RunSecond, RunStart } from '../coordinator/run-observer.js';
import { resolvePlan, type PlanInput } from '../plan/index.js';
import {
  busyCores,
  busyReasons,
  hostCeilingRate,
  placementOf,
  type CpuTimes,
  type HostFigures,
} from './host-ceiling.js';

/** The idle second: long enough for the kernel's 10 ms ticks to give a share within a few per cent. */
const IDLE_SAMPLE_MS = 1_000;
/** The load run: a warm-up, then (snapshots come once a second) about two measured seconds. */
const LOAD_RUN_MS = 3_500;
const LOAD_WARMUP_MS = 500;
/** Fewer messages than this in the measured seconds give no per-message figure worth a ceiling. */
const MIN_MESSAGES = 200;

export interface Preflight extends HostFigures {
  /** Messages sent in the load run's measured seconds, and how long those were. */
  messages: number;
  windowMs: number;
  /** msg/s above which a knee would be this host's, not the broker's. */
  ceilingRate: number;
  /** Why this host is busy (empty: it is not): salvo's threads wait for a CPU at any rate. */
  busy: string[];
}

export type PreflightOutcome = { ok: true; figures: Preflight } | { ok: false; why: string };

/**
 * `maxRate`: the user's --max-rate. A flat-out run would send faster than the user allowed the broker to see, so with
 * one the load run is open loop at that rate (its CPU a message then counts some pacing: the ceiling leans low).
 */
export async function runPreflight(
  input: PlanInput,
  url: string | undefined,
  limits: { maxSendDelayUs: number; maxRate?: number },
  context: Pick<RunContext, 'progress' | 'signal'>,
): Promise<PreflightOutcome> {
  const cores = cpus().length;
  const before = readCpuTimes();
  const wakeUpLateUs = await timerLateness(IDLE_SAMPLE_MS, context.signal);
  const freeCores = Math.max(0, cores - busyCores(before, readCpuTimes(), cores));
  const loadAverage1m = loadavg()[0];
  const plan = resolvePlan({
    ...input,
    rate: limits.maxRate,
    duration: `${LOAD_RUN_MS}ms`,
    warmup: `${LOAD_WARMUP_MS}ms`,
    count: undefined,
    runId: 'capacity-preflight',
    quiet: true,
    json: false,
  });
  const sampler = new CpuSampler(LOAD_WARMUP_MS, LOAD_RUN_MS);
  const outcome = await executeRun(plan, { ...context, observers: [sampler] });
  if (outcome.failure) throw outcome.failure;
  const window = sampler.window();
  if (window === undefined || window.messages < MIN_MESSAGES)
    return { ok: false, why: `the load run measured ${window?.messages ?? 0} messages, too few for a figure` };
  const windowUs = window.windowMs * 1_000;
  const hostExtraCores = window.busyCores - (cores - freeCores);
  const figures: HostFigures = {
    cores,
    freeCores: round(freeCores, 100),
    loadAverage1m: round(loadAverage1m, 100),
    wakeUpLateUs,
    reachedRate: Math.round(window.messages / (window.windowMs / 1_000)),
    loadRate: limits.maxRate ?? null,
    salvoCpuUsPerMsg: round(window.cpuUs / window.messages, 10),
    ...(hostExtraCores > 0 ? { hostCpuUsPerMsg: round((hostExtraCores * windowUs) / window.messages, 10) } : {}),
    placement: placementOf(url, localHosts()),
  };
  return {
    ok: true,
    figures: {
      ...figures,
      messages: window.messages,
      windowMs: Math.round(window.windowMs),
      ceilingRate: hostCeilingRate(figures),
      busy: busyReasons(figures, limits.maxSendDelayUs),
    },
  };
}

/** How late 1 ms timers fire, one after another, for `ms`: p50, p99 and max in µs. */
async function timerLateness(ms: number, signal: AbortSignal): Promise<HostFigures['wakeUpLateUs']> {
  const late: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end && !signal.aborted) {
    const asked = performance.now();
    await sleep(1, undefined, { signal }).catch(() => undefined);
    late.push(Math.max(0, (performance.now() - asked - 1) * 1_000));
  }
  late.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(late[late.length - 1] ?? 0) };
}

interface Sample {
  nowUs: number;
  cpuUs: number;
  host: CpuTimes;
  sent: number;
}

/** Samples salvo's CPU and the host's at the run's once-a-second snapshots, between warm-up and the stop. */
class CpuSampler implements RunObserver {
  private fromUs = Number.POSITIVE_INFINITY;
  private toUs = 0;
  private first: Sample | undefined;
  private last: Sample | undefined;

  constructor(
    private readonly warmupMs: number,
    private readonly durationMs: number,
  ) {}

  started(start: RunStart): void {
    this.fromUs = start.runStartUs + this.warmupMs * 1_000;
    this.toUs = start.runStartUs + this.durationMs * 1_000;
  }

  second(snapshot: RunSecond): void {
    if (snapshot.nowUs < this.fromUs || snapshot.nowUs > this.toUs) return;
    const usage = process.cpuUsage();
    const sample = {
      nowUs: snapshot.nowUs,
      cpuUs: usage.user + usage.system,
      host: readCpuTimes(),
      sent: snapshot.totals.sent,
    };
    if (this.first === undefined) this.first = sample;
    else this.last = sample;
  }

  window(): { messages: number; windowMs: number; cpuUs: number; busyCores: number } | undefined {
    const { first, last } = this;
    if (first === undefined || last === undefined) return undefined;
    return {
      messages: last.sent - first.sent,
      windowMs: (last.nowUs - first.nowUs) / 1_000,
      cpuUs: last.cpuUs - first.cpuUs,
      busyCores: busyCores(first.host, last.host, cpus().length),
    };
  }
}

function readCpuTimes(): CpuTimes {
  let busyMs = 0;
  let idleMs = 0;
  for (const { times } of cpus()) {
    busyMs += times.user + times.nice + times.sys + times.irq;
    idleMs += times.idle;
  }
  return { busyMs, idleMs };
}

/** This machine's name and interface addresses: a target named by one of them shares this host. */
function localHosts(): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return [hostname(), ...addresses];
}

function round(value: number, per: number): number {
  return Math.round(value * per) / per;
}
