// npm run bench:schedule: how well the open-loop generator keeps its schedule.
// `salvo run --rate R -d T` on the embedded broker for R = 1,000 and 10,000,
// ROUNDS times each; reports sendDelay p50 / p99 / max and service p50 / p99
// (µs, from result.json) and the process's CPU seconds per second of the
// sending window (a spinning generator shows as ~1 more). Medians of rounds.
// Writes results/bench/schedule.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './proc.mjs';
import { fmt, median, ROOT, writeBench } from './lib.mjs';

const RATES = (process.env.BENCH_RATES ?? '1000,10000').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SAMPLE_MS = 100;
const LIMIT_MS = (DURATION_S + 60) * 1000;

/** One run; CPU is measured from 1 s after start-up until the sending window ends. */
function runOnce(rate) {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-bench-schedule-'));
  const args = ['bin/salvo.js', 'run', '--rate', String(rate), '-d', `${DURATION_S}s`, '--quiet', '--output', dir];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const startedMs = Date.now();
    const samples = [];
    const sampler = setInterval(() => {
      const cpu = cpuSeconds(child.pid);
      if (cpu !== null) samples.push({ atS: (Date.now() - startedMs) / 1000, cpu });
    }, SAMPLE_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      if (code !== 0)
        return reject(new Error(`salvo run --rate ${rate} exited ${code}: ${err.trim().split('\n').pop()}`));
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      // Start-up (broker, pools, connects) takes about a second; sending lasts DURATION_S after it.
      const from = samples.find((s) => s.atS >= 1.5);
      const to = [...samples].reverse().find((s) => s.atS <= 1 + DURATION_S) ?? samples.at(-1);
      const cpuPerS = from && to && to.atS > from.atS ? (to.cpu - from.cpu) / (to.atS - from.atS) : NaN;
      const { sendDelay, service } = result.latency;
      resolve({
        rate,
        sendDelayP50: sendDelay.p50,
        sendDelayP99: sendDelay.p99,
        sendDelayMax: sendDelay.max,
        serviceP50: service.p50,
        serviceP99: service.p99,
        cpuPerS,
        achieved: result.totals.sendRate,
        unsent: result.totals.unsent ?? null,
      });
    });
  });
}

const rounds = {};
for (const rate of RATES) rounds[rate] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const rate of RATES) {
    const r = await runOnce(rate);
    rounds[rate].push(r);
    process.stderr.write(
      `round ${round + 1} rate ${fmt(rate)}: sendDelay p50 ${r.sendDelayP50} p99 ${r.sendDelayP99} max ${r.sendDelayMax} µs; service p50 ${r.serviceP50} p99 ${r.serviceP99} µs; cpu ${r.cpuPerS.toFixed(2)} s/s\n`,
    );
  }
}
const keys = ['sendDelayP50', 'sendDelayP99', 'sendDelayMax', 'serviceP50', 'serviceP99', 'cpuPerS', 'achieved'];
const medians = {};
for (const rate of RATES)
  medians[rate] = Object.fromEntries(keys.map((k) => [k, median(rounds[rate].map((r) => r[k]))]));
const file = writeBench('schedule', { durationS: DURATION_S, rounds: ROUNDS, medians, samples: rounds });
console.log(`rate (msg/s)   sendDelay p50 / p99 / max (µs)   service p50 / p99 (µs)   CPU s/s   achieved msg/s`);
for (const rate of RATES) {
  const m = medians[rate];
  console.log(
    `${fmt(rate).padStart(12)}   ${`${fmt(m.sendDelayP50)} / ${fmt(m.sendDelayP99)} / ${fmt(m.sendDelayMax)}`.padStart(30)}   ${`${fmt(m.serviceP50)} / ${fmt(m.serviceP99)}`.padStart(22)}   ${m.cpuPerS.toFixed(2).padStart(7)}   ${fmt(m.achieved).padStart(14)}`,
  );
}
console.log(`written to ${file}`);
