// Transactions against the embedded broker, one client connection (not a test):
//  - declare and commit (discharge) round-trip latency, p50 / p99 over BENCH_TX_COMMITS commits
//    of one message each, after 100 untimed ones (the message's outcome is in before commit() is timed);
//  - transactional send throughput for tx-size 1, 10 and 100 (declare, send tx-size, commit, repeat)
//    next to non-transactional at-least-once throughput with at most 1, 10, 100 and 1000 in flight,
//    in the same run; 100-byte bodies, pre-encoded once.
// Each throughput figure stops at BENCH_TX_COUNT messages or BENCH_TX_MAX_MS, whichever comes first,
// and is the median of BENCH_ROUNDS rounds. Prints a table; writes results/bench/transactions.json.
// Needs a build (npm run build): it imports salvo from dist/.
import rhea from 'rhea';
import { fmt, median, ROOT, writeBench } from './lib.mjs';

const { startEmbeddedBroker } = await import(`${ROOT}/dist/src/broker/embedded.js`);
const { TransactionController } = await import(`${ROOT}/dist/src/amqp/transactions/index.js`);
const { encodeMessage } = await import(`${ROOT}/dist/src/amqp/rhea-patches/index.js`);

const COUNT = Number(process.env.BENCH_TX_COUNT ?? 20_000);
const MAX_MS = Number(process.env.BENCH_TX_MAX_MS ?? 8_000);
const COMMITS = Number(process.env.BENCH_TX_COMMITS ?? 200);
const WARMUP = 100; // commits before the timed ones (JIT, broker thread start-up)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TX_SIZES = [1, 10, 100];
const WINDOWS = [1, 10, 100, 1000];
const PAYLOAD = encodeMessage({ body: 'x'.repeat(100) });

const hard = setTimeout(() => {
  console.error('transactions bench: gave up after 10 minutes');
  process.exit(1);
}, 600_000);
hard.unref();

const broker = await startEmbeddedBroker({ port: 0 });
const container = rhea.create_container({ id: 'bench-transactions' });
container.on('error', () => undefined);
const url = new URL(broker.url);
const connection = container.connect({
  host: url.hostname,
  port: Number(url.port),
  reconnect: false,
  tcp_no_delay: true,
});
await new Promise((resolve, reject) => {
  connection.once('connection_open', resolve);
  connection.once('disconnected', () => reject(new Error(`cannot connect to ${broker.url}`)));
});
const controller = await TransactionController.attach(connection);

/** A receiver that accepts and drops everything on `address`, so queues stay short. */
function sink(address) {
  return connection.open_receiver({ source: address, credit_window: 1000 });
}

function openSender(address) {
  const sender = connection.open_sender({ target: { address } });
  return new Promise((resolve) => sender.once('sendable', () => resolve(sender)));
}

/** Resolves once `delivery` has an outcome. */
function outcome(sender, delivery) {
  if (delivery.remote_state || delivery.remote_settled) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (ctx) => {
      if (ctx.delivery !== delivery) return;
      sender.off('accepted', check);
      sender.off('rejected', check);
      resolve();
    };
    sender.on('accepted', check);
    sender.on('rejected', check);
  });
}

const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latencies(sender) {
  const declare = [];
  const commit = [];
  for (let i = 0; i < WARMUP; i++) {
    const txn = await controller.declare();
    await outcome(sender, txn.send(sender, PAYLOAD));
    await txn.commit();
  }
  for (let i = 0; i < COMMITS; i++) {
    let start = process.hrtime.bigint();
    const txn = await controller.declare();
    declare.push(ms(start));
    await outcome(sender, txn.send(sender, PAYLOAD));
    start = process.hrtime.bigint();
    await txn.commit();
    commit.push(ms(start));
  }
  const summary = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1), count: sorted.length };
  };
  return { declareMs: summary(declare), commitMs: summary(commit) };
}

async function transactional(sender, txSize) {
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < COUNT && ms(start) < MAX_MS) {
    const txn = await controller.declare();
    for (let i = 0; i < txSize; i++) txn.send(sender, PAYLOAD);
    await txn.commit(); // waits for the sends' outcomes, then discharges
    sent += txSize;
  }
  return (sent / ms(start)) * 1000;
}

function plain(sender, window) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let sent = 0;
    let settled = 0;
    let stopAt = COUNT;
    const pump = () => {
      if (ms(start) >= MAX_MS) stopAt = Math.min(stopAt, sent);
      while (sent < stopAt && sent - settled < window && sender.sendable()) {
        sender.send(PAYLOAD, undefined, 0);
        sent++;
      }
    };
    const onAccepted = () => {
      settled++;
      if (settled >= stopAt) {
        sender.off('accepted', onAccepted);
        sender.off('sendable', pump);
        resolve((settled / ms(start)) * 1000);
      } else pump();
    };
    sender.on('accepted', onAccepted);
    sender.on('sendable', pump);
    pump();
  });
}

const samples = {};
const record = (key, value) => (samples[key] ??= []).push(value);
let latency;
try {
  const latencySender = await openSender('bench.tx.latency');
  sink('bench.tx.latency');
  latency = await latencies(latencySender);
  for (let round = 0; round < ROUNDS; round++) {
    for (const txSize of TX_SIZES) {
      const address = `bench.tx.size${txSize}.r${round}`;
      sink(address);
      record(`tx-size ${txSize}`, await transactional(await openSender(address), txSize));
    }
    for (const window of WINDOWS) {
      const address = `bench.plain.window${window}.r${round}`;
      sink(address);
      record(`at-least-once, ${window} in flight`, await plain(await openSender(address), window));
    }
    process.stderr.write(
      `round ${round + 1}/${ROUNDS}: ${Object.entries(samples)
        .map(([k, v]) => `${k} ${fmt(v.at(-1))}`)
        .join(', ')}\n`,
    );
  }
} finally {
  connection.close();
  await broker.stop();
}

const msgsPerSecond = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const file = writeBench('transactions', {
  config: {
    count: COUNT,
    maxMsPerFigure: MAX_MS,
    commits: COMMITS,
    warmupCommits: WARMUP,
    rounds: ROUNDS,
    bodyBytes: 100,
    connections: 1,
  },
  latency,
  msgsPerSecond,
  samples,
});
const row = (label, value) => console.log(`${label.padEnd(34)} ${value}`);
row('declare round trip', `p50 ${latency.declareMs.p50.toFixed(3)} ms   p99 ${latency.declareMs.p99.toFixed(3)} ms`);
row(
  'commit (discharge) round trip',
  `p50 ${latency.commitMs.p50.toFixed(3)} ms   p99 ${latency.commitMs.p99.toFixed(3)} ms   (${COMMITS} commits)`,
);
for (const [label, rate] of Object.entries(msgsPerSecond)) row(label, `${fmt(rate).padStart(8)} msg/s`);
console.log(`written to ${file}`);
process.exit(0);
