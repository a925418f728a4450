/**
 * Conformance scenarios that run `salvo run` itself against a target, for
 * what only whole runs show: two runs at once against one broker, and a run
 * whose connections are reset again and again. ActiveMQ Classic refuses a
 * connection whose container id is already connected; salvo's ids are unique
 * per run, shard, worker, connection and attempt, so neither scenario may
 * stall there (before, both ended "attach ... no answer in 15 s").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import type { ScenarioTarget } from './scenarios.js';

/** Bound on one `salvo run` here: the runs below take 2 to 10 s on a loaded 2-core machine. */
const RUN_BOUND_MS = 50_000;
const tag = Math.random().toString(36).slice(2, 8);

function runUrl(target: ScenarioTarget, scenario: string): string {
  const base = target.url.replace(/\/+$/, '');
  return `${base}/${target.prefix}salvo.conformance.${tag}.${scenario}`;
}

async function salvoRun(target: ScenarioTarget, scenario: string, args: string[]): Promise<RunResult> {
  const output = mkdtempSync(join(tmpdir(), `salvo-conformance-${scenario}-`));
  const run: CliRun = await runCli(
    ['run', runUrl(target, scenario), '--json', '--output', output, '--drain-timeout', '5s', ...args],
    RUN_BOUND_MS,
  );
  if (run.stdout.trim() === '')
    throw new Error(`${scenario}: salvo run printed no result (exit ${run.code}): ${run.stderr.trim()}`);
  expect(run.code, `${scenario}: ${run.stderr.trim()}`).toBe(0);
  return JSON.parse(run.stdout) as RunResult;
}

function expectAllReceived(result: RunResult, count: number, scenario: string): void {
  expect(result.complete, `${scenario}: complete`).toBe(true);
  expect(result.verdict, scenario).toMatchObject({ ok: true, attempted: count, lost: 0, unexpected: 0 });
  expect(result.verdict?.received, `${scenario}: received`).toBe(count);
}

/** Two runs side by side, each on its own queue: both end with every message received. */
export async function concurrentRuns(target: ScenarioTarget): Promise<void> {
  const count = 2000;
  const args = ['-c', String(count), '--rate', '1000', '--connections', '2'];
  const [first, second] = await Promise.all([
    salvoRun(target, 'concurrent-a', args),
    salvoRun(target, 'concurrent-b', args),
  ]);
  expectAllReceived(first, count, 'first run');
  expectAllReceived(second, count, 'second run');
}

/**
 * Every connection reset every 400 ms by salvo's own fault proxy: each
 * reconnect comes back (with a new container id) while the broker may still
 * hold the old connection, and the run ends with nothing lost.
 */
export async function throughResets(target: ScenarioTarget): Promise<void> {
  const count = 3000;
  const result = await salvoRun(target, 'resets', [
    '-c',
    String(count),
    '--rate',
    '1000',
    '--faults',
    'reset every 400ms',
    '--seed',
    '7',
  ]);
  expectAllReceived(result, count, 'run through resets');
  expect(result.totals.reconnects, 'reconnects').toBeGreaterThan(0);
}
