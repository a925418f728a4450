/**
 * A fault plan and a seed, expanded into the concrete timeline of a run:
 * when each reset, blackhole and broker restart happens, in ms from the run's start. Pure and
 * deterministic: the same plan, seed and run length give the same timeline,
 * which is what makes `--seed N` repeat a run's faults.
 *
 * Each timed fault draws from its own seeded stream, so adding a fault to a
 * spec does not move the times of the others.
 */
import { PlanError } from './errors.js';
import type { FaultPlan, FaultTiming, TimedFault } from './fault-spec.js';

/** What the proxy injects: it touches connections only. */
export type ProxyEvent =
  | { readonly atMs: number; readonly kind: 'reset' }
  | { readonly atMs: number; readonly kind: 'blackhole'; readonly durationMs: number };

/** What the coordinator does itself: the broker, not its connections. */
export type BrokerEvent = { readonly atMs: number; readonly kind: 'broker-restart' };

export type FaultEvent = ProxyEvent | BrokerEvent;

/** More events than this is a spec mistake (`reset every 1ms`), not a test. */
export const MAX_FAULT_EVENTS = 10_000;

export function faultTimeline(plan: FaultPlan, seed: number, runMs: number): FaultEvent[] {
  const events: FaultEvent[] = [];
  plan.timed.forEach((fault, index) => {
    const random = mulberry32(streamSeed(seed, index));
    for (const atMs of times(fault.timing, runMs, random)) {
      events.push(eventAt(fault, atMs));
      if (events.length > MAX_FAULT_EVENTS) {
        throw new PlanError(`--faults "${plan.text}": more than ${MAX_FAULT_EVENTS} fault events in a ${runMs} ms run`);
      }
    }
  });
  // Stable: faults at the same moment keep the order the spec gave them.
  return events.sort((a, b) => a.atMs - b.atMs);
}

function eventAt(fault: TimedFault, atMs: number): FaultEvent {
  switch (fault.kind) {
    case 'reset':
    case 'broker-restart':
      return { atMs, kind: fault.kind };
    case 'blackhole':
      return { atMs, kind: 'blackhole', durationMs: fault.durationMs };
  }
}

/** The timeline split by who carries it out: the proxy, or the coordinator. */
export function splitTimeline(events: readonly FaultEvent[]): { proxy: ProxyEvent[]; broker: BrokerEvent[] } {
  const proxy: ProxyEvent[] = [];
  const broker: BrokerEvent[] = [];
  for (const event of events) {
    if (event.kind === 'broker-restart') broker.push(event);
    else proxy.push(event);
  }
  return { proxy, broker };
}

function* times(timing: FaultTiming, runMs: number, random: () => number): Generator<number> {
  switch (timing.mode) {
    case 'at':
      if (timing.atMs < runMs) yield timing.atMs;
      return;
    case 'every':
      for (let atMs = timing.everyMs; atMs < runMs; atMs += timing.everyMs) yield atMs;
      return;
    case 'random': {
      const span = timing.maxMs - timing.minMs;
      // minMs > 0 (the parser insists), so this loop always advances.
      for (let atMs = timing.minMs + Math.floor(random() * (span + 1)); atMs < runMs; ) {
        yield atMs;
        atMs += timing.minMs + Math.floor(random() * (span + 1));
      }
    }
  }
}

/** A 32-bit seed per fault clause, so each clause has its own stream. */
function streamSeed(seed: number, index: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
