/**
 * Shards that meet over the broker (the default of --shards): N `salvo run`
 * processes against one `salvo broker`. One shard's clock is skewed (a
 * test-only knob) as another host's would be: the offset estimate recovers it
 * within its bound and the start skew is measured on shard 0's clock, not the
 * skewed one. A shard killed mid-run leaves the merged result incomplete and
 * named; two processes for one index, or another plan, abort every shard.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { type CliRun, runCli, startCli } from '../helpers/cli.js';
import { killSalvoChildren, type SalvoProcess, spawnSalvo } from '../helpers/salvo-process.js';
import { sleep } from '../helpers/wait.js';

const RUN_TIMEOUT_MS = 120_000;
const SKEW_US = 400_000;

let folder: string;
let broker: SalvoProcess;
let url: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'salvo-meeting-'));
  broker = spawnSalvo(['broker', '--port', '0']);
  [, url] = await broker.line(/listening on (amqp:\/\/\S+)/);
});

afterAll(async () => {
  broker.kill();
  await broker.exit();
  killSalvoChildren();
  rmSync(folder, { recursive: true, force: true });
});

function shardArgs(runId: string, index: number, extra: string[] = []): string[] {
  return [
    'run',
    `${url}/${runId}`,
    ...['--shards', '3', '--shard-index', String(index), '--run-id', runId],
    ...['--output', join(folder, runId, `shard-${index}`), '--shard-timeout', '10s'],
    ...['--senders', '3', '--receivers', '3', '--rate', '300', '--drain-timeout', '2s'],
    ...extra,
  ];
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/**
 * Shard 2's clock reads 400 ms ahead, and so do its stamps. Uncorrected, what it sent would read 400 ms short on the
 * other shards (below zero) and what they sent 400 ms long on it; corrected by the offsets, the cross-shard histogram
 * sits by the same-shard one, within the bound (plus a margin for a loaded host), and same-shard latency is untouched.
 */
function expectCrossShardCorrected(merged: RunResult, stdout: string): void {
  const same = merged.latency.endToEnd;
  const cross = merged.latency.endToEndCrossShard;
  expect(same, 'same-shard endToEnd').toBeDefined();
  expect(cross, 'endToEndCrossShard').toBeDefined();
  // Every message received is in one histogram or the other (both keep warm-up out alike).
  expect(same!.count + cross!.count).toBe(merged.totals.received);
  expect(cross!.count).toBeGreaterThan(0);
  const boundMs = merged.shards!.crossShardBoundMs!;
  expect(boundMs).toBeGreaterThan(0);
  // The bound is the two largest shards' bounds summed: shard 0's is 0, so at least shard 2's.
  expect(boundMs).toBeGreaterThanOrEqual(merged.shards!.rows[2].clockBoundMs!);
  // Relative figures only: the two histograms hold one population of messages, whatever the host's load.
  const marginUs = 100_000;
  expect(Math.abs(cross!.p50 - same!.p50)).toBeLessThanOrEqual(boundMs * 1000 + marginUs);
  // Nowhere near the skew: uncorrected, a third of the cross-shard samples would read 400 ms longer (and a third 0).
  expect(cross!.p90).toBeLessThan(same!.p90 + SKEW_US / 2);
  // Same-shard latency stays on one clock: neither pushed below zero nor up by the skew.
  expect(same!.p50).toBeGreaterThan(0);
  expect(same!.p90).toBeLessThan(cross!.p90 + SKEW_US / 2);
  expect(merged.totals.crossShardNegative).toBeGreaterThanOrEqual(0);
  expect(merged.totals.crossShardNegative).toBeLessThan(cross!.count);
  expect(stdout).toMatch(/^ {2}end to end, across shards +[\d, ]+ ±\d+\.\d\d ms$/m);
}

