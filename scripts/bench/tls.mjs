// npm run bench:tls: what TLS costs `salvo run`, plain and amqps side by side.
//
// Targets, each listening both ways so that TLS is the only difference:
//   embedded   a `salvo broker` child process (--port 0 --tls-port 0, the test PKI)
//   artemis    127.0.0.1:5673 and amqps 5674, when it answers (CA from ARTEMIS_CERTS,
//              default .brokers/certs; BENCH_ARTEMIS=0 skips it)
// Modes, per target and transport, plain and TLS alternating within each round:
//   closed     -c BENCH_COUNT as fast as credit and --max-in-flight allow: throughput
//   open       --rate BENCH_RATE for BENCH_DURATION: latency at a rate both can carry
// Figures: received msg/s, end-to-end p50 / p99 (send to receipt), and CPU per
// message received (µs: the salvo run process, and the embedded broker's process,
// sampled from /proc, which a loaded machine disturbs less than rates), medians of
// BENCH_ROUNDS. Writes results/bench/tls.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, listening, median, ROOT, startNode, writeBench } from './lib.mjs';
import { cpuSeconds } from './proc.mjs';

const COUNT = process.env.BENCH_COUNT ?? '100k';
const RATE = process.env.BENCH_RATE ?? '5000';
const DURATION = process.env.BENCH_DURATION ?? '10s';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT_MS = 120_000;
const EXTRA = (process.env.BENCH_ARGS ?? '').split(' ').filter(Boolean);
const CERTS = join(ROOT, '.certs', 'bench');
const ARTEMIS_CERTS = process.env.ARTEMIS_CERTS ?? join(ROOT, '.brokers', 'certs');

const MODES = [
  { mode: 'closed', args: ['-c', COUNT] },
  { mode: 'open', args: ['--rate', RATE, '-d', DURATION] },
];

function makeCerts() {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'certs.sh'), CERTS], { cwd: ROOT, stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/certs.sh exited ${code}`))));
  });
}

function runOnce(url, tlsArgs, modeArgs, brokerPid) {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-bench-tls-'));
  const args = ['bin/salvo.js', 'run', url, ...modeArgs, ...EXTRA, ...tlsArgs, '--quiet', '--output', dir];
  return new Promise((resolve) => {
    const brokerCpuBefore = brokerPid === undefined ? null : cpuSeconds(brokerPid);
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    // The last sample is at most 50 ms before the exit: under 1% of a run's CPU.
    let clientCpu = 0;
    const sampler = setInterval(() => (clientCpu = cpuSeconds(child.pid) ?? clientCpu), 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearInterval(sampler);
      const brokerCpu = brokerCpuBefore === null ? null : cpuSeconds(brokerPid) - brokerCpuBefore;
      let result = null;
      try {
        result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      } catch {
        // No result: the run failed or was killed; the row says so.
      }
      rmSync(dir, { recursive: true, force: true });
      const e2e = result?.latency?.endToEnd;
      const received = result?.totals?.received ?? NaN;
      resolve({
        clientCpuUsPerMsg: (clientCpu / received) * 1e6,
        brokerCpuUsPerMsg: brokerCpu === null ? NaN : (brokerCpu / received) * 1e6,
        code: code ?? signal,
        receiveRate: result?.totals?.receiveRate ?? NaN,
        p50Ms: e2e ? e2e.p50 / 1000 : NaN,
        p99Ms: e2e ? e2e.p99 / 1000 : NaN,
        error: code === 0 ? undefined : err.trim().split('\n').pop(),
      });
    });
  });
}

await makeCerts();
const broker = startNode(
  [
    'bin/salvo.js',
    'broker',
    '--port',
    '0',
    '--tls-port',
    '0',
    '--tls-cert',
    join(CERTS, 'server.pem'),
    '--tls-key',
    join(CERTS, 'server-key.pem'),
  ],
  /listening on (amqp:\S+) (amqps:\S+)/,
);
const [, embeddedPlain, embeddedTls] = await broker.started;
const targets = [
  {
    name: 'embedded',
    plain: `${embeddedPlain}/bench-tls`,
    tls: `${embeddedTls}/bench-tls`,
    ca: join(CERTS, 'ca.pem'),
    pid: broker.child.pid,
  },
];
const artemisCa = join(ARTEMIS_CERTS, 'ca.pem');
if (process.env.BENCH_ARTEMIS !== '0' && existsSync(artemisCa) && (await listening(5673)) && (await listening(5674))) {
  targets.push({
    name: 'artemis',
    plain: 'amqp://127.0.0.1:5673/bench-tls',
    tls: 'amqps://127.0.0.1:5674/bench-tls',
    ca: artemisCa,
  });
} else {
  process.stderr.write('artemis: not running on 5673 and 5674, or no CA (ARTEMIS_CERTS): skipped\n');
}

const rows = [];
for (const target of targets) {
  for (const { mode } of MODES) {
    for (const transport of ['plain', 'tls']) rows.push({ target: target.name, mode, transport, samples: [] });
  }
}
const rowOf = (target, mode, transport) =>
  rows.find((r) => r.target === target && r.mode === mode && r.transport === transport);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      for (const { mode, args } of MODES) {
        // Alternating in each round: drift on a shared machine hits both sides alike.
        for (const transport of round % 2 === 0 ? ['plain', 'tls'] : ['tls', 'plain']) {
          const url = transport === 'tls' ? target.tls : target.plain;
          const r = await runOnce(url, transport === 'tls' ? ['--ca', target.ca] : [], args, target.pid);
          rowOf(target.name, mode, transport).samples.push(r);
          process.stderr.write(
            `round ${round + 1} ${target.name} ${mode} ${transport}: exit ${r.code}, received ${fmt(r.receiveRate)}/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, CPU µs/msg client ${r.clientCpuUsPerMsg.toFixed(1)} broker ${r.brokerCpuUsPerMsg.toFixed(1)}${r.error ? ` (${r.error})` : ''}\n`,
          );
        }
      }
    }
  }
} finally {
  await broker.stop();
}

for (const row of rows) {
  for (const key of ['receiveRate', 'p50Ms', 'p99Ms', 'clientCpuUsPerMsg', 'brokerCpuUsPerMsg'])
    row[key] = median(row.samples.map((s) => s[key]));
}
const file = writeBench('tls', {
  count: COUNT,
  rate: RATE,
  duration: DURATION,
  rounds: ROUNDS,
  extraArgs: EXTRA,
  rows,
});
console.log('target     mode     transport   received msg/s   e2e p50 ms   e2e p99 ms   CPU µs/msg client   broker');
for (const row of rows) {
  console.log(
    `${row.target.padEnd(9)}  ${row.mode.padEnd(7)}  ${row.transport.padEnd(9)}   ${fmt(row.receiveRate).padStart(14)}   ${row.p50Ms.toFixed(2).padStart(10)}   ${row.p99Ms.toFixed(2).padStart(10)}   ${row.clientCpuUsPerMsg.toFixed(1).padStart(17)}   ${row.brokerCpuUsPerMsg.toFixed(1).padStart(6)}`,
  );
}
console.log(`written to ${file}`);
