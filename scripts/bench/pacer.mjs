// node scripts/bench/pacer.mjs: the open-loop wait alone, with no AMQP, so that
// the generator's own lateness shows apart from the broker's and the
// machine's. For each rate, DURATION_S of due times t_i = t_0 + i / rate:
//   timer     a setTimeout to each due time (what the pump did before)
//   due-wait  a timer to the last ms, then turns, napping (as when nothing is in flight)
//   turns     the same without naps (as when a delivery is in flight)
// Reports lateness (now - due when "sent") p50 / p99 / max in µs and CPU
// seconds per second. Interleaved rounds; medians. Writes results/bench/pacer.json.
import { coarseWaitMs, nap, napBeforeTurnUs, SENDER_PACING } from '../../dist/src/timing/pacer.js';
import { fmt, median, writeBench } from './lib.mjs';

const RATES = (process.env.BENCH_RATES ?? '1000,10000').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function run(strategy, rate) {
  return new Promise((resolve) => {
    const intervalUs = 1e6 / rate;
    const n = Math.round(rate * DURATION_S);
    const lateness = new Float64Array(n);
    const startUs = nowUs() + 10_000;
    const cpu0 = process.cpuUsage();
    let i = 0;
    const due = () => startUs + i * intervalUs;
    const finish = () => {
      const cpu = process.cpuUsage(cpu0);
      const sorted = Array.from(lateness).sort((a, b) => a - b);
      resolve({
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted.at(-1),
        cpuPerS: (cpu.user + cpu.system) / 1e6 / DURATION_S,
      });
    };
    const send = () => {
      // Every message due by now goes in this pass, as the pump does.
      const t = nowUs();
      while (i < n && due() <= t) {
        lateness[i] = t - due();
        i++;
      }
      if (i >= n) return finish();
      next(false);
    };
    const turn = () => (nowUs() >= due() ? send() : next(true));
    const next = (mayNap) => {
      const t = nowUs();
      if (strategy === 'timer') return setTimeout(send, Math.max(0, (due() - t) / 1000));
      const ms = coarseWaitMs(due(), t);
      if (ms > 0) return setTimeout(turn, ms);
      if (mayNap && strategy === 'due-wait') {
        const us = napBeforeTurnUs(due(), t, SENDER_PACING);
        if (us > 0) nap(us);
      }
      setImmediate(turn);
    };
    next(false);
  });
}

const strategies = ['timer', 'due-wait', 'turns'];
const samples = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const rate of RATES) {
    for (const s of strategies) {
      const r = await run(s, rate);
      (samples[`${s}@${rate}`] ??= []).push(r);
      process.stderr.write(
        `round ${round + 1} ${s} @ ${fmt(rate)}/s: lateness p50 ${r.p50.toFixed(0)} p99 ${r.p99.toFixed(0)} max ${r.max.toFixed(0)} µs, cpu ${r.cpuPerS.toFixed(2)} s/s\n`,
      );
    }
  }
}
const medians = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [
    k,
    Object.fromEntries(['p50', 'p99', 'max', 'cpuPerS'].map((f) => [f, median(v.map((x) => x[f]))])),
  ]),
);
const file = writeBench('pacer', { durationS: DURATION_S, rounds: ROUNDS, medians, samples });
console.log('strategy @ rate        lateness p50 / p99 / max (µs)   CPU s/s');
for (const [k, m] of Object.entries(medians))
  console.log(
    `${k.padEnd(20)} ${`${fmt(m.p50)} / ${fmt(m.p99)} / ${fmt(m.max)}`.padStart(30)}   ${m.cpuPerS.toFixed(2)}`,
  );
console.log(`written to ${file}`);
