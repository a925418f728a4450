/**
 * Qpid Proton Python client programs (test/interop/proton/*.py) run as child
 * processes. Debian's python3-qpid-proton is importable only from
 * /usr/bin/python3 (SALVO_PYTHON overrides).
 *
 * When proton cannot be imported, interop suites fail with a clear message in
 * CI (CI=true, where .ci/run installs it); elsewhere, or with
 * SALVO_SKIP_INTEROP=1, they skip and say so loudly, so that `npm test` runs
 * on a fresh machine.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { ROOT } from './paths.js';

export const PYTHON = process.env.SALVO_PYTHON ?? '/usr/bin/python3';
export const PROTON_DIR = join(ROOT, 'test', 'interop', 'proton');

export interface ProtonStatus {
  ok: boolean;
  version?: string;
  problem?: string;
}

let status: ProtonStatus | undefined;

export function protonStatus(): ProtonStatus {
  if (status) return status;
  const check = spawnSync(PYTHON, [join(PROTON_DIR, 'check_proton.py')], { encoding: 'utf8', timeout: 20_000 });
  if (check.status === 0) {
    status = { ok: true, version: (JSON.parse(check.stdout.trim()) as { proton: string }).proton };
  } else {
    const why = check.error ? check.error.message : (check.stderr || check.stdout).trim().split('\n').pop();
    status = {
      ok: false,
      problem:
        `Qpid Proton Python is not importable from ${PYTHON} (${why}). ` +
        'Install it (apt-get install -y python3-qpid-proton) or set SALVO_SKIP_INTEROP=1 to skip the interop tests.',
    };
  }
  return status;
}

/**
 * `describe` for suites that need Proton: in CI, fails every test in it with a clear message
 * when Proton is missing; elsewhere skips loudly.
 */
export function describeWithProton(name: string, body: () => void): void {
  const proton = protonStatus();
  const maySkip = process.env.SALVO_SKIP_INTEROP === '1' || process.env.CI !== 'true';
  if (!proton.ok && maySkip) {
    console.warn(`\n!!! SKIPPING Proton interop suite "${name}" (not in CI): ${proton.problem}\n`);
    // Outside CI, `npm test` must run on a fresh machine without Debian's Proton; CI installs it and fails without it.
    describe.skip(name, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => {
      if (!proton.ok) throw new Error(proton.problem);
    });
    body();
  });
}

export interface ProtonRun<R> {
  code: number | null;
  /** The program's one JSON line (undefined if it printed none). */
  result: R | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs one program. `--timeout` (the program's own limit, seconds) is set from `ms`;
 * the process is killed at `ms` + 5 s if it is still running.
 */
export function runProton<R = Record<string, unknown>>(
  program: string,
  args: string[],
  ms = 20_000,
): Promise<ProtonRun<R>> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [join(PROTON_DIR, program), ...args, '--timeout', String(ms / 1000)],
      {
        timeout: ms + 5000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        cwd: PROTON_DIR,
        // No __pycache__ beside the programs.
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const last = stdout.trim().split('\n').pop() ?? '';
        let result: R | undefined;
        try {
          result = last ? (JSON.parse(last) as R) : undefined;
        } catch {
          result = undefined;
        }
        resolve({ code, result, stdout, stderr });
      },
    );
  });
}

/** What failed, for an assertion message. */
export function explain(run: ProtonRun<unknown>): string {
  return `exit ${run.code}; stdout: ${run.stdout.slice(0, 2000)}; stderr: ${run.stderr.slice(0, 2000)}`;
}

export interface SendResult {
  sent: number;
  accepted: number;
  rejected: number;
  released: number;
  errors: string[];
  ok: boolean;
}

export interface RecvResult {
  received: number;
  ids: unknown[];
  bodies: unknown[];
  properties: Record<string, unknown>[];
  property_types?: Record<string, string>[];
  delivery_counts: number[];
  settled_by_sender: number;
  remote_filter?: Record<string, { descriptor: string; value: unknown }> | null;
  errors: string[];
  ok: boolean;
}
