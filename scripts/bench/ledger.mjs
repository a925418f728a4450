// npm run bench:ledger: the ledger alone, in one thread, no broker.
//   memory: bits per message of a sender's and a receiver's bitsets at N messages
//           (default 10M), and of what travels (base64);
//   time:   ns per message of the hot-path calls (sender: sent + accepted;
//           receiver: producer lookup from the raw bytes + record).
// Writes results/bench/ledger.json. Needs `npm run build` first (reads dist/).
import { performance } from 'node:perf_hooks';
import { ReceiverLedger, SenderLedger } from '../../dist/src/ledger/index.js';
import { writeBench } from './lib.mjs';

const N = Number(process.env.BENCH_COUNT ?? 10_000_000);
const DUPLICATE_EVERY = Number(process.env.BENCH_DUPLICATE_EVERY ?? 0);

function senderRun() {
  const ledger = new SenderLedger('run/s0.c0.l0');
  const start = performance.now();
  for (let seq = 1; seq <= N; seq++) {
    ledger.sent(seq);
    ledger.settledAccepted(seq);
  }
  const ns = ((performance.now() - start) * 1e6) / N;
  const bits =
    ledger.accepted.capacityBits +
    ledger.failed.capacityBits +
    ledger.inDoubt.capacityBits +
    ledger.resent.capacityBits;
  const wire = ledger.toWire();
  const wireBytes = wire.accepted.length + wire.failed.length + wire.inDoubt.length + wire.resent.length;
  return { nsPerMessage: ns, bitsPerMessage: bits / N, wireBitsPerMessage: (wireBytes * 8) / N };
}

function receiverRun() {
  const ledger = new ReceiverLedger();
  // As a receiver sees it: the producer id inside the message's bytes.
  const bytes = Buffer.from('....salvo-producer..run/s0.c0.l0....');
  const start0 = bytes.indexOf('run/');
  const end0 = start0 + 'run/s0.c0.l0'.length;
  const start = performance.now();
  for (let seq = 1; seq <= N; seq++) {
    const index = ledger.producerIndex(bytes, start0, end0);
    ledger.record(index, seq, false, false);
    if (DUPLICATE_EVERY > 0 && seq % DUPLICATE_EVERY === 0) ledger.record(index, seq, true, false);
  }
  const ns = ((performance.now() - start) * 1e6) / N;
  const wire = ledger.toWire();
  const wireBytes = wire.producers.reduce((n, p) => n + p.seen.length + p.twice.length + p.corrupted.length, 0);
  return { nsPerMessage: ns, bitsPerMessage: ledger.capacityBits / N, wireBitsPerMessage: (wireBytes * 8) / N };
}

// One warm round (JIT), then the measured one.
senderRun();
receiverRun();
const result = { messages: N, duplicateEvery: DUPLICATE_EVERY, sender: senderRun(), receiver: receiverRun() };
const file = writeBench('ledger', result);
const f = (v) => v.toFixed(2);
for (const side of ['sender', 'receiver']) {
  const r = result[side];
  console.log(
    `${side.padEnd(9)} ${f(r.nsPerMessage).padStart(6)} ns/msg   ${f(r.bitsPerMessage)} bits/msg held   ${f(r.wireBitsPerMessage)} bits/msg as base64`,
  );
}
console.log(
  `at ${N.toLocaleString('en-US')} messages${DUPLICATE_EVERY ? `, a duplicate every ${DUPLICATE_EVERY}` : ''}; written to ${file}`,
);
