// npm run bench: what salvo's sender costs against bare rhea, in one run.
//   (a) a bare rhea sender -> a minimal rhea sink
//   (b) salvo run (closed loop, --receivers 0) -> the same kind of sink
//   (c) (b) with the per-message ledger switched off (--no-ledger): the ledger's cost
//   (d) (b) with stamping, HDR recording and the ledger switched off
// 100-byte bodies, at-least-once, in-flight 1000; each variant ROUNDS times
// against a fresh sink, medians reported. Writes results/bench/overhead.json.
import { fmt, lastJsonLine, median, runNode, startNode, writeBench } from './lib.mjs';

const COUNT = Number(process.env.BENCH_COUNT ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function withSink(body) {
  const sink = startNode(['scripts/bench/sink.mjs'], /amqp:\/\/\S+/);
  const [url] = await sink.started;
  try {
    return await body(url);
  } finally {
    await sink.stop();
  }
}

const variants = {
  bare: (url) =>
    runNode(['scripts/bench/bare-sender.mjs', `${url}/bench`, String(COUNT)]).then((out) => lastJsonLine(out).rate),
  salvo: (url) =>
    runNode([
      'bin/salvo.js',
      'run',
      `${url}/bench`,
      '-c',
      String(COUNT),
      '--receivers',
      '0',
      '--json',
      '--output',
      'results/bench/overhead-run',
    ]).then((out) => JSON.parse(out).totals.sendRate),
  ledgerOff: (url) =>
    runNode([
      'bin/salvo.js',
      'run',
      `${url}/bench`,
      '-c',
      String(COUNT),
      '--receivers',
      '0',
      '--no-ledger',
      '--json',
      '--output',
      'results/bench/overhead-run',
    ]).then((out) => JSON.parse(out).totals.sendRate),
  unmeasured: (url) =>
    runNode([
      'bin/salvo.js',
      'run',
      `${url}/bench`,
      '-c',
      String(COUNT),
      '--receivers',
      '0',
      '--no-measure',
      '--json',
      '--output',
      'results/bench/overhead-run',
    ]).then((out) => JSON.parse(out).totals.sendRate),
};

// BENCH_VARIANTS=salvo,ledgerOff: an A/B of just those, interleaved, for more rounds in the same time.
const chosen = (process.env.BENCH_VARIANTS ?? Object.keys(variants).join(',')).split(',');
const rates = Object.fromEntries(chosen.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants).filter(([n]) => chosen.includes(n))) {
    const rate = await withSink(run);
    rates[name].push(rate);
    process.stderr.write(`round ${round + 1} ${name}: ${fmt(rate)} msg/s\n`);
  }
}
const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
const ratio = (a, b) => (m[a] && m[b] ? m[a] / m[b] : null);
const result = {
  count: COUNT,
  rounds: ROUNDS,
  msgsPerSecond: m,
  samples: rates,
  ratios: {
    salvoOverBare: ratio('salvo', 'bare'),
    ledgerCost: 1 - ratio('salvo', 'ledgerOff'),
    measurementCost: 1 - ratio('salvo', 'unmeasured'),
  },
};
const file = writeBench(
  chosen.length === Object.keys(variants).length ? 'overhead' : `overhead-${chosen.join('-')}`,
  result,
);
const pct = (r) => (Number.isFinite(r) ? `${(r * 100).toFixed(1)}%` : 'n/a');
if (m.bare) console.log(`bare rhea sender     ${fmt(m.bare).padStart(8)} msg/s`);
if (m.salvo)
  console.log(
    `salvo run, ledger on ${fmt(m.salvo).padStart(8)} msg/s${m.bare ? `   (x${result.ratios.salvoOverBare.toFixed(2)} of bare rhea)` : ''}`,
  );
if (m.ledgerOff)
  console.log(
    `salvo, ledger off    ${fmt(m.ledgerOff).padStart(8)} msg/s   (the ledger costs ${pct(result.ratios.ledgerCost)}; goal: at most 3%)`,
  );
if (m.unmeasured)
  console.log(
    `salvo, unmeasured    ${fmt(m.unmeasured).padStart(8)} msg/s   (stamping + HDR + ledger cost ${pct(result.ratios.measurementCost)})`,
  );
console.log(`written to ${file}`);
