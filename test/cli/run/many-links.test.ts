/**
 * Many links in one process: `salvo run` on the embedded broker with 200
 * sender and 200 receiver links, each link sending few messages (so each is
 * sized by its count, not by the in-flight limit: sender-link.ts
 * linkInFlightBound). Every message must be accounted for, as with one link.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { runCli } from '../../helpers/cli.js';

describe('salvo run with many links', () => {
  it('2 senders and 2 receivers x 25 connections x 4 links (400 links), 20 messages a sender link: every message accounted for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-many-links-'));
    const args = ['run', '-c', '4000', '--senders', '2', '--receivers', '2', '--connections', '25', '--links', '4'];
    const run = await runCli([...args, '--quiet', '--output', dir], 110_000);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    expect(result.complete, result.problems.join('; ')).toBe(true);
    expect(result.totals).toMatchObject({ sent: 4000, accepted: 4000, received: 4000, duplicates: 0, inDoubt: 0 });
    expect(result.verdict).toMatchObject({
      ok: true,
      attempted: 4000,
      received: 4000,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    });
    expect(
      result.checks.every((c) => c.ok),
      JSON.stringify(result.checks),
    ).toBe(true);
  }, 120_000);
});
