/** A synthetic capacity search (steps, repeats, a pre-flight) for the page's tests: a knee at 7000, capacity 6500. */
import { CAPACITY_SCHEMA, type CapacityResult } from '../../src/capacity/format.js';
import type { StepResult } from '../../src/capacity/run-step.js';

export function syntheticStep(index: number, rate: number, p99Us: number, repeat = false): StepResult {
  const pass = p99Us < 10_000;
  return {
    index,
    rate,
    pass,
    reasons: pass ? [] : [`service.p99 ${p99Us / 1000}ms >= 10.0ms`],
    ...(pass ? {} : { limitedBy: 'broker' as const }),
    achievedRate: rate,
    acceptRate: rate,
    receiveRate: rate,
    sent: rate * 4,
    accepted: rate * 4,
    received: rate * 4,
    unsent: 0,
    backlog: 0,
    backlogGrowth: 0,
    inFlightFullShare: 0,
    latency: { service: { p50: p99Us / 4, p99: p99Us }, sendDelay: { p99: 800 } },
    objectives: [{ text: 'service.p99<10ms', measured: p99Us, pass }],
    ...(repeat ? { repeat: true as const } : {}),
    result: `step-${index}/result.json`,
  };
}

/** Rates and service p99 (µs) of each step, in order; the last four are repeats. */
export const SYNTHETIC_STEPS: readonly [number, number, boolean][] = [
  [1000, 1_200, false],
  [2000, 1_500, false],
  [4000, 2_900, false],
  [8000, 48_000, false],
  [6000, 6_100, false],
  [7000, 13_500, false],
  [6500, 8_200, false],
  [6500, 7_400, true],
  [7000, 16_000, true],
  [6500, 8_900, true],
  [7000, 12_200, true],
];

export function syntheticResult(): CapacityResult {
  return {
    schema: CAPACITY_SCHEMA,
    id: 'capacity-synthetic',
    target: 'amqp://127.0.0.1:5672/q',
    slos: ['service.p99<10ms'],
    settings: {
      startRate: 1000,
      factor: 2,
      resolution: 0.1,
      maxSteps: 12,
      maxTimeMs: 300_000,
      stepDurationMs: 5_000,
      stepWarmupMs: 1_000,
      maxSendDelayUs: 10_000,
      repeat: 3,
    },
    preflight: {
      cores: 8,
      freeCores: 7.5,
      loadAverage1m: 0.4,
      wakeUpLateUs: { p50: 60, p99: 300, max: 1_000 },
      reachedRate: 40_000,
      loadRate: null,
      salvoCpuUsPerMsg: 30,
      placement: 'remote',
      messages: 80_000,
      windowMs: 2_000,
      ceilingRate: 9_000,
      busy: [],
    },
    capacityRate: 6500,
    knee: { rate: 7000, limitedBy: 'broker', reasons: ['service.p99 13.5ms >= 10.0ms'] },
    stoppedBy: 'resolved',
    verdict:
      'capacity 6500 msg/s, held 3/3 (7000 msg/s failed 3/3: service.p99 13.5ms >= 10.0ms); the knee is the broker',
    confidence: null,
    sureness: '6500 msg/s passed 3/3 (service.p99 7.40ms-8.90ms); 7000 msg/s failed 3/3: the same verdict every time',
    steps: SYNTHETIC_STEPS.map(([rate, p99, repeat], i) => syntheticStep(i + 1, rate, p99, repeat)),
    elapsedMs: 80_000,
  };
}
