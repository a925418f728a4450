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
  bare: (url) => runNode(['scripts/bench/bare-sender.mjs', `${url}/bench`, String(COUNT)]).then((out) => lastJsonLine(out).rate),
  salvo: (url) => runNode(['bin/salvo.js', 'run', `${url}/bench`, '-c', String(COUNT), '--receivers', '0', '--json', '--output', 'results/bench/overhead-run'])
    .then((out) => JSON.parse(out).totals.sendRate),
  ledgerOff: (url) => runNode(['bin/salvo.js', 'run', `${url}/bench`, '-c', String(COUNT), '--receivers', '0', '--no-ledger', '--json', '--output', 'results/bench/overhead-run'])
    .then((out) => JSON.parse(out).totals.sendRate),
  unmeasured: (url) => runNode(['bin/salvo.js', 'run', `${url}/bench`, '-c', String(COUNT), '--receivers', '0', '--no-measure', '--json', '--output', 'results/bench/overhead-run'])
    .then((out) => JSON.parse(out).totals.sendRate),
};

const rates = { bare: [], salvo: [], ledgerOff: [], unmeasured: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const rate = await withSink(run);
    rates[name].push(rate);
    process.stderr.write(`round ${round + 1} ${name}: ${fmt(rate)} msg/s\n`);
  }
}
const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
const result = {
  count: COUNT,
  rounds: ROUNDS,
  msgsPerSecond: m,
  samples: rates,
  ratios: { salvoOverBare: m.salvo / m.bare, ledgerCost: 1 - m.salvo / m.ledgerOff, measurementCost: 1 - m.salvo / m.unmeasured },
};
const file = writeBench('overhead', result);
console.log(`bare rhea sender    ${fmt(m.bare).padStart(8)} msg/s`);
console.log(`salvo run, ledger on ${fmt(m.salvo).padStart(7)} msg/s   (x${result.ratios.salvoOverBare.toFixed(2)} of bare rhea)`);
console.log(`salvo, ledger off   ${fmt(m.ledgerOff).padStart(8)} msg/s   (the ledger costs ${(result.ratios.ledgerCost * 100).toFixed(1)}%; goal: at most 3%)`);
console.log(`salvo, unmeasured   ${fmt(m.unmeasured).padStart(8)} msg/s   (stamping + HDR + ledger cost ${(result.ratios.measurementCost * 100).toFixed(1)}%)`);
console.log(`written to ${file}`);
