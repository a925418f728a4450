/**
 * Vitest global setup: the embedded broker runs in a worker thread loaded from
 * dist/, so compile once before any test, and make the test PKI.
 *
 * tsc emits JavaScript even when it finds type errors. Type errors are printed
 * loudly but do not stop the tests (`npm test` and CI type-check on their own,
 * and files other people are editing must not hide broker regressions); a
 * compile that leaves no broker thread to load does stop them. Set
 * SALVO_STRICT_BUILD=1 to fail on type errors too.
 *
 * Tests write their runs under the OS temp folder (mkdtemp), never into the
 * project's results/: the teardown fails the suite (exit 1) if results/ gained an entry.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCerts } from '../helpers/certs.js';
import { ROOT } from '../helpers/paths.js';

export default function setup(): () => void {
  const started = Date.now();
  const resultsBefore = new Set(resultEntries());
  const thread = join(ROOT, 'dist', 'src', 'broker', 'broker-thread-main.js');
  try {
    // Incremental (build info kept in dist/, which is gitignored): a re-run compiles only what changed.
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const incremental = ['--incremental', '--tsBuildInfoFile', join(ROOT, 'dist', '.tsbuildinfo')];
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), ...incremental], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    const output = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim() || e.message;
    if (!existsSync(thread) || process.env.SALVO_STRICT_BUILD === '1') {
      throw new Error(`tsc -p tsconfig.json failed:\n${output}`);
    }
    console.warn(
      `\n[salvo test setup] WARNING: tsc reported type errors (JavaScript was emitted; tests go on):\n${output}\n`,
    );
  }
  ensureCerts();
  if (process.env.SALVO_TEST_VERBOSE) console.log(`[salvo test setup] build + certs in ${Date.now() - started} ms`);
  return () => {
    const added = resultEntries().filter((name) => !resultsBefore.has(name));
    // Each vitest project runs this setup, in one process: one line is enough.
    const flags = globalThis as { salvoLitterReported?: boolean };
    if (added.length === 0 || flags.salvoLitterReported === true) return;
    flags.salvoLitterReported = true;
    // Vitest reports an error thrown here but still exits 0: the exit code is set instead.
    console.error(
      `\n[salvo test teardown] FAILED: tests wrote into results/: ${added.join(', ')} ` +
        '(give each run --output under os.tmpdir(), e.g. mkdtempSync)\n',
    );
    process.exitCode = 1;
  };
}

/** What results/ holds now (top level): a run of salvo without --output adds a folder here. */
function resultEntries(): string[] {
  const dir = join(ROOT, 'results');
  return existsSync(dir) ? readdirSync(dir) : [];
}
