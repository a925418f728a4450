// A plain rhea receiver: credit window 1000, auto-accept. Prints one JSON
// line with the rate from its first to its last message.
import rhea from 'rhea';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
const target = new URL(url);
const connection = rhea.create_container({ id: 'bare-receiver' }).connect({
  host: target.hostname,
  port: Number(target.port),
  tcp_no_delay: true,
  reconnect: false,
});
const receiver = connection.open_receiver({
  source: { address: target.pathname.slice(1) || 'bench' },
  credit_window: 1000,
});
let received = 0;
let startedNs = 0n;
receiver.on('receiver_open', () => process.stdout.write('ready\n'));
receiver.on('message', () => {
  if (received === 0) startedNs = process.hrtime.bigint();
  received++;
  if (received === count) {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    process.stdout.write(JSON.stringify({ count, seconds, rate: count / seconds }) + '\n');
    connection.close();
    setTimeout(() => process.exit(0), 50);
  }
});
setTimeout(() => {
  process.stderr.write(`bare receiver: timed out with ${received} of ${count}\n`);
  process.exit(1);
}, 120_000).unref();
