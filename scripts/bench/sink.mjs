// A minimal AMQP sink: rhea's server side accepting every message and
// counting it. Prints its URL, then the count on SIGTERM. Benchmarks only.
import rhea from 'rhea';

const container = rhea.create_container({ id: 'bench-sink' });
let received = 0;
// Senders come and go between rounds; a handler keeps rhea from logging each departure.
container.on('disconnected', () => {});
container.on('message', () => {
  received++;
});
const server = container.listen({ host: '127.0.0.1', port: 0, tcp_no_delay: true });
server.on('listening', () => process.stdout.write(`amqp://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`received ${received}\n`);
  process.exit(0);
});