describe('shards meeting over the broker', () => {
  it(
    'start together on shard 0 clock: a skewed clock is estimated within its bound, and does not skew the start',
    async () => {
      const runId = 'meet-skew';
      const runs = await Promise.all([
        runCli(shardArgs(runId, 0, ['--count', '1500']), RUN_TIMEOUT_MS),
        runCli(shardArgs(runId, 1, ['--count', '1500']), RUN_TIMEOUT_MS),
        runCli(shardArgs(runId, 2, ['--count', '1500']), RUN_TIMEOUT_MS, {
          SALVO_TEST_CLOCK_SKEW_US: String(SKEW_US),
        }),
      ]);
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(runs[0].stdout).toMatch(/^Verdict \(at-least-once, every message of the run\): PASS$/m);
      const merged = readResult(join(folder, runId));
      expect(merged.verdict).toMatchObject({ ok: true, attempted: 1500, lost: 0, duplicated: 0 });
      const rows = merged.shards!.rows;
      // Shard 2's clock reads 400 ms ahead: shard 0's minus it is -400 ms, within the estimate's bound.
      expect(Math.abs(rows[2].clockOffsetMs! - -SKEW_US / 1000)).toBeLessThanOrEqual(rows[2].clockBoundMs!);
      expect(Math.abs(rows[1].clockOffsetMs!)).toBeLessThanOrEqual(rows[1].clockBoundMs!);
      // Started at one instant of shard 0's clock: the skew is nowhere near the 400 ms the clocks differ by.
      for (const row of rows) {
        expect(row.startSkewBoundMs).toBeDefined();
        expect(row.startSkewMs).toBeLessThan(100);
      }
      // The summary's shard table shows it: shard 2's row, its offset about -400 ms with the bound.
      expect(runs[0].stdout).toMatch(/^ +2 +\S+ .* -(3|4)\d\d\.\d\d ±\d+\.\d\d ms/m);
      expectCrossShardCorrected(merged, runs[0].stdout);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'a shard killed mid-run: shard 0 waits its time, then the merged result is incomplete, the index named, exit 5',
    async () => {
      const runId = 'meet-killed';
      const zero = runCli(shardArgs(runId, 0, ['-d', '8s']), RUN_TIMEOUT_MS);
      const one = runCli(shardArgs(runId, 1, ['-d', '8s']), RUN_TIMEOUT_MS);
      const two = startCli(shardArgs(runId, 2, ['-d', '8s']));
      // Well after the start barrier (seconds on a loaded host), well before the 8 s run ends.
      await sleep(7_000);
      two.child.kill('SIGKILL');
      const [run0, run1] = await Promise.all([zero, one]);
      await two.done;
      expect(run1.code, run1.stderr).toBe(0);
      expect(run0.code, run0.stderr).toBe(5);
      expect(run0.stderr).toContain('shard 2 of 3 missing');
      expect(run0.stdout).not.toMatch(/: PASS$/m);
      const merged = readResult(join(folder, runId));
      expect(merged.complete).toBe(false);
      expect(merged.shards?.missing).toEqual([2]);
      expect(merged.verdict?.ok).not.toBe(true);
      expect(merged.verdict?.lost).toBeNull();
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'two processes for one index abort every shard before anything is sent',
    async () => {
      const runId = 'meet-twice';
      // Shard 0 last, so that both claims to index 1 are pinging when it starts listening (Kubernetes can run two
      // pods for one index; a claim after the start is refused by GO's nonces instead, see the barrier test).
      const others = [1, 1, 2].map((index) => runCli(shardArgs(runId, index, ['--count', '300']), RUN_TIMEOUT_MS));
      await sleep(3_000);
      const zero = await runCli(shardArgs(runId, 0, ['--count', '300']), RUN_TIMEOUT_MS);
      const runs: CliRun[] = [zero, ...(await Promise.all(others))];
      expect(runs[0].code).toBe(3);
      expect(runs[0].stderr).toMatch(/shards aborted: two processes claim shard 1 \(/);
      for (const run of runs) expect(run.code).not.toBe(0);
      expect(runs.some((r) => /Sent\s+[1-9]/.test(r.stdout))).toBe(false);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'a shard started with another plan aborts every shard, naming the plans',
    async () => {
      const runId = 'meet-plans';
      const runs = await Promise.all([
        runCli(shardArgs(runId, 0, ['--count', '300']), RUN_TIMEOUT_MS),
        runCli(shardArgs(runId, 1, ['--count', '600']), RUN_TIMEOUT_MS),
        runCli(shardArgs(runId, 2, ['--count', '300']), RUN_TIMEOUT_MS),
      ]);
      expect(runs[0].code).toBe(3);
      expect(runs[0].stderr).toMatch(/shards aborted: shard 1 \(\S+\) has plan [0-9a-f]{16}, shard 0 has [0-9a-f]{16}/);
      expect(runs[1].stderr).toContain('shards aborted by shard 0: shard 1');
    },
    RUN_TIMEOUT_MS,
  );
});
