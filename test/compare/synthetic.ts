/**
 * Synthetic RunResults with a known level and known noise, from a seeded
 * generator, so a test knows what compare must conclude. Each run draws its
 * own level (between-run noise, what a shared machine does to repeated runs)
 * and then each second around it (within-run noise).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/plan/fault-timeline.js';
import { noPerSecondLatency, zeroCounters, type TimePoint } from '../../src/metrics/index.js';
import { resolvePlan, type Plan } from '../../src/plan/index.js';
import { RESULT_SCHEMA, type RunResult } from '../../src/results/result.js';

/** Uniform in [0, 1), repeatable from its seed (the faults' mulberry32). */
export const seeded = mulberry32;

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface RunSpec {
  seed: number;
  /** Mean accepted msg/s. */
  rateHz: number;
  /** Standard deviation of a run's level and of each second around it, as a fraction of the mean. */
  noise: number;
  /** Standard deviation of the run's level alone (default: noise); 0: every run of the spec at one level. */
  runNoise?: number;
  /** Measured seconds (after warm-up). */
  seconds?: number;
  warmupSeconds?: number;
  /** Mean per-second service p50 and p99, µs. */
  serviceP50Us?: number;
  serviceP99Us?: number;
  /** Plan fields to change (another workload). */
  plan?: Partial<Plan>;
}

export function syntheticRun(spec: RunSpec): RunResult {
  const random = seeded(spec.seed);
  const seconds = spec.seconds ?? 10;
  const warmup = spec.warmupSeconds ?? 1;
  const draw = (mean: number): number => Math.max(1, mean * (1 + spec.noise * normal(random)));
  const runNoise = spec.runNoise ?? spec.noise;
  const drawLevel = (mean: number): number => Math.max(1, mean * (1 + runNoise * normal(random)));
  const level = drawLevel(spec.rateHz);
  const p50Level = drawLevel(spec.serviceP50Us ?? 500);
  const p99Level = drawLevel(spec.serviceP99Us ?? 2_000);
  const timeseries: TimePoint[] = [];
  for (let t = 0; t < warmup + seconds; t += 1) {
    const accepted = Math.round(draw(level));
    const p50 = Math.round(draw(p50Level));
    timeseries.push({
      t,
      warmup: t < warmup,
      ...zeroCounters(),
      ...noPerSecondLatency(),
      sent: accepted,
      accepted,
      received: accepted,
      serviceP50Us: p50,
      serviceP99Us: Math.max(p50, Math.round(draw(p99Level))),
      correctedP50Us: null,
      correctedP99Us: null,
      sendDelayP50Us: null,
      sendDelayP99Us: null,
      endToEndP50Us: null,
      endToEndP99Us: null,
    });
  }
  return resultFrom(timeseries, warmup, seconds, spec.plan ?? {});
}

/** n runs of one spec, seeds seed, seed + 1, ... */
export function syntheticSet(spec: RunSpec, runs: number): RunResult[] {
  return Array.from({ length: runs }, (_, i) => syntheticRun({ ...spec, seed: spec.seed + i }));
}

function resultFrom(timeseries: TimePoint[], warmup: number, seconds: number, planChanges: Partial<Plan>): RunResult {
  const measured = timeseries.filter((point) => !point.warmup);
  const total = measured.reduce((sum, point) => sum + point.accepted, 0);
  const rate = total / seconds;
  const plan: Plan = { ...resolvePlan({ runId: 'synthetic', count: total }), warmupMs: warmup * 1000, ...planChanges };
  const middle = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const p50 = middle(measured.map((p) => p.serviceP50Us ?? 0));
  const p99 = middle(measured.map((p) => p.serviceP99Us ?? 0));
  return {
    schema: RESULT_SCHEMA,
    runId: 'synthetic',
    startedAt: '2026-12-02T12:00:00.000Z',
    complete: true,
    problems: [],
    plan,
    environment: {
      salvo: 'test',
      node: process.version,
      rhea: '3.0.5',
      hdrHistogram: '3.0.1',
      host: 'test',
      os: 'test',
      cpuModel: 'test',
      cpuCount: 2,
      memoryBytes: 1,
      target: 'embedded',
      clock: 'synthetic',
    },
    totals: {
      ...zeroCounters(),
      sent: total,
      accepted: total,
      received: total,
      foreign: 0,
      durationS: seconds,
      sendRate: rate,
      acceptRate: rate,
      receiveRate: rate,
    },
    latency: {
      service: {
        count: total,
        mean: p50,
        p50,
        p90: p99 * 0.8,
        p99,
        p999: p99 * 1.3,
        p9999: p99 * 1.5,
        p99999: p99 * 1.6,
        max: p99 * 2,
        hdr: '',
      },
    },
    checks: [{ name: 'every sent message accepted', ok: true, detail: `${total} accepted` }],
    verdict: {
      mode: 'at-least-once',
      ok: true,
      checked: { senders: true, receivers: true },
      failed: [],
      attempted: total,
      received: total,
      lost: 0,
      unexpected: 0,
      duplicated: 0,
      corrupted: 0,
      recovered: 0,
      reordered: 0,
      inDoubt: 0,
      resent: 0,
      redelivered: 0,
      ghost: null,
      partialBatch: null,
      examples: {},
    },
    timeseries,
  };
}

/** Writes runs as a set folder (dir/run-1/result.json, ...), or one run as dir/result.json; returns dir. */
export function writeRuns(dir: string, runs: readonly RunResult[]): string {
  if (runs.length === 1) writeJson(join(dir, 'result.json'), runs[0]);
  else runs.forEach((run, i) => writeJson(join(dir, `run-${i + 1}`, 'result.json'), run));
  return dir;
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}
