// npm run bench:links: resident memory against producer-link count.
// `salvo run -c COUNT` on the embedded broker with 10, 100, 400 and 1,000
// sender links (2 senders and 2 receivers x connections x links), then 10,000
// links over 1,000 connections; peak RSS (VmHWM: the coordinator, its worker
// threads and the embedded broker's thread are one process), the send and
// accept rates, and how long the run took. Medians of ROUNDS.
// Writes results/bench/links.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRssBytes } from './proc.mjs';
import { fmt, median, ROOT, writeBench } from './lib.mjs';

const COUNT = process.env.BENCH_COUNT ?? '100k';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT_MS = Number(process.env.BENCH_LIMIT_S ?? 240) * 1000;
const EXTRA = (process.env.BENCH_ARGS ?? '').split(' ').filter(Boolean);
const SHAPES = [
  { links: 10, args: ['--senders', '1', '--receivers', '1', '--connections', '10', '--links', '1'] },
  { links: 100, args: ['--senders', '2', '--receivers', '2', '--connections', '25', '--links', '2'] },
  { links: 400, args: ['--senders', '2', '--receivers', '2', '--connections', '25', '--links', '4'] },
  { links: 1000, args: ['--senders', '2', '--receivers', '2', '--connections', '50', '--links', '10'] },
  { links: 10000, args: ['--senders', '2', '--receivers', '2', '--connections', '500', '--links', '10'] },
].filter((s) => !process.env.BENCH_LINKS || process.env.BENCH_LINKS.split(',').map(Number).includes(s.links));

function runOnce(shape) {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-bench-links-'));
  const args = ['bin/salvo.js', 'run', '-c', COUNT, ...shape.args, ...EXTRA, '--quiet', '--output', dir];
  return new Promise((resolve) => {
    const startedMs = Date.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssBytes(child.pid) ?? 0)), 100);
    const killer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      const wallS = (Date.now() - startedMs) / 1000;
      let totals = null;
      try {
        totals = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).totals;
      } catch {
        // No result: the run failed or was killed; the row says so.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({
        links: shape.links,
        code: code ?? signal,
        peakRssMiB: peak / 2 ** 20,
        wallS,
        sendRate: totals?.sendRate ?? null,
        acceptRate: totals?.acceptRate ?? null,
        receiveRate: totals?.receiveRate ?? null,
        error: code === 0 ? undefined : err.trim().split('\n').pop(),
      });
    });
  });
}

const samples = Object.fromEntries(SHAPES.map((s) => [s.links, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const shape of SHAPES) {
    const r = await runOnce(shape);
    samples[shape.links].push(r);
    process.stderr.write(
      `round ${round + 1} ${fmt(shape.links)} links: exit ${r.code}, peak RSS ${fmt(r.peakRssMiB)} MiB, sent ${fmt(r.sendRate ?? 0)}/s, accepted ${fmt(r.acceptRate ?? 0)}/s, received ${fmt(r.receiveRate ?? 0)}/s, ${r.wallS.toFixed(1)} s${r.error ? ` (${r.error})` : ''}\n`,
    );
  }
}
const keys = ['peakRssMiB', 'wallS', 'sendRate', 'acceptRate', 'receiveRate'];
const medians = Object.fromEntries(
  SHAPES.map((s) => [
    s.links,
    Object.fromEntries(keys.map((k) => [k, median(samples[s.links].map((r) => r[k] ?? NaN))])),
  ]),
);
const file = writeBench('links', { count: COUNT, extraArgs: EXTRA, rounds: ROUNDS, medians, samples });
console.log('links     peak RSS (MiB)   sent msg/s   accepted msg/s   received msg/s   wall s');
for (const s of SHAPES) {
  const m = medians[s.links];
  console.log(
    `${fmt(s.links).padStart(6)}   ${fmt(m.peakRssMiB).padStart(14)}   ${fmt(m.sendRate).padStart(10)}   ${fmt(m.acceptRate).padStart(14)}   ${fmt(m.receiveRate).padStart(14)}   ${m.wallS.toFixed(1).padStart(6)}`,
  );
}
console.log(`written to ${file}`);
