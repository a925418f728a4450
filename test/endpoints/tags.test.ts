/**
 * `--tag key=value`: recorded in result.json, shown in the summary and in
 * report.html, and part of the workload for `salvo compare`: runs whose tags
 * differ are refused as different workloads (exit 2), as runs with different
 * body sizes are; the same tags compare.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-tags-'));
}

async function tagged(tags: string[]): Promise<{ dir: string; run: CliRun }> {
  const dir = outputDir();
  const run = await runCli(['run', '-c', '300', ...tags.flatMap((t) => ['--tag', t]), '--output', dir]);
  expect(run.code, run.stderr).toBe(0);
  return { dir, run };
}

describe('--tag', () => {
  let euA: { dir: string; run: CliRun };
  let euB: { dir: string; run: CliRun };
  let us: { dir: string; run: CliRun };
  beforeAll(async () => {
    euA = await tagged(['cluster=eu-1', 'build=7']);
    euB = await tagged(['build=7', 'cluster=eu-1']);
    us = await tagged(['cluster=us-2', 'build=7']);
  }, 60_000);

  it('is recorded in result.json, sorted by key', () => {
    const result = JSON.parse(readFileSync(join(euA.dir, 'result.json'), 'utf8')) as RunResult;
    expect(result.plan.tags).toEqual({ build: '7', cluster: 'eu-1' });
  });

  it('is shown in the summary and in report.html', () => {
    expect(euA.run.stdout).toMatch(/^\s*Tags\s+build=7, cluster=eu-1$/m);
    expect(readFileSync(join(euA.dir, 'report.html'), 'utf8')).toContain('tags: build=7, cluster=eu-1');
  });

  it('makes salvo compare refuse runs tagged differently as different workloads, exit 2', async () => {
    const result = await runCli(['compare', join(euA.dir, 'result.json'), join(us.dir, 'result.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'different workloads: tags {"build":"7","cluster":"eu-1"} in ' +
        `${join(euA.dir, 'result.json')}, {"build":"7","cluster":"us-2"} in ${join(us.dir, 'result.json')}`,
    );
  });

  it('compares runs with the same tags, given in another order, and names them in the workload line', async () => {
    const result = await runCli(['compare', join(euA.dir, 'result.json'), join(euB.dir, 'result.json')]);
    expect([0, 1, 4], result.stderr).toContain(result.code);
    expect(result.stdout).toContain('tags build=7, cluster=eu-1');
  });
});
