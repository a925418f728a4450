// node scripts/bench/proxy.mjs: what the fault proxy costs with no fault active.
//   round trip: 100-byte ping-pong to an echo server, direct vs through the proxy
//               (the proxy in its own worker thread, as salvo would run it): p50 / p99
//   throughput: 100-byte messages pipelined to a counting sink, direct vs proxied
// Rounds interleaved, medians reported. Needs `npm run build`. Writes results/bench/proxy.json.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { startProxyThread } from '../../dist/src/faults/proxy-thread.js';
import { fmt, median, writeBench } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PINGS = Number(process.env.BENCH_PINGS ?? 5000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const MESSAGE_BYTES = 100;
const BATCH = 100; // messages per write: what a coalescing AMQP writer hands the socket

function listen(onSocket) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function roundTripsUs(port) {
  const socket = await connect(port);
  const ping = Buffer.alloc(MESSAGE_BYTES, 7);
  const timesUs = [];
  let pending = 0;
  let started = 0;
  await new Promise((resolve) => {
    socket.on('data', (chunk) => {
      pending -= chunk.length;
      if (pending > 0) return;
      timesUs.push((performance.now() - started) * 1000);
      if (timesUs.length === PINGS) return resolve();
      send();
    });
    const send = () => {
      pending = MESSAGE_BYTES;
      started = performance.now();
      socket.write(ping);
    };
    send();
  });
  socket.destroy();
  timesUs.sort((a, b) => a - b);
  return { p50: timesUs[Math.floor(PINGS * 0.5)], p99: timesUs[Math.floor(PINGS * 0.99)] };
}

async function throughputMsgPerS(port, sink) {
  const socket = await connect(port);
  const batch = Buffer.alloc(MESSAGE_BYTES * BATCH, 9);
  const total = MESSAGES * MESSAGE_BYTES;
  sink.received = 0;
  const started = performance.now();
  const done = new Promise((resolve) => (sink.onAll = resolve));
  sink.expected = total;
  for (let written = 0; written < total; ) {
    if (!socket.write(batch)) await new Promise((resolve) => socket.once('drain', resolve));
    written += batch.length;
  }
  await done;
  const elapsedS = (performance.now() - started) / 1000;
  socket.destroy();
  return MESSAGES / elapsedS;
}

const echo = await listen((socket) => socket.pipe(socket));
const sink = { received: 0, expected: Infinity, onAll: () => undefined };
const sinkServer = await listen((socket) =>
  socket.on('data', (chunk) => {
    sink.received += chunk.length;
    if (sink.received >= sink.expected) sink.onAll();
  }),
);
const echoProxy = await startProxyThread({ targetHost: '127.0.0.1', targetPort: echo.address().port });
const sinkProxy = await startProxyThread({ targetHost: '127.0.0.1', targetPort: sinkServer.address().port });

const rows = { direct: { p50: [], p99: [], rate: [] }, proxied: { p50: [], p99: [], rate: [] } };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, echoPort, sinkPort] of [
    ['direct', echo.address().port, sinkServer.address().port],
    ['proxied', echoProxy.port, sinkProxy.port],
  ]) {
    const rtt = await roundTripsUs(echoPort);
    const rate = await throughputMsgPerS(sinkPort, sink);
    rows[name].p50.push(rtt.p50);
    rows[name].p99.push(rtt.p99);
    rows[name].rate.push(rate);
    process.stderr.write(
      `round ${round + 1} ${name}: rtt p50 ${fmt(rtt.p50)} µs p99 ${fmt(rtt.p99)} µs, ${fmt(rate)} msg/s\n`,
    );
  }
}
await echoProxy.stop();
await sinkProxy.stop();
echo.close();
sinkServer.close();

const summary = Object.fromEntries(
  Object.entries(rows).map(([name, r]) => [
    name,
    { rttP50Us: median(r.p50), rttP99Us: median(r.p99), msgPerS: median(r.rate) },
  ]),
);
for (const [name, s] of Object.entries(summary)) {
  console.log(
    `${name.padEnd(8)} round trip p50 ${fmt(s.rttP50Us)} µs, p99 ${fmt(s.rttP99Us)} µs; ${fmt(s.msgPerS)} msg/s of ${MESSAGE_BYTES} B`,
  );
}
console.log(
  `added round trip p50 ${fmt(summary.proxied.rttP50Us - summary.direct.rttP50Us)} µs; throughput ${(summary.proxied.msgPerS / summary.direct.msgPerS).toFixed(2)}x direct`,
);
console.log(
  `wrote ${writeBench('proxy', { rounds: ROUNDS, pings: PINGS, messages: MESSAGES, messageBytes: MESSAGE_BYTES, summary })}`,
);
