// npm run bench:credit: what the receiver's credit window (--credit) and the
// sender's unsettled limit (--max-in-flight) do to throughput and latency.
//
// Targets: the embedded broker (a fresh one per run, as `salvo run` starts it)
// and Artemis at BENCH_ARTEMIS_URL (default amqp://127.0.0.1:5673) when it
// answers (BENCH_ARTEMIS=0 skips it). Two sweeps per target, each a closed-loop
// run of BENCH_COUNT 100-byte messages, at-least-once, one sender and one
// receiver, on a fresh queue:
//   credit        --credit 1, 10, 100, 1000 with --max-in-flight 1000
//   max-in-flight --max-in-flight 1, 10, 100, 1000 with --credit 1000
// Figures: accepted msg/s (the broker's accepts), received msg/s, service p50 /
// p99 (send -> accepted) and end-to-end p99 (send -> receipt), medians of
// BENCH_ROUNDS, the settings interleaved within each round so that a machine's
// drift moves them alike. Writes results/bench/credit.json.
import { fmt, listening, median, runNode, writeBench } from './lib.mjs';

const COUNT = process.env.BENCH_COUNT ?? '20000';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ARTEMIS = process.env.BENCH_ARTEMIS_URL ?? 'amqp://127.0.0.1:5673';
const VALUES = [1, 10, 100, 1000];

function answers(url) {
  const { hostname, port } = new URL(url);
  return listening(Number(port), hostname);
}

async function runOnce(target, args) {
  const url =
    target === 'embedded'
      ? []
      : [`${ARTEMIS}/salvo.bench.credit.${process.pid}.${Math.random().toString(36).slice(2, 8)}`];
  const out = await runNode([
    'bin/salvo.js',
    'run',
    ...url,
    '-c',
    COUNT,
    ...args,
    '--json',
    '--output',
    'results/bench/credit-run',
  ]);
  const result = JSON.parse(out);
  return {
    accepted: result.totals.acceptRate,
    received: result.totals.receiveRate,
    serviceP50: result.latency.service?.p50 ?? null,
    serviceP99: result.latency.service?.p99 ?? null,
    endToEndP99: result.latency.endToEnd?.p99 ?? null,
  };
}

function settings() {
  return [
    ...VALUES.map((credit) => ({
      sweep: 'credit',
      value: credit,
      args: ['--credit', String(credit), '--max-in-flight', '1000'],
    })),
    ...VALUES.map((limit) => ({
      sweep: 'max-in-flight',
      value: limit,
      args: ['--credit', '1000', '--max-in-flight', String(limit)],
    })),
  ];
}

async function sweepTarget(target) {
  const samples = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setting of settings()) {
      const key = `${setting.sweep}=${setting.value}`;
      const figures = await runOnce(target, setting.args);
      if (!samples.has(key)) samples.set(key, { ...setting, runs: [] });
      samples.get(key).runs.push(figures);
      process.stderr.write(
        `${target} round ${round} ${key}: ${fmt(figures.accepted)} msg/s accepted, service p99 ${fmt(figures.serviceP99 ?? 0)} µs\n`,
      );
    }
  }
  return [...samples.values()].map(({ sweep, value, runs }) => ({
    target,
    sweep,
    value,
    accepted: median(runs.map((r) => r.accepted)),
    received: median(runs.map((r) => r.received)),
    serviceP50: median(runs.map((r) => r.serviceP50)),
    serviceP99: median(runs.map((r) => r.serviceP99)),
    endToEndP99: median(runs.map((r) => r.endToEndP99)),
    rounds: runs.length,
  }));
}

function ms(us) {
  return us === null ? '-' : (us / 1000).toFixed(us < 10_000 ? 2 : 1);
}

const targets = ['embedded'];
if (process.env.BENCH_ARTEMIS !== '0' && (await answers(ARTEMIS))) targets.push('artemis');
const rows = [];
for (const target of targets) rows.push(...(await sweepTarget(target)));
console.log(
  `| target | setting | accepted msg/s | received msg/s | service p50 ms | service p99 ms | end to end p99 ms |`,
);
console.log(`|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const setting = r.sweep === 'credit' ? `--credit ${r.value}` : `--max-in-flight ${r.value}`;
  console.log(
    `| ${r.target} | ${setting} | ${fmt(r.accepted)} | ${fmt(r.received)} | ${ms(r.serviceP50)} | ${ms(r.serviceP99)} | ${ms(r.endToEndP99)} |`,
  );
}
console.log(`written to ${writeBench('credit', { count: COUNT, rounds: ROUNDS, rows })}`);
