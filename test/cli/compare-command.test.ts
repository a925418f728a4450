/**
 * `salvo compare` as CI runs it: files in a temp folder, the exit code and
 * what is printed. The last tests compare real runs of this build, and of
 * this build slowed on purpose (the hidden --slow-per-message).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { syntheticRun, syntheticSet, writeJson, writeRuns, type RunSpec } from '../compare/synthetic.js';

const BASE: RunSpec = { seed: 1, rateHz: 20_000, noise: 0.02, serviceP50Us: 500, serviceP99Us: 2_000 };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-compare-cli-'));
}

/** A baseline set and a current set written as folders of run folders. */
function sets(current: Partial<RunSpec>, runs = 5): { base: string; cur: string } {
  const dir = tempDir();
  return {
    base: writeRuns(join(dir, 'base'), syntheticSet(BASE, runs)),
    cur: writeRuns(join(dir, 'cur'), syntheticSet({ ...BASE, seed: 100, ...current }, runs)),
  };
}

function oneLine(stderr: string): string {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  return stderr.trimEnd();
}

describe('salvo compare', () => {
  it('exits 1 on a 30% throughput drop and says so in the table and the last line', async () => {
    const { base, cur } = sets({ rateHz: 14_000 });
    const run = await runCli(['compare', base, cur]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^throughput +20,\d{3} msg\/s +14,\d{3} msg\/s +-3\d\.\d% +-5% .* regression$/m);
    expect(run.stdout).toMatch(/^service\.p99 .* \+10% .* no change beyond noise$/m);
    expect(run.stdout).toMatch(/noise judged by per-run figures; Mann-Whitney U, two-sided, significant at p < 0.05/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^regression: throughput -3\d\.\d% \(threshold -5%, p 0\.00\d\)$/,
    );
  });

  it('exits 0 on the same drop with huge noise and 3 runs a side: no change beyond noise', async () => {
    const dir = tempDir();
    const noisy = { ...BASE, noise: 0.4 };
    const base = writeRuns(join(dir, 'base'), syntheticSet(noisy, 3));
    const cur = writeRuns(join(dir, 'cur'), syntheticSet({ ...noisy, seed: 100, rateHz: 14_000 }, 3));
    const run = await runCli(['compare', base, cur]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^throughput .* -5% .* no change beyond noise, NOT GATED$/m);
    // 3 against 3 can never be significant: the output says the gate could not fire.
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      'NOT GATED: throughput, service.p99 (too few samples for p < 0.05: 3 runs a side; need 4 runs a side); ' +
        'nothing was judged: this is not a pass',
    );
  });

  it('exits 0 for identical distributions, and reads single result files and quoted globs', async () => {
    const dir = tempDir();
    // One level for both runs: single runs see only the noise inside each run.
    writeJson(join(dir, 'base.json'), syntheticRun({ ...BASE, runNoise: 0, seconds: 20 }));
    writeJson(join(dir, 'cur.json'), syntheticRun({ ...BASE, runNoise: 0, seed: 2, seconds: 20 }));
    const single = await runCli(['compare', join(dir, 'base.json'), join(dir, 'cur.json')]);
    expect(single.code, single.stderr).toBe(0);
    expect(single.stdout).toContain('noise judged by per-second samples, warm-up excluded');
    expect(single.stdout).toMatch(/^throughput .* 20\/20 .* no change beyond noise$/m);
    const { base } = sets({});
    const globbed = await runCli(['compare', join(base, 'run-*'), join(base, 'run-*')]);
    expect(globbed.code, globbed.stderr).toBe(0);
    expect(globbed.stdout).toContain('baseline 5 runs');
  });

  it('exits 1 on a latency rise past a given threshold, 0 when the threshold allows it', async () => {
    const { base, cur } = sets({ serviceP99Us: 2_800 });
    const strict = await runCli([
      'compare',
      base,
      cur,
      '--threshold',
      'service.p99=+10%',
      '--threshold',
      'throughput=-5%',
    ]);
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/^regression: service\.p99 \+\d\d\.\d% \(threshold \+10%, p /m);
    expect(strict.stdout).not.toContain('NOT GATED');
    const untested = await runCli([
      'compare',
      join(base, 'run-1'),
      join(cur, 'run-1'),
      '--threshold',
      'service.p99.9=+5%',
    ]);
    expect(untested.code, untested.stderr).toBe(0);
    expect(untested.stdout).toMatch(/^service\.p99\.9 .* \+5% .* untested, NOT GATED$/m);
    expect(untested.stdout.trimEnd().split('\n').at(-1)).toBe(
      'NOT GATED: service.p99.9 (no samples to judge the noise by: without the interval logs beside result.json, ' +
        'the time series has p50 and p99 only; compare run folders or sets of runs); ' +
        'nothing was judged: this is not a pass',
    );
    const lenient = await runCli(['compare', base, cur, '--threshold', 'service.p99=+60%']);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stdout).toMatch(/^service\.p99 .* \+60% .* within threshold$/m);
  });

  it('prints a markdown table for a CI job summary, and JSON', async () => {
    const { base, cur } = sets({ rateHz: 14_000 });
    const markdown = await runCli(['compare', base, cur, '--format', 'markdown']);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout.split('\n')[0]).toBe('### salvo compare: regression');
    expect(markdown.stdout).toContain(
      '| metric | baseline | current | change | threshold | spread | samples | p | judgement |',
    );
    expect(markdown.stdout).toMatch(
      /^\| throughput \| 20,\d{3} msg\/s \| 14,\d{3} msg\/s \| -3\d\.\d% \| -5% \| .* \| \*\*regression\*\* \|$/m,
    );
    const json = await runCli(['compare', base, cur, '--json']);
    expect(json.code).toBe(1);
    const document = JSON.parse(json.stdout) as {
      schema: string;
      regression: boolean;
      regressions: string[];
      rows: { name: string; judgement: string }[];
    };
    expect(document).toMatchObject({ schema: 'salvo.compare/1', regression: true, regressions: ['throughput'] });
    expect(document.rows.find((r) => r.name === 'throughput')?.judgement).toBe('regression');
  });

  it('exits 2 with one line on a bad threshold, naming the token', async () => {
    const { base, cur } = sets({});
    const run = await runCli(['compare', base, cur, '--threshold', 'throughput=-5%', '--threshold', 'service.p99=10']);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toBe(
      'salvo: --threshold "service.p99=10": expected METRIC=-N% for a rate or METRIC=+N% for a latency (e.g. throughput=-5%, service.p99=+10%)',
    );
    expect(run.stdout).toBe('');
    const alpha = await runCli(['compare', base, cur, '--alpha', '2']);
    expect(alpha.code).toBe(2);
    expect(oneLine(alpha.stderr)).toContain('expected a significance level above 0 and at most 0.5');
  });

  it('exits 2 with one line on unusable input', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeJson(good, syntheticRun(BASE));
    writeJson(join(dir, 'incomplete.json'), {
      ...syntheticRun(BASE),
      complete: false,
      problems: ['the broker went away'],
    });
    const failed = syntheticRun(BASE);
    writeJson(join(dir, 'failed.json'), { ...failed, verdict: { ...failed.verdict, ok: false, failed: ['lost'] } });
    writeJson(join(dir, 'bigger.json'), syntheticRun({ ...BASE, plan: { bodySize: 4096 } }));
    writeFileSync(join(dir, 'notes.json'), '{"hello": "world"}');
    const cases: [string, string][] = [
      [join(dir, 'missing.json'), `salvo: ${join(dir, 'missing.json')}: no such file or folder`],
      [
        join(dir, 'incomplete.json'),
        `salvo: ${join(dir, 'incomplete.json')}: incomplete run (the broker went away): its figures are not comparable`,
      ],
      [
        join(dir, 'failed.json'),
        `salvo: ${join(dir, 'failed.json')}: failed delivery verdict (lost): its figures are not comparable`,
      ],
      [
        join(dir, 'bigger.json'),
        `salvo: different workloads: body size 100 in ${good}, 4096 in ${join(dir, 'bigger.json')}`,
      ],
      [
        join(dir, 'notes.json'),
        `salvo: ${join(dir, 'notes.json')}: not a salvo result (no "schema": "salvo.result/1")`,
      ],
    ];
    for (const [current, message] of cases) {
      const run = await runCli(['compare', good, current]);
      expect(run.code, current).toBe(2);
      expect(oneLine(run.stderr)).toBe(message);
      expect(run.stdout).toBe('');
    }
  });
});

