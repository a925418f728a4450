// npm run bench:merge: `salvo merge` over synthetic shard results, no broker.
//   BENCH_SHARDS shards (default 100) of BENCH_MESSAGES messages each (default 10M), one producer a shard,
//   ledgers at 1 bit a message: every message accepted, its even sequence numbers received by its own shard
//   and its odd ones by the next shard (so the merge ORs receive bitsets across shards), and per shard one
//   latency histogram and BENCH_SECONDS (default 60) seconds of per-second histograms.
// Writes the shards to a temporary folder, then times `salvo merge` in a child process of its own and reads its
// peak resident memory (maxRSS). Writes results/bench/merge.json. Needs `npm run build` first (reads dist/).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  record,
  zeroCounters,
} from '../../dist/src/metrics/index.js';
import { planHash } from '../../dist/src/plan/shards.js';
import { resolvePlan } from '../../dist/src/plan/index.js';
import { ROOT, runNode, writeBench } from './lib.mjs';

const SHARDS = Number(process.env.BENCH_SHARDS ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RUN_ID = 'bench-merge';

if (process.argv[2] === '--child') await child(process.argv[3]);
else await main();

async function main() {
  await initHistograms();
  const folder = mkdtempSync(join(tmpdir(), 'salvo-bench-merge-'));
  try {
    const started = performance.now();
    const bytes = writeShards(folder);
    const writeS = (performance.now() - started) / 1000;
    const out = await runNode(['--expose-gc', join(ROOT, 'scripts/bench/merge.mjs'), '--child', folder]);
    const measured = JSON.parse(out.trim().split('\n').pop());
    const result = {
      shards: SHARDS,
      messagesPerShard: MESSAGES,
      seconds: SECONDS,
      inputMiB: round(bytes / 2 ** 20),
      writeS: round(writeS),
      ...measured,
    };
    const file = writeBench('merge', result);
    console.log(
      `${SHARDS} shards x ${MESSAGES.toLocaleString('en')} messages (${result.inputMiB} MiB of result.json): ` +
        `merge ${result.mergeS} s (${result.cpuS} s CPU), peak RSS ${result.peakRssMiB} MiB, verdict ${result.verdict}`,
    );
    console.log(`-> ${file}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** In a process of its own, so that maxRSS is the merge's: the CLI as a user runs it. */
async function child(folder) {
  const { main: salvo } = await import('../../dist/src/cli/main.js');
  const output = join(folder, 'merged');
  const started = performance.now();
  const code = await salvo(['node', 'salvo', 'merge', folder, '--output', output, '--quiet']);
  const mergeS = (performance.now() - started) / 1000;
  const { readFileSync } = await import('node:fs');
  const merged = JSON.parse(readFileSync(join(output, 'result.json'), 'utf8'));
  if (code !== 0) throw new Error(`salvo merge exited ${code}`);
  const usage = process.resourceUsage();
  const peakRssMiB = usage.maxRSS / 1024;
  // CPU seconds beside wall time: on a shared machine the wall time waits for other processes too.
  const cpuS = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const verdict = `${merged.verdict.ok ? 'PASS' : 'FAIL'} (attempted ${merged.verdict.attempted}, received ${merged.verdict.received}, lost ${merged.verdict.lost})`;
  console.log(JSON.stringify({ mergeS: round(mergeS), cpuS: round(cpuS), peakRssMiB: round(peakRssMiB), verdict }));
}

/** Every shard's result.json; returns their total size in bytes. */
function writeShards(folder) {
  const plan = resolvePlan({
    runId: RUN_ID,
    url: 'amqp://127.0.0.1:5672/q',
    senders: String(SHARDS),
    receivers: String(SHARDS),
    count: String(SHARDS * MESSAGES),
  });
  const hash = planHash(plan);
  const latency = histogram(1000);
  const second = histogram(20);
  const all = bits(MESSAGES, 0xffffffff);
  const even = bits(MESSAGES, 0x55555555);
  const odd = bits(MESSAGES, 0xaaaaaaaa);
  const empty = '';
  let bytes = 0;
  for (let index = 0; index < SHARDS; index++) {
    const own = `${RUN_ID}/s${index}.c0.l0`;
    const previous = `${RUN_ID}/s${(index + SHARDS - 1) % SHARDS}.c0.l0`;
    const arrivals = (producer, seen) => ({
      producer,
      seen,
      twice: empty,
      extraCopies: 0,
      reordered: 0,
      redelivered: 0,
      corrupted: empty,
    });
    const counters = { ...zeroCounters(), sent: MESSAGES, accepted: MESSAGES, received: MESSAGES };
    const result = {
      schema: 'salvo.result/1',
      runId: RUN_ID,
      startedAt: new Date(Date.UTC(2026, 11, 7, 12, 0, 0, index)).toISOString(),
      complete: true,
      problems: [],
      plan: { ...plan, shards: { count: SHARDS, index }, outputDir: `results/${RUN_ID}/shard-${index}` },
      environment: { target: 'amqp://127.0.0.1:5672/q', salvo: 'bench', node: process.version },
      totals: {
        ...counters,
        foreign: 0,
        durationS: SECONDS,
        sendRate: MESSAGES / SECONDS,
        acceptRate: MESSAGES / SECONDS,
        receiveRate: MESSAGES / SECONDS,
      },
      latency: {
        service: { count: 1000, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, p99999: 0, max: 0, hdr: latency },
      },
      checks: [],
      timeseries: Array.from({ length: SECONDS }, (_, t) => ({
        ...zeroCounters(),
        t,
        warmup: false,
        sent: MESSAGES / SECONDS,
        faults: 0,
      })),
      shard: {
        index,
        count: SHARDS,
        planHash: hash,
        ledgers: {
          senders: [
            {
              producer: own,
              attempted: MESSAGES,
              accepted: all,
              failed: empty,
              inDoubt: empty,
              resent: empty,
              batchSize: 0,
              committed: empty,
              rolledBack: empty,
            },
          ],
          // Its own producer's even numbers, and the previous shard's odd ones.
          receivers: [{ producers: [arrivals(own, even), arrivals(previous, odd)], malformed: 0, reorderExamples: [] }],
        },
        seconds: Array.from({ length: SECONDS }, (_, t) => ({ t, histograms: { service: second } })),
      },
    };
    const dir = join(folder, `shard-${index}`);
    mkdirSync(dir);
    const file = join(dir, 'result.json');
    writeFileSync(file, JSON.stringify(result));
    bytes += statSync(file).size;
  }
  return bytes;
}

/** Sequence numbers 1..n with `pattern` in every word (bit 0, seq 0, never set), as the ledger encodes them. */
function bits(n, pattern) {
  const words = new Uint32Array((n >>> 5) + 1).fill(pattern);
  words[0] &= ~1;
  const top = n & 31;
  if (top < 31) words[words.length - 1] &= 2 ** (top + 1) - 1;
  return Buffer.from(words.buffer).toString('base64');
}

function histogram(values) {
  const h = newHistogram();
  for (let i = 1; i <= values; i++) record(h, 100 + ((i * 7919) % 5000));
  const encoded = encodeHistogram(h);
  freeHistogram(h);
  return encoded;
}

function round(value) {
  return Math.round(value * 100) / 100;
}
