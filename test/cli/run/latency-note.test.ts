/**
 * The summary's note under the latency table: a closed-loop run says its latency is mostly salvo's own in-flight
 * window and how to measure the broker's; an open-loop run's latency is the broker's, so it has no such note.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-latency-note-'));
}

describe('the closed-loop latency note', () => {
  it('follows the latency table of a closed-loop run', async () => {
    const run = await runCli(['run', '-c', '2000', '--output', outputDir()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("closed loop: these include time queued in salvo's in-flight window (up to 1,000");
    expect(run.stdout).toContain("for the broker's latency, run open loop (--rate N) or with a small --max-in-flight");
  });

  it('is absent from an open-loop run', async () => {
    const run = await runCli(['run', '-d', '2s', '--rate', '1000', '--output', outputDir()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Latency (µs)');
    expect(run.stdout).not.toContain('closed loop:');
  });
});
