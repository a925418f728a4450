/**
 * The go-amqp interop module (test/interop/go) run through
 * scripts/interop/go.sh: `check` says whether Go and the module cache are
 * here, `test URL` runs every Go test offline against a broker.
 *
 * When they are missing, suites fail with a clear message in CI (CI=true,
 * where .ci/run's install step fills the module cache); elsewhere, or with
 * SALVO_SKIP_INTEROP=1, they skip and say so loudly.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { ROOT } from './paths.js';

export const GO_MODULE_DIR = join(ROOT, 'test', 'interop', 'go');
const SCRIPT = join(ROOT, 'scripts', 'interop', 'go.sh');

export interface GoStatus {
  ok: boolean;
  problem?: string;
}

let status: GoStatus | undefined;

export function goStatus(): GoStatus {
  if (status) return status;
  const check = spawnSync('bash', [SCRIPT, 'check'], { encoding: 'utf8', timeout: 120_000 });
  if (check.status === 0) {
    status = { ok: true };
  } else {
    const why = check.error ? check.error.message : (check.stderr || check.stdout).trim().split('\n').pop();
    status = {
      ok: false,
      problem:
        `Go or the go-amqp module cache is missing (${why}). ` +
        'Run `bash scripts/interop/go.sh install`, or set SALVO_SKIP_INTEROP=1 to skip the interop tests.',
    };
  }
  return status;
}

/** `describe` for suites that need Go: fails in CI when it is missing, skips loudly elsewhere. */
export function describeWithGo(name: string, body: () => void): void {
  const go = goStatus();
  const maySkip = process.env.SALVO_SKIP_INTEROP === '1' || process.env.CI !== 'true';
  if (!go.ok && maySkip) {
    console.warn(`\n!!! SKIPPING go-amqp interop suite "${name}" (not in CI): ${go.problem}\n`);
    // Outside CI, `npm test` must run on a fresh machine without Go; CI installs it and fails without it.
    describe.skip(name, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => {
      if (!go.ok) throw new Error(go.problem);
    });
    body();
  });
}

/** Every `func TestXxx(t *testing.T)` in the module's test files: the tests a run must report. */
export function goTestNames(): string[] {
  const names: string[] = [];
  for (const file of readdirSync(GO_MODULE_DIR)
    .filter((f) => f.endsWith('_test.go'))
    .sort()) {
    for (const match of readFileSync(join(GO_MODULE_DIR, file), 'utf8').matchAll(
      /^func (Test\w+)\(t \*testing\.T\)/gm,
    )) {
      names.push(match[1]);
    }
  }
  return names;
}

export interface GoRun {
  code: number | null;
  output: string;
  passed: Set<string>;
  failed: Set<string>;
}

/** `go.sh test URL`, killed at `ms`; stdout and stderr together, as `go test -v` interleaves them. */
export function runGoTests(url: string, ms: number): Promise<GoRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, 'test', url],
      { timeout: ms, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const output = `${stdout}\n${stderr}`;
        resolve({ code, output, passed: verdicts(output, 'PASS'), failed: verdicts(output, 'FAIL') });
      },
    );
  });
}

function verdicts(output: string, verdict: 'PASS' | 'FAIL'): Set<string> {
  return new Set(Array.from(output.matchAll(new RegExp(`^\\s*--- ${verdict}: (Test\\w+)`, 'gm')), (m) => m[1]));
}

/** The lines of a run that explain one test's failure (its own log lines and verdict). */
export function explainGo(run: GoRun, name?: string): string {
  const lines = run.output.split('\n');
  if (name) {
    const start = lines.findIndex((l) => l.startsWith(`=== RUN   ${name}`));
    if (start >= 0) {
      const end = lines.findIndex((l, i) => i > start && /^--- (PASS|FAIL|SKIP)/.test(l));
      return lines.slice(start, end >= 0 ? end + 1 : start + 20).join('\n');
    }
  }
  return `exit ${run.code}; output:\n${lines.slice(-60).join('\n')}`;
}
