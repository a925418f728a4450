// node scripts/bench/selector-depth.mjs [DIST]: the broker's queue alone (no sockets), as
// issue 8 found it slow: 1,000 selective takes from a 200k-deep queue, credit 10 per flow,
// so 100 flows. Prints the time and the selector evaluations. DIST (default ./dist) lets
// the same script time an older build for a before/after figure.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const { Queue } = await import(pathToFileURL(`${dist}/src/broker/queue.js`).href);
const { StoredMessage } = await import(pathToFileURL(`${dist}/src/broker/stored-message.js`).href);

const DEPTH = 200_000;
const MATCH_EVERY = 200;
const tiny = Buffer.from([0x00, 0x53, 0x77, 0x40]);

function round() {
  const queue = new Queue('deep', 0);
  for (let i = 0; i < DEPTH; i++) queue.enqueue(new StoredMessage(tiny));
  let credit = 0;
  let tests = 0;
  let got = 0;
  const consumer = {
    accepts: (m) => {
      tests++;
      return m.seq % MATCH_EVERY === 0;
    },
    available: () => credit,
    deliver: () => {
      credit--;
      got++;
    },
  };
  queue.addConsumer(consumer);
  const started = process.hrtime.bigint();
  for (let flow = 0; flow < 100; flow++) {
    credit += 10;
    queue.dispatch();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (got !== DEPTH / MATCH_EVERY) throw new Error(`took ${got}, expected ${DEPTH / MATCH_EVERY}`);
  return { ms, tests };
}

const rounds = [round(), round(), round()].sort((a, b) => a.ms - b.ms);
const median = rounds[1];
process.stdout.write(
  JSON.stringify({
    depth: DEPTH,
    takes: DEPTH / MATCH_EVERY,
    flows: 100,
    medianMs: Math.round(median.ms),
    selectorTests: median.tests,
  }) + '\n',
);