describe('salvo compare: a gate that could not judge says NOT GATED', () => {
  /** One run a side of one measured second, the current one 27% slower: nothing can be significant. */
  function tooFew(): { base: string; cur: string } {
    const dir = tempDir();
    writeJson(join(dir, 'base.json'), syntheticRun({ ...BASE, seconds: 1 }));
    writeJson(join(dir, 'cur.json'), syntheticRun({ ...BASE, seed: 2, seconds: 1, rateHz: 14_600 }));
    return { base: join(dir, 'base.json'), cur: join(dir, 'cur.json') };
  }
  const NOT_GATED =
    'NOT GATED: throughput, service.p99 (too few samples for p < 0.05: 1/1 per-second values, 1 run a side; ' +
    'need 4 a side, from longer runs or sets of 4 runs a side)';

  it('exits 0 without --require-gate, its last line saying NOT GATED, not a pass', async () => {
    const { base, cur } = tooFew();
    const run = await runCli(['compare', base, cur]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^throughput .* -2\d\.\d% +-5% .* 1\/1 .* no change beyond noise, NOT GATED$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`${NOT_GATED}; nothing was judged: this is not a pass`);
    expect(run.stdout).not.toMatch(/^no regression/m);
  });

  it('exits 4 with --require-gate, one line on stderr naming what was not judged', async () => {
    const { base, cur } = tooFew();
    const run = await runCli(['compare', base, cur, '--require-gate']);
    expect(run.code).toBe(4);
    expect(oneLine(run.stderr)).toBe(`salvo: --require-gate: ${NOT_GATED}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`${NOT_GATED}; nothing was judged: this is not a pass`);
    const json = await runCli(['compare', base, cur, '--require-gate', '--json']);
    expect(json.code).toBe(4);
    const document = JSON.parse(json.stdout) as { notGated: { metric: string; reason: string }[] };
    expect(document.notGated.map((n) => n.metric)).toEqual(['throughput', 'service.p99']);
  });

  it('heads the markdown summary with NOT GATED', async () => {
    const { base, cur } = tooFew();
    const run = await runCli(['compare', base, cur, '--format', 'markdown', '--require-gate']);
    expect(run.code).toBe(4);
    const verdict = `${NOT_GATED.replace('NOT GATED:', '**NOT GATED**:')}; nothing was judged: this is not a pass`;
    expect(run.stdout.split('\n')[0]).toBe(`### salvo compare: ${verdict}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(verdict);
    expect(run.stdout).toMatch(/^\| throughput \| .* \| no change beyond noise, NOT GATED \|$/m);
  });

  it('with --require-gate, exits 0 when every threshold was judged and 1 on a regression', async () => {
    const same = sets({});
    const pass = await runCli(['compare', same.base, same.cur, '--require-gate']);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stderr).toBe('');
    expect(pass.stdout.trimEnd().split('\n').at(-1)).toBe('no regression past a threshold');
    const slower = sets({ rateHz: 14_000 });
    const regression = await runCli(['compare', slower.base, slower.cur, '--require-gate']);
    expect(regression.code, regression.stderr).toBe(1);
    expect(regression.stdout.trimEnd().split('\n').at(-1)).toMatch(/^regression: throughput /);
  });

  it('exits 1, not 4, on a regression while another threshold was not judged', async () => {
    const dir = tempDir();
    writeJson(join(dir, 'base.json'), syntheticRun(BASE));
    writeJson(join(dir, 'cur.json'), syntheticRun({ ...BASE, seed: 2, rateHz: 14_000 }));
    const thresholds = ['--threshold', 'throughput=-5%', '--threshold', 'service.p99.9=+5%'];
    const run = await runCli([
      'compare',
      join(dir, 'base.json'),
      join(dir, 'cur.json'),
      ...thresholds,
      '--require-gate',
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^NOT GATED: service\.p99\.9 \(no samples to judge the noise by: /);
    expect(lines.at(-1)).toMatch(/^regression: throughput -\d\d\.\d% /);
  });
});

describe('salvo compare on two real runs of the embedded broker from this build', () => {
  it('finds no regression', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    for (const name of ['a', 'b']) {
      const run = await runCli(['run', '-d', '3s', '--warmup', '1s', '--quiet', '--output', join(dir, name)], 40_000);
      expect(run.code, run.stderr).toBe(0);
    }
    const run = await runCli(['compare', join(dir, 'a'), join(dir, 'b')]);
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('workload: embedded broker, at-least-once, 100 B, closed loop');
    expect(run.stdout).toMatch(/^throughput .* msg\/s .* -5% +(-|\d+%) +[12]\/[12] .*$/m);
    for (const metric of ['service.p50', 'service.p99', 'endToEnd.p99'])
      expect(run.stdout).toMatch(new RegExp(`^${metric.replace('.', '\\.')} `, 'm'));
    // The interval logs beside each result.json give p99.9 per second too.
    expect(run.stdout).toMatch(
      /^service\.p99\.9 .* [1-9]\d*\/[1-9]\d* +(<0\.001|\d\.\d{3}) +(no change beyond noise|worse|better)$/m,
    );
    // Single runs of 2 measured seconds: too few per-second samples for p < 0.05, and the verdict says so.
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^NOT GATED: throughput.* \(too few samples for p < 0\.05: .*\); (nothing was judged: this is not a pass|no regression past a threshold among the metrics judged: service\.p99)$/,
    );
    const required = await runCli(['compare', join(dir, 'a'), join(dir, 'b'), '--require-gate']);
    expect(required.code, `${required.stdout}${required.stderr}`).toBe(4);
    expect(oneLine(required.stderr)).toMatch(/^salvo: --require-gate: NOT GATED: throughput.* \(too few samples /);
  });

  it('against a build slowed on purpose (a fixed wait after every send) says regression and exits 1', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir();
    const runs: [string, string[]][] = [
      ['base', []],
      ['slowed', ['--slow-per-message', '150']],
    ];
    for (const [name, extra] of runs) {
      const run = await runCli(
        ['run', '-d', '6s', '--warmup', '1s', '--quiet', '--output', join(dir, name), ...extra],
        40_000,
      );
      expect(run.code, run.stderr).toBe(0);
    }
    const run = await runCli(['compare', join(dir, 'base'), join(dir, 'slowed')]);
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(1);
    expect(run.stdout).toMatch(/^throughput .* -\d+\.\d% +-5% .* regression$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^regression: throughput -\d+\.\d% \(threshold -5%, p (<0\.001|0\.0\d\d)\)(; |$)/,
    );
  });
});

describe('salvo run --repeat', () => {
  it('writes N runs into <output>/run-1 ... run-N, each its own run id, a set salvo compare reads', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir();
    const run = await runCli(
      ['run', '-c', '2000', '--repeat', '3', '--run-id', 'rep', '--output', join(dir, 'set')],
      60_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/^salvo: run \d of 3 -> /gm)).toHaveLength(3);
    for (const i of [1, 2, 3]) {
      const result = JSON.parse(readFileSync(join(dir, 'set', `run-${i}`, 'result.json'), 'utf8')) as {
        runId: string;
        totals: { received: number };
      };
      expect(result.runId).toBe(`rep-${i}`);
      expect(result.totals.received).toBe(2000);
    }
    const compare = await runCli(['compare', join(dir, 'set'), join(dir, 'set')]);
    expect(compare.stdout).toMatch(/^throughput .* 3\/3 /m);
    const bad = await runCli(['run', '-c', '10', '--repeat', 'twice']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('salvo: --repeat must be an integer from 1 to 1000, got "twice"\n');
  });
});
