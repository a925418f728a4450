import { describe, expect, it } from 'vitest';
import { assembleResult, type FinishedWorker, type ResultInputs } from '../../src/coordinator/assemble-result.js';
import { SalvoError } from '../../src/errors.js';
import { ReceiverLedger } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger } from '../../src/ledger/sender-ledger.js';
import { noPerSecondLatency, type Counters, type TimePoint } from '../../src/metrics/index.js';
import { zeroCounters } from '../../src/metrics/interval-report.js';
import { resolvePlan, type Plan, type PlanInput } from '../../src/plan/index.js';
import { RESULT_SCHEMA } from '../../src/results/result.js';
import type { Environment } from '../../src/results/environment.js';
import type { WorkerResult } from '../../src/protocol/worker-messages.js';

const ENVIRONMENT: Environment = {
  salvo: '0',
  node: '20',
  rhea: '3',
  hdrHistogram: '3',
  host: 'h',
  os: 'linux',
  cpuCount: 2,
  cpuModel: 'cpu',
  memoryBytes: 1,
  target: 'amqp://127.0.0.1 (embedded)',
  clock: 'monotonic',
};
const START_US = 5_000_000;
const N = 20;

function plan(input: PlanInput = {}): Plan {
  return resolvePlan({ runId: 'r1', count: String(N), ...input });
}

function counters(values: Partial<Counters>): Counters {
  return { ...zeroCounters(), ...values };
}

function point(t: number, values: Partial<Counters>): TimePoint {
  return { t, warmup: false, ...counters(values), ...noPerSecondLatency() } as TimePoint;
}

/** A sender that got 1..N accepted, and a receiver that saw `seen` of them. */
function workers(seen: number[] = Array.from({ length: N }, (_, i) => i + 1)): WorkerResult[] {
  const producer = 'r1/s0.c0.l0';
  const sent = new SenderLedger(producer);
  for (let seq = 1; seq <= N; seq++) {
    sent.sent(seq);
    sent.settledAccepted(seq);
  }
  const received = new ReceiverLedger();
  const bytes = Buffer.from(producer);
  for (const seq of seen) received.record(received.producerIndex(bytes, 0, bytes.length), seq, false, false);
  const base = { foreign: 0, lastOutcomeUs: 0, final: { workerId: '', counters: zeroCounters(), histograms: {} } };
  return [
    {
      ...base,
      role: 'sender',
      workerId: 's0',
      senderLedgers: [sent.toWire()],
      lastActivityUs: START_US + 2_000_000,
      lastOutcomeUs: START_US + 3_000_000,
    },
    {
      ...base,
      role: 'receiver',
      workerId: 'r0',
      receiverLedgers: [received.toWire()],
      lastActivityUs: START_US + 4_000_000,
      foreign: 2,
    },
  ] as WorkerResult[];
}

function inputs(overrides: Partial<ResultInputs> = {}): ResultInputs {
  return {
    plan: plan(),
    workers: workers(),
    problems: [],
    failure: undefined,
    startedAt: new Date('2024-01-02T03:04:05.000Z'),
    runStartUs: START_US,
    ledger: true,
    environment: ENVIRONMENT,
    counters: counters({ sent: N, accepted: N, received: N }),
    latency: {},
    timeseries: [point(0, { sent: N, accepted: N, received: N })],
    faults: { planned: false, records: [], perSecond: new Map(), releaseLateness: null },
    ...overrides,
  };
}

