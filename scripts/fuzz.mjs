#!/usr/bin/env node
// npm run fuzz -- [--seed N] [--duration 10m] [--path P]
// The CI fuzz property (test/fuzz/broker.fuzz.test.ts), run for a duration instead of a
// count. A failure prints fast-check's seed and path; `--seed N --path P` replays just that.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

function durationMs(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? '');
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'];
  return Math.round(Number(match[1]) * unit);
}

const seed = flag('seed') ?? String(Date.now() % 2_147_483_647);
const duration = durationMs(flag('duration') ?? '10m');
if (!/^-?\d+$/.test(seed) || duration === undefined) {
  console.error('usage: npm run fuzz -- [--seed N] [--duration 10m] [--path P]');
  process.exit(2);
}
const env = { ...process.env, SALVO_FUZZ_SEED: seed, SALVO_FUZZ_DURATION_MS: String(duration) };
if (flag('path')) env.SALVO_FUZZ_PATH = flag('path');
console.error(`salvo fuzz: seed ${seed}, ${duration} ms`);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', 'test/fuzz/broker.fuzz.test.ts'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (run.status !== 0)
  console.error(
    `salvo fuzz: FAILED with seed ${seed}; replay: npm run fuzz -- --seed ${seed} --path <path from the report above>`,
  );
process.exit(run.status ?? 1);
