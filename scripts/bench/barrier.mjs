// npm run bench:barrier: the start barrier's cost at N shards (default N = 10, 100, 1,000; BENCH_SHARDS=10,100).
//   For each N: a fresh `salvo broker` process, then ONE child process running N passBarrier() sessions (as
//   test/rendezvous/barrier.test.ts does): each its own connection, inbox and clock pings, shard 0 admitting
//   the READYs and answering GO. Timed from the first session opened to every shard passed, split at GO
//   (shard 0 sends GO at the start instant minus its 1 s lead); the margin is how long before the start
//   instant the last shard had GO (negative: that shard would start late). Memory: the peak RSS and CPU of
//   the shards' process and of the broker's.
// One process holds every shard here: the figures are an upper bound on the broker's and shard 0's share,
// since N shards' client work shares one event loop. Needs `npm run build` first (reads dist/).
// Writes results/bench/barrier.json.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, ROOT, runNode, startNode, writeBench } from './lib.mjs';
import { cpuSeconds, peakRssBytes } from './proc.mjs';

const SIZES = (process.env.BENCH_SHARDS ?? '10,100,1000').split(',').map(Number);
/** Shard 0 waits this long for every READY (the CLI's default --shard-timeout is 2 m). */
const TIMEOUT_MS = 120_000;

if (process.argv[2] === '--child')
  await child(Number(process.argv[3]), process.argv[4]).catch((error) => {
    // One line, the last on stderr: the parent's table shows it as where this size stopped and why.
    console.error(String(error?.message ?? error));
    process.exit(1);
  });
else await main();

async function main() {
  const rows = [];
  for (const shards of SIZES) {
    const broker = startNode([join(ROOT, 'bin/salvo.js'), 'broker', '--port', '0'], /listening on (amqp:\/\/\S+)/);
    try {
      const [, url] = await broker.started;
      const cpuBefore = cpuSeconds(broker.child.pid);
      // The machine is shared: the 1-minute load average as each size starts says how busy it was.
      const loadAverage = round(loadavg()[0]);
      let row;
      try {
        const out = await runNode([join(ROOT, 'scripts/bench/barrier.mjs'), '--child', String(shards), url]);
        row = { shards, loadAverage, ...JSON.parse(out.trim().split('\n').pop()) };
      } catch (error) {
        // Where it stops and why: the row says so instead of a figure.
        row = { shards, loadAverage, failed: String(error.message ?? error) };
      }
      row.brokerPeakRssMiB = round(peakRssBytes(broker.child.pid) / 2 ** 20);
      row.brokerCpuS = round(cpuSeconds(broker.child.pid) - cpuBefore);
      rows.push(row);
      console.error(JSON.stringify(row));
    } finally {
      await broker.stop();
    }
  }
  const file = writeBench('barrier', { rows });
  console.log(table(rows));
  console.log(`-> ${file}`);
}

/** N shards in this process against the broker at `url`; prints one JSON line. */
async function child(shards, url) {
  const { passBarrier } = await import('../../dist/src/rendezvous/barrier.js');
  const { parseAmqpUrl } = await import('../../dist/src/plan/url.js');
  const { monotonicNowUs } = await import('../../dist/src/timing/clock.js');
  const { ControlChannel } = await import('../../dist/src/rendezvous/channel.js');
  // How many control messages of each kind the shards sent (ping, pong, ready, go): counted here, in the bench
  // only, by wrapping the channel's send, to show where the barrier's work goes as N grows.
  const sent = {};
  const send = ControlChannel.prototype.send;
  ControlChannel.prototype.send = function (to, message) {
    sent[message.kind] = (sent[message.kind] ?? 0) + 1;
    return send.call(this, to, message);
  };
  const runId = `bench-barrier-${shards}`;
  const clock = { nowUs: monotonicNowUs };
  const options = (index) => ({
    url: parseAmqpUrl(url),
    connect: { containerId: `${runId}-s${index}` },
    runId,
    planHash: 'bench',
    shards,
    index,
    controlBase: `${runId}.salvo-control`,
    host: `shard-${index}`,
    timeoutMs: TIMEOUT_MS,
    clock,
  });
  const passedAtUs = new Array(shards);
  const startedUs = clock.nowUs();
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: shards }, (_, i) =>
      passBarrier(options(i)).then((passed) => {
        passedAtUs[i] = clock.nowUs();
        return passed;
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const failed = results.filter((r) => r.status === 'rejected');
  for (const r of results) if (r.status === 'fulfilled') await r.value.session.close();
  if (failed.length > 0)
    throw new Error(
      `${failed.length} of ${shards} shards did not pass (sent ${JSON.stringify(sent)}): ` +
        `${failed[0].reason?.message ?? failed[0].reason}`,
    );
  const leader = results[0].value;
  // Shard 0 sent GO at the start instant minus its lead (barrier.ts DEFAULT_START_LEAD_US, 1 s).
  const goSentUs = leader.startAtUs - 1_000_000;
  const lastPassedUs = Math.max(...passedAtUs);
  const bounds = results.slice(1).map((r) => r.value.offset.boundUs);
  const usage = process.resourceUsage();
  console.log(
    JSON.stringify({
      toGoMs: round((goSentUs - startedUs) / 1000),
      goFanOutMs: round((lastPassedUs - goSentUs) / 1000),
      allPassedMs: round(wallMs),
      marginMs: round((leader.startAtUs - lastPassedUs) / 1000),
      maxClockBoundMs: round(Math.max(0, ...bounds) / 1000),
      peakRssMiB: round(usage.maxRSS / 1024),
      cpuS: round((usage.userCPUTime + usage.systemCPUTime) / 1e6),
      pingsPerShard: round((sent.ping ?? 0) / Math.max(1, shards - 1)),
      sent,
    }),
  );
}

function table(rows) {
  const head = [
    'shards',
    'to GO',
    'GO -> last passed',
    'all passed',
    'margin before start',
    'max clock bound',
    'shards RSS / CPU',
    'broker RSS / CPU',
    'load',
  ];
  const lines = rows.map((r) =>
    r.failed
      ? [
          fmt(r.shards),
          `stopped: ${r.failed.length > 240 ? `${r.failed.slice(0, 240)}...` : r.failed}`,
          ...['', '', '', '', ''],
          `${r.brokerPeakRssMiB} MiB / ${r.brokerCpuS} s`,
          r.loadAverage,
        ]
      : [
          fmt(r.shards),
          `${r.toGoMs} ms`,
          `${r.goFanOutMs} ms`,
          `${r.allPassedMs} ms`,
          `${r.marginMs} ms`,
          `${r.maxClockBoundMs} ms`,
          `${r.peakRssMiB} MiB / ${r.cpuS} s`,
          `${r.brokerPeakRssMiB} MiB / ${r.brokerCpuS} s`,
          r.loadAverage,
        ],
  );
  return [head, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function round(n) {
  return Math.round(n * 10) / 10;
}
