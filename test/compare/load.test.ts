/**
 * Reading a side from disk, and refusing what cannot be compared: each case
 * a CompareInputError (exit 2) with its one line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompareInputError, compare, loadSide, parseThresholds, resultFiles } from '../../src/compare/index.js';
import type { RunResult } from '../../src/results/result.js';
import { syntheticRun, writeJson, writeRuns } from './synthetic.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-compare-'));
}

async function refusal(action: () => unknown): Promise<string> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(CompareInputError);
    expect((error as CompareInputError).code).toBe('usage');
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('no error');
}

const good = (seed = 1): RunResult => syntheticRun({ seed, rateHz: 10_000, noise: 0.05 });

describe('what an argument names', () => {
  it('a result.json, a run folder, a folder of run folders and result files, a glob', async () => {
    const dir = tempDir();
    writeJson(join(dir, 'one', 'result.json'), good());
    writeRuns(join(dir, 'set'), [good(1), good(2), good(3)]);
    writeJson(join(dir, 'set', 'extra.json'), good(4));
    writeJson(join(dir, 'base-a', 'result.json'), good(5));
    writeJson(join(dir, 'base-b', 'result.json'), good(6));
    expect(resultFiles(join(dir, 'one', 'result.json'))).toEqual([join(dir, 'one', 'result.json')]);
    expect(resultFiles(join(dir, 'one'))).toEqual([join(dir, 'one', 'result.json')]);
    expect(resultFiles(join(dir, 'set'))).toEqual([
      join(dir, 'set', 'extra.json'),
      join(dir, 'set', 'run-1', 'result.json'),
      join(dir, 'set', 'run-2', 'result.json'),
      join(dir, 'set', 'run-3', 'result.json'),
    ]);
    expect(resultFiles(join(dir, 'base-*'))).toEqual([
      join(dir, 'base-a', 'result.json'),
      join(dir, 'base-b', 'result.json'),
    ]);
    expect(resultFiles(join(dir, 'set', 'run-?', 'result.json'))).toHaveLength(3);
    expect((await loadSide(join(dir, 'set'))).map((s) => s.result.totals.sent)).toHaveLength(4);
  });
});

describe('unusable input', () => {
  it('a missing file, an empty folder, a glob matching nothing', async () => {
    const dir = tempDir();
    expect(await refusal(() => loadSide(join(dir, 'nope.json')))).toBe(
      `${join(dir, 'nope.json')}: no such file or folder`,
    );
    expect(await refusal(() => loadSide(dir))).toBe(`${dir}: no result.json in ${dir} or its sub-folders`);
    expect(await refusal(() => loadSide(join(dir, 'x-*')))).toBe(`${join(dir, 'x-*')}: no file or folder matches`);
  });

  it('a file that is not JSON, or not a salvo result', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'text.json'), 'hello');
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ schema: 'something/1' }));
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...good(), schema: 'salvo.result/9' }));
    writeFileSync(join(dir, 'probe.json'), JSON.stringify({ schema: 'salvo.probe/1' }));
    const { totals: _dropped, ...noTotals } = good();
    writeFileSync(join(dir, 'partial.json'), JSON.stringify(noTotals));
    expect(await refusal(() => loadSide(join(dir, 'text.json')))).toBe(
      `${join(dir, 'text.json')}: not a salvo result (not JSON)`,
    );
    expect(await refusal(() => loadSide(join(dir, 'other.json')))).toBe(
      `${join(dir, 'other.json')}: not a salvo result (no "schema": "salvo.result/1")`,
    );
    expect(await refusal(() => loadSide(join(dir, 'probe.json')))).toContain('not a salvo result');
    expect(await refusal(() => loadSide(join(dir, 'future.json')))).toBe(
      `${join(dir, 'future.json')}: result schema salvo.result/9, this salvo reads salvo.result/1`,
    );
    expect(await refusal(() => loadSide(join(dir, 'partial.json')))).toBe(
      `${join(dir, 'partial.json')}: not a salvo result (no "totals" object)`,
    );
  });

  it('an incomplete run, a failed verdict, a failed check', async () => {
    const dir = tempDir();
    const incomplete = { ...good(), complete: false, problems: ['interrupted by SIGINT'] };
    const base = good();
    const lost = { ...base, verdict: { ...base.verdict!, ok: false, lost: 3, failed: ['lost' as const] } };
    const failedCheck = {
      ...base,
      checks: [{ name: 'every sent message accepted', ok: false, detail: '5 in doubt of 100 sent' }],
    };
    writeJson(join(dir, 'a.json'), incomplete);
    writeJson(join(dir, 'b.json'), lost);
    writeJson(join(dir, 'c.json'), failedCheck);
    expect(await refusal(() => loadSide(join(dir, 'a.json')))).toBe(
      `${join(dir, 'a.json')}: incomplete run (interrupted by SIGINT): its figures are not comparable`,
    );
    expect(await refusal(() => loadSide(join(dir, 'b.json')))).toBe(
      `${join(dir, 'b.json')}: failed delivery verdict (lost): its figures are not comparable`,
    );
    expect(await refusal(() => loadSide(join(dir, 'c.json')))).toBe(
      `${join(dir, 'c.json')}: failed check "every sent message accepted" (5 in doubt of 100 sent): its figures are not comparable`,
    );
    // One bad run in a set spoils the set.
    writeRuns(join(dir, 'set'), [good(1), incomplete]);
    expect(await refusal(() => loadSide(join(dir, 'set')))).toContain('run-2/result.json: incomplete run');
  });

  it('different workloads, on either side or within a set', async () => {
    const options = { thresholds: parseThresholds(['throughput=-5%']), explicit: true, alpha: 0.05 };
    const side = (source: string, result: RunResult): { source: string; result: RunResult }[] => [{ source, result }];
    const cases: [Partial<RunResult['plan']>, string][] = [
      [{ bodySize: 1024 }, 'body size 100 in base.json, 1024 in cur.json'],
      [{ settle: 'at-most-once' }, 'settle "at-least-once" in base.json, "at-most-once" in cur.json'],
      [{ rateHz: 5000 }, 'rate "closed loop" in base.json, 5000 in cur.json'],
      [{ senders: 2 }, 'senders 1 in base.json, 2 in cur.json'],
      [{ links: 4 }, 'links 1 in base.json, 4 in cur.json'],
      [
        { target: { kind: 'url', url: 'amqp://h:5672', scheme: 'amqp', host: 'h', port: 5672 } },
        'target "embedded" in base.json, "url" in cur.json',
      ],
    ];
    for (const [change, reason] of cases) {
      const other = syntheticRun({ seed: 2, rateHz: 10_000, noise: 0.05, plan: change });
      expect(await refusal(() => compare(side('base.json', good()), side('cur.json', other), options))).toBe(
        `different workloads: ${reason}`,
      );
    }
    const patterned = { ...good(), plan: { ...good().plan, pattern: 'rpc' } };
    expect(await refusal(() => compare(side('base.json', good()), side('cur.json', patterned), options))).toBe(
      'different workloads: pattern (none) in base.json, "rpc" in cur.json',
    );
    const chaos = syntheticRun({
      seed: 2,
      rateHz: 10_000,
      noise: 0.05,
      plan: { brokerChaos: { drop: 0, dup: 0, reorder: 0.01, seed: 1 } },
    });
    expect(await refusal(() => compare(side('base.json', good()), side('cur.json', chaos), options))).toMatch(
      /^different workloads: broker chaos \(none\) in base.json, \{.*\} in cur.json$/,
    );
    // A longer run of the same workload is the same workload.
    const longer = syntheticRun({ seed: 3, rateHz: 10_000, noise: 0.05, seconds: 30 });
    expect(compare(side('base.json', good()), side('cur.json', longer), options).rows.length).toBeGreaterThan(0);
  });
});
