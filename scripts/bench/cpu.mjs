// npm run bench:cpu: CPU per message, send + receive, closed loop, 100-byte bodies (issue 23).
//   salvo:        `salvo run URL -c N` (1 sender, 1 receiver): its process's user + system CPU (every thread), read
//                 at its exit through a preloaded hook (cpu-exit-hook.mjs), not sampled
//   salvo broker: a `salvo broker` in another process: its /proc CPU across the run (it lives on)
// Each figure is marginal: (CPU of a run of N - CPU of a run of SMALL) / (N - SMALL), so start-up, connecting,
// attaching and writing the result (the same in both) drop out. Against a `salvo broker` and, with
// SALVO_ARTEMIS_URL, against Artemis (whose JVM's CPU is not read: it is not ours to tell apart from others').
// --baseline DIR: the same measurements with another built checkout (e.g. a worktree of main, `npx tsc` run in
// it), interleaved with this one round by round, the order swapped every round; each build drives its own
// `salvo broker`. CPU seconds per message are far less sensitive than msg/s to other load on the host (a busy
// core slows a run but does not add its own cycles), but not blind to it: caches, frequency and the
// scheduler still move them, so medians of ROUNDS (at least 3) are what to compare.
// Writes results/bench/cpu.json.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { cpuSeconds } from './proc.mjs';
import { fmt, median, ROOT, writeBench } from './lib.mjs';

const COUNT = Number(process.env.BENCH_COUNT ?? 200_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT_MS = Number(process.env.BENCH_LIMIT_S ?? 240) * 1000;
const EXTRA = (process.env.BENCH_ARGS ?? '').split(' ').filter(Boolean);
const HOOK = join(ROOT, 'scripts', 'bench', 'cpu-exit-hook.mjs');

function argValue(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

// --build DIR: measure another built checkout as "this" (a frozen copy, so that rebuilding here mid-run changes nothing).
const builds = [{ name: 'this', root: resolve(argValue('--build') ?? ROOT) }];
const baseline = argValue('--baseline');
if (baseline) builds.push({ name: 'baseline', root: resolve(baseline) });
const targets = ['salvo broker'];
if (process.env.SALVO_ARTEMIS_URL) targets.push('artemis');

/** A `salvo broker` of `root` on a free port: its url, pid and stop(). */
function startBroker(root) {
  const child = spawn(process.execPath, [join(root, 'bin', 'salvo.js'), 'broker', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const started = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`salvo broker of ${root} did not start`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      const match = /amqp:\/\/\S+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[0].replace(/\/$/, ''));
      }
    });
  });
  const stop = () =>
    new Promise((r) => {
      child.on('close', r);
      child.kill('SIGTERM');
    });
  return { pid: child.pid, started, stop };
}

/** One `salvo run` of `count` messages from `root`: its CPU seconds and totals. */
function runSalvo(root, url, count) {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-bench-cpu-'));
  const cpuFile = join(dir, 'cpu.json');
  const args = ['--import', HOOK, join(root, 'bin', 'salvo.js'), 'run', url, '-c', String(count)];
  args.push(...EXTRA, '--quiet', '--output', join(dir, 'run'));
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SALVO_BENCH_CPU_FILE: cpuFile },
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(killer);
      try {
        if (code !== 0) throw new Error(`salvo run exited ${code}: ${err.trim().split('\n').pop()}`);
        const cpu = JSON.parse(readFileSync(cpuFile, 'utf8'));
        const totals = JSON.parse(readFileSync(join(dir, 'run', 'result.json'), 'utf8')).totals;
        resolveRun({ cpuS: (cpu.userUs + cpu.systemUs) / 1e6, totals });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

let queueNumber = 0;
/** Runs of SMALL and COUNT messages of `build` against `target`: marginal µs per message of each process. */
async function measure(build, target) {
  const broker = target === 'salvo broker' ? startBroker(build.root) : null;
  try {
    const base = broker ? await broker.started : process.env.SALVO_ARTEMIS_URL.replace(/\/$/, '');
    const address = () => `${base}/cpu-bench-${process.pid}-${++queueNumber}`;
    const brokerCpu = () => (broker ? cpuSeconds(broker.pid) : null);
    const b0 = brokerCpu();
    const small = await runSalvo(build.root, address(), SMALL);
    const b1 = brokerCpu();
    const big = await runSalvo(build.root, address(), COUNT);
    const b2 = brokerCpu();
    const perMessageUs = (small1, big1) => ((big1 - small1) / (COUNT - SMALL)) * 1e6;
    return {
      salvoUs: perMessageUs(small.cpuS, big.cpuS),
      brokerUs: broker ? perMessageUs(b1 - b0, b2 - b1) : null,
      salvoTotalS: big.cpuS,
      receiveRate: big.totals.receiveRate ?? null,
      received: big.totals.received ?? null,
    };
  } finally {
    await broker?.stop();
  }
}

const samples = {};
for (const target of targets) for (const build of builds) samples[`${target}|${build.name}`] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const target of targets) {
    for (const build of order) {
      const r = await measure(build, target);
      samples[`${target}|${build.name}`].push(r);
      process.stderr.write(
        `round ${round + 1} ${target} ${build.name}: salvo ${r.salvoUs.toFixed(1)} µs/msg` +
          `${r.brokerUs === null ? '' : `, broker ${r.brokerUs.toFixed(1)} µs/msg`}, received ${fmt(r.receiveRate ?? 0)} msg/s\n`,
      );
    }
  }
}
const medians = Object.fromEntries(
  Object.entries(samples).map(([key, rs]) => [
    key,
    {
      salvoUs: median(rs.map((r) => r.salvoUs)),
      brokerUs: rs[0].brokerUs === null ? null : median(rs.map((r) => r.brokerUs)),
      receiveRate: median(rs.map((r) => r.receiveRate ?? Number.NaN)),
    },
  ]),
);
const file = writeBench('cpu', {
  count: COUNT,
  small: SMALL,
  rounds: ROUNDS,
  extraArgs: EXTRA,
  builds,
  medians,
  samples,
});
console.log(
  `CPU per message, send + receive, 100 B, closed loop; medians of ${ROUNDS} rounds, ${fmt(COUNT)} - ${fmt(SMALL)} messages`,
);
console.log('target         build       salvo µs/msg   broker µs/msg   received msg/s');
for (const [key, m] of Object.entries(medians)) {
  const [target, build] = key.split('|');
  console.log(
    `${target.padEnd(13)}  ${build.padEnd(9)}  ${m.salvoUs.toFixed(1).padStart(12)}   ${(m.brokerUs === null ? 'n/a' : m.brokerUs.toFixed(1)).padStart(13)}   ${fmt(m.receiveRate).padStart(14)}`,
  );
}
console.log(`written to ${file}`);
