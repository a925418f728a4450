/**
 * Ctrl-C: an interrupted run exits 130 and writes an incomplete result.json that keeps a partial verdict on what
 * had arrived; one interrupted during its warm-up says that nothing was measured.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { startCli } from '../../helpers/cli.js';
import { sleep } from '../../helpers/wait.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-interrupt-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** Starts `salvo run` with these arguments, sends SIGINT after `afterMs`, and returns the run and its result. */
async function interrupt(
  args: string[],
  afterMs: number,
): Promise<{ code: number | null; stdout: string; result: RunResult }> {
  const dir = outputDir();
  const { child, done } = startCli(['run', ...args, '--output', dir]);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await sleep(afterMs);
    child.kill('SIGINT');
    const run = await done;
    return { code: run.code, stdout: run.stdout, result: readResult(dir) };
  } finally {
    clearTimeout(killer);
  }
}

describe('an interrupted run', () => {
  it('keeps a partial verdict: what arrived is judged, what had not is unconfirmed, never lost', async () => {
    // A short warm-up and the signal at 8 s of 20, so that a slow start under a loaded suite (over 4 s seen) still
    // leaves measured seconds before it.
    const { code, stdout, result } = await interrupt(['-d', '20s', '--warmup', '1s', '--rate', '2000'], 8_000);
    expect(code).toBe(130);
    expect(result.complete).toBe(false);
    expect(result.interrupted).toBe('measuring');
    const verdict = result.verdict!;
    expect(verdict).toMatchObject({ partial: true, lost: null, duplicated: 0, unexpected: 0, corrupted: 0 });
    expect(verdict.attempted).toBeGreaterThan(0);
    expect(verdict.received).toBeGreaterThan(0);
    expect(verdict.confirmed).toBeGreaterThan(0);
    expect(verdict.unconfirmed).toBeGreaterThanOrEqual(0);
    expect(verdict.ok).toBeNull();
    expect(stdout).toContain('partial verdict (interrupted): nothing wrong found so far');
    expect(stdout).toContain('a partial verdict cannot prove loss');
  }, 60_000);

  it('during warm-up says that nothing was measured', async () => {
    // The signal well after the start (the CLI must have its handler) and well before the warm-up's end.
    const { code, stdout, result } = await interrupt(['-d', '30s', '--warmup', '10s', '--rate', '2000'], 4_000);
    expect(code).toBe(130);
    expect(result.complete).toBe(false);
    expect(result.interrupted).toBe('warm-up');
    expect(stdout).toContain('interrupted during warm-up (10 s): nothing measured');
    expect(stdout).not.toContain('s measured');
    expect(stdout).not.toMatch(/^ {2}In doubt/m);
  }, 60_000);
});
