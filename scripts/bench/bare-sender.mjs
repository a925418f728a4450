// The baseline: a plain rhea sender, written the way rhea's docs show, with
// the same application properties salvo stamps and a 100-byte data body,
// at-least-once, at most MAX_IN_FLIGHT unsettled. Prints one JSON line.
import rhea from 'rhea';

const [url, countText, inFlightText = '1000', bodyText = '100'] = process.argv.slice(2);
const count = Number(countText);
const maxInFlight = Number(inFlightText);
const body = rhea.message.data_section(Buffer.alloc(Number(bodyText), 0x61));
const target = new URL(url);
const connection = rhea.create_container({ id: 'bare-sender' }).connect({
  host: target.hostname,
  port: Number(target.port),
  tcp_no_delay: true,
  reconnect: false,
});
const sender = connection.open_sender({ target: { address: target.pathname.slice(1) || 'bench' } });
let sent = 0;
let accepted = 0;
let startedNs = 0n;

function pump() {
  while (sent < count && sent - accepted < maxInFlight && sender.sendable()) {
    if (sent === 0) startedNs = process.hrtime.bigint();
    const now = Number(process.hrtime.bigint() / 1000n);
    sender.send({
      application_properties: {
        'salvo-producer': 'bare/s0',
        'salvo-seq': sent + 1,
        'salvo-intended': now,
        'salvo-sent': now,
      },
      body,
    });
    sent++;
  }
}

sender.on('sendable', pump);
sender.on('accepted', () => {
  accepted++;
  if (accepted === count) {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    process.stdout.write(JSON.stringify({ count, seconds, rate: count / seconds }) + '\n');
    connection.close();
    setTimeout(() => process.exit(0), 50);
  } else if (sent - accepted < maxInFlight / 2) setImmediate(pump);
});
setTimeout(() => {
  process.stderr.write(`bare sender: timed out with ${accepted} of ${count} accepted\n`);
  process.exit(1);
}, 120_000).unref();
