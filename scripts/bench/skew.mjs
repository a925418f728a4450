// npm run bench:skew: the start skew of N `salvo run --shards N` processes on one machine (default N = 3 and 10,
//   BENCH_SHARDS=3,10; BENCH_ROUNDS runs of each, default 3), real CLI processes against one `salvo broker`
//   process, a tiny workload (N senders, N receivers, 200 messages a shard, closed loop). Reads shard 0's merged
//   result.json: each row's start skew (its start after the first shard's, on shard 0's clock) with its bound,
//   and its clock offset to shard 0 with its bound (one host: the true offset is 0). Prints a table of the
//   worst row of each run. Needs `npm run build` first. Writes results/bench/skew.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startNode, writeBench } from './lib.mjs';

const SIZES = (process.env.BENCH_SHARDS ?? '3,10').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MESSAGES_PER_SHARD = 200;
const RUN_LIMIT_MS = 180_000;
const CLI = join(ROOT, 'bin/salvo.js');

const folder = mkdtempSync(join(tmpdir(), 'salvo-bench-skew-'));
const broker = startNode([CLI, 'broker', '--port', '0'], /listening on (amqp:\/\/\S+)/);
try {
  const [, url] = await broker.started;
  const runs = [];
  const loadBefore = loadavg().map(round);
  for (const shards of SIZES)
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      const run = await shardedRun(url, shards, `bench-skew-${shards}-${round_}-${process.pid}`);
      console.error(JSON.stringify(run));
      runs.push(run);
    }
  const file = writeBench('skew', { runs, loadAverage: { before: loadBefore, after: loadavg().map(round) } });
  console.log(table(runs));
  console.log(`load average before ${loadBefore.join(' ')}, after ${loadavg().map(round).join(' ')}`);
  console.log(`-> ${file}`);
} finally {
  await broker.stop();
  rmSync(folder, { recursive: true, force: true });
}

/** N shard processes of one run; the worst row of shard 0's merged result. */
async function shardedRun(url, shards, runId) {
  const args = (index) => [
    'run',
    `${url}/${runId}`,
    ...['--shards', String(shards), '--shard-index', String(index), '--run-id', runId],
    ...['--output', join(folder, runId, `shard-${index}`), '--shard-timeout', '60s', '--quiet'],
    ...['--senders', String(shards), '--receivers', String(shards), '-c', String(shards * MESSAGES_PER_SHARD)],
    ...['--drain-timeout', '2s'],
  ];
  const codes = await Promise.all(Array.from({ length: shards }, (_, i) => cli(args(i))));
  if (codes.some((c) => c !== 0)) return { shards, runId, failed: `exit codes ${codes.join(' ')}` };
  const merged = JSON.parse(readFileSync(join(folder, runId, 'result.json'), 'utf8'));
  const rows = merged.shards.rows;
  const worst = rows.reduce((a, b) => (b.startSkewMs > a.startSkewMs ? b : a));
  const offsets = rows.filter((r) => r.index !== 0);
  return {
    shards,
    verdict: merged.verdict?.ok ? 'PASS' : 'FAIL',
    maxStartSkewMs: worst.startSkewMs,
    itsBoundMs: worst.startSkewBoundMs,
    maxBoundMs: Math.max(...rows.map((r) => r.startSkewBoundMs)),
    maxAbsClockOffsetMs: Math.max(...offsets.map((r) => Math.abs(r.clockOffsetMs))),
    maxClockBoundMs: Math.max(...offsets.map((r) => r.clockBoundMs)),
    // One host, one clock: every true offset is 0, so each estimate must lie within its bound of 0.
    offsetsWithinBound: offsets.every((r) => Math.abs(r.clockOffsetMs) <= r.clockBoundMs),
  };
}

/** One CLI process, bounded in time; resolves with its exit code. */
function cli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) console.error(`shard exited ${code}: ${err.trim().split('\n').pop()}`);
      resolve(code);
    });
  });
}

function table(runs) {
  const head = ['shards', 'verdict', 'max start skew', 'max skew bound', 'max abs clock offset', 'max clock bound'];
  const lines = runs.map((r) =>
    r.failed
      ? [r.shards, `failed: ${r.failed}`, '', '', '', '']
      : [
          r.shards,
          r.verdict,
          `${r.maxStartSkewMs} ±${r.itsBoundMs} ms`,
          `${r.maxBoundMs} ms`,
          `${r.maxAbsClockOffsetMs} ms${r.offsetsWithinBound ? '' : ' (outside its bound)'}`,
          `${r.maxClockBoundMs} ms`,
        ],
  );
  return [head, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function round(n) {
  return Math.round(n * 100) / 100;
}
