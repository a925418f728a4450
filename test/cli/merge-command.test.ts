/**
 * `salvo run --shards 3` as three processes against one `salvo broker`, then `salvo merge`: what each shard says
 * alone, the one verdict, the broker's chaos found exactly, a missing shard, and inputs of another run refused.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/index.js';
import { decodeForReading, LATENCY_KINDS } from '../../src/metrics/index.js';
import type { RunResult } from '../../src/results/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { killSalvoChildren, spawnSalvo, type SalvoProcess } from '../helpers/salvo-process.js';

const SHARDS = 3;
const COUNT = 2400;
const RUN_TIMEOUT_MS = 90_000;

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'salvo-merge-'));
});

afterAll(() => {
  killSalvoChildren();
  rmSync(folder, { recursive: true, force: true });
});

async function startBroker(chaos?: string): Promise<{ broker: SalvoProcess; url: string }> {
  const broker = spawnSalvo(['broker', '--port', '0', ...(chaos ? ['--broker-chaos', chaos, '--seed', '7'] : [])]);
  const [, url] = await broker.line(/listening on (amqp:\/\/\S+)/);
  return { broker, url };
}

/** The three shards of one run, side by side, each its own `salvo run` process. */
function runShards(url: string, runId: string, output: string): Promise<CliRun[]> {
  const args = (index: number): string[] => [
    'run',
    `${url}/${runId}`,
    ...['--shards', String(SHARDS), '--run-id', runId, '--output', join(output, `shard-${index}`)],
    // A drain timeout longer than the run: a shard's receivers outlast its own sending, so shards that start
    // seconds apart (three Node processes on a loaded machine) still overlap and take each other's messages.
    ...['--senders', '3', '--receivers', '3', '--count', String(COUNT), '--rate', '600', '--drain-timeout', '6s'],
  ];
  // The index from an Indexed Job's environment for one of them, from the flag for the others.
  return Promise.all(
    Array.from({ length: SHARDS }, (_, index) =>
      index === 2
        ? runCli(args(index), RUN_TIMEOUT_MS, { JOB_COMPLETION_INDEX: '2' })
        : runCli([...args(index), '--shard-index', String(index)], RUN_TIMEOUT_MS),
    ),
  );
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('salvo merge over three shards against one salvo broker', () => {
  let runs: CliRun[];
  let shards: RunResult[];
  let output: string;

  beforeAll(async () => {
    output = join(folder, 'clean');
    const { broker, url } = await startBroker();
    try {
      runs = await runShards(url, 'merge-clean', output);
    } finally {
      broker.kill();
      await broker.exit();
    }
    shards = Array.from({ length: SHARDS }, (_, i) => readResult(join(output, `shard-${i}`)));
  }, RUN_TIMEOUT_MS + 10_000);

  it('each shard runs its part and exits 0; shard 0 gives the merged verdict, the others leave it to shard 0', () => {
    for (const [index, run] of runs.entries()) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Shard ${index} of ${SHARDS} (plan `);
      if (index === 0) {
        expect(run.stdout).toContain('Verdict: below, over every shard (their results came over the broker).');
        expect(run.stdout).toMatch(/^Verdict \(at-least-once, every message of the run\): PASS$/m);
      } else {
        expect(run.stdout).toContain("Verdict: left to shard 0, which merged this shard's result");
        expect(run.stdout).not.toMatch(/^Verdict \(/m);
      }
      const result = shards[index];
      expect(result.verdict).toBeUndefined();
      expect(result.shard).toMatchObject({ index, count: SHARDS });
      expect(result.totals.sent).toBe(COUNT / SHARDS);
      expect(result.shard?.ledgers?.senders.map((s) => s.producer)).toEqual([`merge-clean/s${index}.c0.l0`]);
    }
    expect(new Set(shards.map((s) => s.shard?.planHash)).size).toBe(1);
  });

  it("a shard's receivers took other shards' messages: alone, its verdict would be wrong", () => {
    const alone = shards.map((s) =>
      checkLedgers('at-least-once', s.shard!.ledgers!.senders, s.shard!.ledgers!.receivers),
    );
    // Another shard's producer is unexpected to a shard alone, and what others took of its own is lost to it.
    expect(alone.some((v) => (v.unexpected ?? 0) > 0 || (v.lost ?? 0) > 0)).toBe(true);
  });

  it('merged: every message once, lost 0, PASS, exit 0; totals and histograms the sum of the shards', async () => {
    const merged = await runCli(['merge', output]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/^Verdict \(at-least-once, every message of the run\): PASS$/m);
    expect(merged.stdout).toMatch(/^Shards \(3, plan [0-9a-f]{16}\)$/m);
    const result = readResult(output);
    expect(result.complete).toBe(true);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, duplicated: 0, unexpected: 0 });
    expect(result.verdict?.attempted).toBe(COUNT);
    expect(result.verdict?.received).toBe(COUNT);
    expect(result.shards?.rows.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(result.shards?.missing).toEqual([]);
    for (const name of ['sent', 'accepted', 'received', 'inDoubt', 'reconnects'] as const)
      expect(result.totals[name]).toBe(shards.reduce((sum, s) => sum + s.totals[name], 0));
    const kinds = LATENCY_KINDS.filter((kind) => shards.some((s) => s.latency[kind] !== undefined));
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      const sum = decodeForReading(shards[0].latency[kind]!.hdr);
      for (const shard of shards.slice(1)) sum.add(decodeForReading(shard.latency[kind]!.hdr));
      const got = decodeForReading(result.latency[kind]!.hdr);
      expect(got.totalCount).toBe(sum.totalCount);
      for (const p of [50, 90, 99, 99.9, 100]) expect(got.getValueAtPercentile(p)).toBe(sum.getValueAtPercentile(p));
      expect(got.mean).toBeCloseTo(sum.mean, 6);
    }
    // Seconds since each shard's start: the merged series adds them.
    const sentPerSecond = result.timeseries.reduce((sum, p) => sum + p.sent, 0);
    expect(sentPerSecond).toBe(shards.reduce((sum, s) => sum + s.timeseries.reduce((n, p) => n + p.sent, 0), 0));
    const report = readFileSync(join(output, 'report.html'), 'utf8');
    expect(report).toContain('<h2>Shards (3)</h2>');
    expect(report).toContain('<span class="status pass">PASS</span>');
    // A shard's own page says it is a part, not a pass or a fail.
    expect(readFileSync(join(output, 'shard-0', 'report.html'), 'utf8')).toContain('>SHARD PART</span>');
  });

  it('a missing shard: incomplete, the index named, its messages not checked, never PASS, exit 5', async () => {
    const out = join(folder, 'missing');
    const merged = await runCli(['merge', join(output, 'shard-0'), join(output, 'shard-2'), '--output', out]);
    expect(merged.code).toBe(5);
    expect(merged.stderr).toBe(
      'salvo: incomplete: shard 1 of 3 missing (no result): its messages are not checked, and lost is not judged\n',
    );
    expect(merged.stdout).not.toContain('PASS');
    expect(merged.stdout).toMatch(/^ {2}missing: 1: NOT CHECKED/m);
    const result = readResult(out);
    expect(result.complete).toBe(false);
    expect(result.shards?.missing).toEqual([1]);
    expect(result.verdict?.ok).not.toBe(true);
    expect(result.verdict?.lost).toBeNull();
    expect(result.verdict?.unexpected).toBe(0);
    expect(result.verdict?.attempted).toBe((COUNT / SHARDS) * 2);
  });

  it('a plan hash or run id of another run is refused in one line, exit 2', async () => {
    const other = join(folder, 'other-shard-1');
    cpSync(join(output, 'shard-1'), other, { recursive: true });
    const changed = readResult(other);
    changed.shard!.planHash = '0123456789abcdef';
    writeFileSync(join(other, 'result.json'), JSON.stringify(changed));
    const refused = await runCli(['merge', join(output, 'shard-0'), other, '--output', join(folder, 'refused')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `salvo: refused: plan hashes differ: 0123456789abcdef in ${other}, ${shards[0].shard!.planHash} in ` +
        `${join(output, 'shard-0')}: shards of one run only\n`,
    );
    changed.shard!.planHash = shards[0].shard!.planHash;
    changed.runId = 'another-run';
    writeFileSync(join(other, 'result.json'), JSON.stringify(changed));
    const otherRun = await runCli(['merge', join(output, 'shard-0'), other, '--output', join(folder, 'refused')]);
    expect(otherRun.code).toBe(2);
    expect(otherRun.stderr).toMatch(/^salvo: refused: run ids differ: another-run in .*: shards of one run only\n$/);
  });
});

describe('salvo merge under a salvo broker --broker-chaos drop=0.01,dup=0.01', () => {
  it(
    "finds the broker's own counts exactly after the merge: lost = dropped, extra copies = duplicated, exit 1",
    async () => {
      const output = join(folder, 'chaos');
      const { broker, url } = await startBroker('drop=0.01,dup=0.01');
      let runs: CliRun[];
      try {
        runs = await runShards(url, 'merge-chaos', output);
      } finally {
        broker.kill();
      }
      await broker.exit();
      // Shard 0 merged the others' results (sent over the broker) and exits with the run's one verdict.
      expect(runs.map((run) => run.code)).toEqual([1, 0, 0]);
      expect(runs[0].stderr).toMatch(/^salvo: the merged run failed its checks: lost \d+/m);
      const line = broker.stdout().match(/^salvo broker chaos: dropped (\d+), duplicated (\d+) \(extra copies\)/m);
      expect(line, broker.stdout()).not.toBeNull();
      const [dropped, duplicated] = line!.slice(1).map(Number);
      expect(dropped).toBeGreaterThan(0);
      expect(duplicated).toBeGreaterThan(0);
      const merged = await runCli(['merge', output]);
      expect(merged.code).toBe(1);
      expect(merged.stderr).toMatch(/^salvo: the merged run failed its checks: /);
      const result = readResult(output);
      expect(result.verdict).toMatchObject({ ok: false, failed: ['lost'], attempted: COUNT, lost: dropped });
      expect(result.verdict?.extraCopies).toBe(duplicated);
      expect(result.verdict?.received).toBe(COUNT - dropped);
    },
    RUN_TIMEOUT_MS + 30_000,
  );
});