describe('assembleResult', () => {
  it('a complete run: totals over the active windows, checks, the verdict, no faults', () => {
    const { result, failure, withholdSummary } = assembleResult(inputs());
    expect(failure).toBeUndefined();
    expect(withholdSummary).toBe(false);
    expect(result).toMatchObject({
      schema: RESULT_SCHEMA,
      runId: 'r1',
      startedAt: '2024-01-02T03:04:05.000Z',
      complete: true,
      problems: [],
      environment: ENVIRONMENT,
    });
    expect(result.totals).toMatchObject({ sent: N, accepted: N, received: N, foreign: 2 });
    expect(result.verdict).toMatchObject({ ok: true, lost: 0 });
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.checks.some((c) => c.name.startsWith('delivery verdict'))).toBe(true);
    expect(result.timeseries).toEqual([{ ...point(0, { sent: N, accepted: N, received: N }), faults: 0, backlog: 0 }]);
    expect(result).not.toHaveProperty('faults');
    expect(result).not.toHaveProperty('proxyLateness');
    expect(result.plan).not.toHaveProperty('target.password');
  });

  it("a lost message fails the verdict's check", () => {
    const { result } = assembleResult(inputs({ workers: workers([1, 2, 3]) }));
    expect(result.verdict).toMatchObject({ ok: false, lost: N - 3 });
    expect(result.checks.find((c) => c.name.startsWith('delivery verdict'))?.ok).toBe(false);
  });

  it('slow consumers whose drain ended at its bound: complete, a partial verdict (unconfirmed, never lost), the backlog', () => {
    const slow = plan({ recvRate: '5' });
    const { result, failure } = assembleResult(
      inputs({
        plan: slow,
        workers: workers([1, 2, 3]),
        counters: counters({ sent: N, accepted: N, received: 3 }),
        timeseries: [point(0, { sent: N, accepted: N, received: 3 })],
        sendPhaseEnd: { seconds: 2, backlog: 18 },
        undrained: 17,
      }),
    );
    expect(failure).toBeUndefined();
    expect(result.complete).toBe(true);
    expect(result.verdict).toMatchObject({ partial: true, lost: null, unconfirmed: N - 3, confirmed: 3 });
    expect(result.backlog).toMatchObject({ atSendEnd: 18, sendPhaseS: 2, growthPerS: 9, peak: N - 3, undrained: 17 });
    expect(result.timeseries[0].backlog).toBe(N - 3);
    // Not judged lost, yet not a pass: fewer received than accepted.
    expect(result.checks.some((c) => !c.ok)).toBe(true);
  });

  it('a failed run is incomplete: no checks, no verdict, the failure kept and the problems in order', () => {
    const refused = new SalvoError('refused', 'the broker refused');
    const { result, failure } = assembleResult(inputs({ failure: refused, problems: ['the broker refused'] }));
    expect(failure).toBe(refused);
    expect(result).toMatchObject({ complete: false, checks: [], problems: ['the broker refused'] });
    expect(result).not.toHaveProperty('verdict');
    expect(result).not.toHaveProperty('interrupted');
  });

  it('an interrupted run is incomplete with a partial verdict: what had not arrived is unconfirmed, not lost', () => {
    const interrupted = new SalvoError('interrupted', 'interrupted by a signal');
    const given = inputs({ workers: workers([1, 2, 3]), failure: interrupted, problems: ['interrupted by a signal'] });
    const { result, failure } = assembleResult(given);
    expect(failure).toBe(interrupted);
    expect(result).toMatchObject({ complete: false, checks: [], interrupted: 'measuring' });
    expect(result.verdict).toMatchObject({ partial: true, ok: null, lost: null, confirmed: 3, unconfirmed: N - 3 });
  });

  it('an interruption during warm-up says so; one before the start, or with a crashed worker, gets no verdict', () => {
    const interrupted = new SalvoError('interrupted', 'interrupted by a signal');
    const warm = assembleResult(
      inputs({ plan: { ...plan(), warmupMs: 10_000 }, failure: interrupted, counters: zeroCounters() }),
    );
    expect(warm.result.interrupted).toBe('warm-up');
    expect(warm.result.verdict?.partial).toBe(true);
    const early = assembleResult(inputs({ failure: interrupted, runStartUs: 0 })).result;
    expect(early).toMatchObject({ interrupted: 'starting' });
    expect(early).not.toHaveProperty('verdict');
    const [sender] = workers();
    const crash: FinishedWorker = { crashed: true, workerId: 'r0', error: { code: 'internal', message: 'boom' } };
    const crashed = assembleResult(inputs({ failure: interrupted, workers: [sender!, crash] })).result;
    expect(crashed).not.toHaveProperty('verdict');
  });

  it("a worker's error becomes the failure (the first one) and a problem (once)", () => {
    const [sender, receiver] = workers();
    const crashError = { code: 'internal' as const, message: 'worker crashed: boom' };
    const crash: FinishedWorker = { crashed: true, workerId: 'r1', error: crashError };
    const error = { code: 'refused' as const, message: 'link refused', condition: 'amqp:not-allowed', connection: 0 };
    const refused = { ...sender, error };
    const problems = ['sender 1, connection 1: link refused'];
    const { result, failure } = assembleResult(inputs({ workers: [refused, receiver, crash], problems }));
    expect(failure).toMatchObject({
      code: 'refused',
      message: 'sender 1, connection 1: link refused',
      condition: 'amqp:not-allowed',
    });
    expect(result.problems).toEqual(['sender 1, connection 1: link refused', 'receiver 2: worker crashed: boom']);
    expect(result.complete).toBe(false);
  });

  it('does not change the problems it was given', () => {
    const problems = ['fault proxy: did not stop'];
    assembleResult(inputs({ problems, counters: zeroCounters(), timeseries: [] }));
    expect(problems).toEqual(['fault proxy: did not stop']);
  });

  it('a run that measured nothing says why, and passes no check even when the ledger holds', () => {
    const { result } = assembleResult(inputs({ workers: workers([]), counters: zeroCounters(), timeseries: [] }));
    expect(result.problems).toEqual(['no message was measured: nothing was sent']);
    expect(result.checks.some((c) => c.name.startsWith('delivery verdict'))).toBe(false);
  });

  it("judges the plan's thresholds on the result; none given, no field", () => {
    const service = {
      count: N,
      mean: 2,
      p50: 200,
      p90: 300,
      p99: 400,
      p999: 500,
      p9999: 500,
      p99999: 500,
      max: 500,
      hdr: '',
    };
    const gated = plan({ threshold: ['service.p99<1ms', 'service.p50<100us'] });
    const { result, failure } = assembleResult(inputs({ plan: gated, latency: { service } }));
    // A missed threshold is the CLI's exit code, not a failure of the run: its figures are whole.
    expect(failure).toBeUndefined();
    expect(result.thresholds?.map((t) => [t.metric, t.measured, t.pass])).toEqual([
      ['service.p99', 400, true],
      ['service.p50', 200, false],
    ]);
    expect(assembleResult(inputs()).result).not.toHaveProperty('thresholds');
    const nothing = assembleResult(
      inputs({ plan: gated, latency: { service }, counters: zeroCounters(), timeseries: [] }),
    ).result;
    expect(nothing.thresholds?.every((t) => !t.pass && t.measured === null)).toBe(true);
  });

  it('without the ledger: no verdict', () => {
    const { result } = assembleResult(inputs({ ledger: false }));
    expect(result).not.toHaveProperty('verdict');
    expect(result.complete).toBe(true);
  });

  it('rates are taken from the end of warm-up; a run that never started has no windows', () => {
    const warm = assembleResult(inputs({ plan: plan({ duration: '10s', warmup: '1s', count: undefined }) })).result;
    const cold = assembleResult(inputs({ runStartUs: 0, failure: new SalvoError('unreachable', 'x') })).result;
    expect(warm.totals.sent).toBe(N);
    expect(cold.totals).toMatchObject({ sent: N });
    // 2 s after the start the sender was last active, 1 s of it warm-up: a rate over 1 s.
    expect(warm.totals.sendRate).toBeCloseTo(N / 1, 6);
    expect(cold.totals.sendRate).toBe(0);
  });

  it("--faults: records, each second's count and the proxy's lateness", () => {
    const record = { atMs: 1500, kind: 'reset', target: 'proxy', effect: 'closed 2 connections' };
    const lateness = { count: 3, mean: 2, p50: 2, p90: 3, p99: 3, p999: 3, p9999: 3, p99999: 3, max: 3, hdr: '' };
    const faults = { planned: true, records: [record], perSecond: new Map([[1, 1]]), releaseLateness: lateness };
    const timeseries = [point(0, { sent: 10 }), point(1, { sent: 10 })];
    const { result } = assembleResult(inputs({ faults, timeseries }));
    expect(result.faults).toEqual([record]);
    expect(result.timeseries.map((p) => p.faults)).toEqual([0, 1]);
    expect(result.proxyLateness).toEqual(lateness);
    const none = { planned: true, records: [], perSecond: new Map<number, number>(), releaseLateness: null };
    const planned = assembleResult(inputs({ faults: none }));
    expect(planned.result.faults).toEqual([]);
  });

  it('a broker that ignored the selector: a refused, incomplete run whose summary is withheld', () => {
    const selecting = plan({ msgProperty: ['colour=choice(red,green)'], recvSelector: "colour = 'green'" });
    // Every message arrived, though only the green ones were promised.
    const { result, failure, withholdSummary } = assembleResult(inputs({ plan: selecting }));
    expect(result.verdict?.selection?.selectorMismatches).toBeGreaterThan(0);
    expect(result.totals).toMatchObject({ selectorMismatches: result.verdict?.selection?.selectorMismatches });
    expect(result.complete).toBe(false);
    expect(failure?.code).toBe('refused');
    const line = /^the broker ignored the selector "colour = 'green'": \d+ of 20 messages received did not match$/;
    expect(failure?.message).toMatch(line);
    expect(result.problems).toContain(failure?.message);
    expect(withholdSummary).toBe(true);
  });
});
