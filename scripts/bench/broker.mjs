// npm run bench:broker: the embedded broker's end-to-end throughput next to a
// bare rhea sender -> sink loop, in one run. One rhea sender, one rhea
// receiver, 100-byte bodies, at-least-once. Writes results/bench/broker.json.
import { fmt, lastJsonLine, median, runNode, startNode, writeBench } from './lib.mjs';

const COUNT = Number(process.env.BENCH_COUNT ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function senderToSink() {
  const sink = startNode(['scripts/bench/sink.mjs'], /amqp:\/\/\S+/);
  const [url] = await sink.started;
  try {
    return lastJsonLine(await runNode(['scripts/bench/bare-sender.mjs', `${url}/bench`, String(COUNT)])).rate;
  } finally {
    await sink.stop();
  }
}

async function throughBroker() {
  const broker = startNode(['bin/salvo.js', 'broker', '--port', '0'], /amqp:\/\/\S+/);
  const [url] = await broker.started;
  try {
    const receiver = startNode(['scripts/bench/bare-receiver.mjs', `${url}/bench`, String(COUNT)], /ready/);
    await receiver.started;
    let output = '';
    receiver.child.stdout.on('data', (c) => (output += c));
    const done = new Promise((resolve) => receiver.child.on('close', resolve));
    await runNode(['scripts/bench/bare-sender.mjs', `${url}/bench`, String(COUNT)]);
    await done;
    return lastJsonLine(output).rate;
  } finally {
    await broker.stop();
  }
}

const rates = { senderToSink: [], endToEnd: [] };
for (let round = 0; round < ROUNDS; round++) {
  rates.senderToSink.push(await senderToSink());
  rates.endToEnd.push(await throughBroker());
  process.stderr.write(
    `round ${round + 1}: sink ${fmt(rates.senderToSink.at(-1))}, through broker ${fmt(rates.endToEnd.at(-1))} msg/s\n`,
  );
}
const m = { senderToSink: median(rates.senderToSink), endToEnd: median(rates.endToEnd) };
const file = writeBench('broker', {
  count: COUNT,
  rounds: ROUNDS,
  msgsPerSecond: m,
  samples: rates,
  ratio: m.endToEnd / m.senderToSink,
});
console.log(`bare rhea sender -> sink          ${fmt(m.senderToSink).padStart(8)} msg/s`);
console.log(
  `sender -> salvo broker -> receiver ${fmt(m.endToEnd).padStart(8)} msg/s   (x${(m.endToEnd / m.senderToSink).toFixed(2)})`,
);
console.log(`written to ${file}`);
