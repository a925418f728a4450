/**
 * round-trip: whether a message reaches a receiver about as soon as the
 * broker accepts it, or always some tens of milliseconds later.
 *
 * A broker socket with Nagle's algorithm on holds a small write while an
 * earlier one is unacknowledged, and the client's kernel delays that ACK by
 * up to 40 ms: every round trip that waits for an answer gets a ~40 ms floor.
 * ActiveMQ Classic's AMQP connector does this by default
 * (transport.tcpNoDelay=false): measured here, transactions 216 msg/s and rpc
 * 211 req/s with it, 1,016 msg/s and 543 req/s without. The floor shows as
 * send -> received staying that much above send -> accepted on every one of
 * a few messages sent one at a time; the network's own distance is in both,
 * so it cancels out.
 */
import { performance } from 'node:perf_hooks';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

const SAMPLES = 8;
/** Below the ~40 ms of a delayed ACK, far above a healthy loopback or LAN broker's extra hop. */
const FLOOR_MS = 30;

export const roundTripCheck: Check = {
  name: 'round-trip',
  async run(context) {
    const address = context.address('round-trip');
    const session = context.session();
    const sender = await session.openSender({ target: { address }, snd_settle_mode: 0 });
    const receiver = await session.openReceiver({ source: { address }, credit_window: SAMPLES });
    const acceptedMs: number[] = [];
    const receivedMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const tag = newTag('round-trip');
      const startMs = performance.now();
      const accepted = session.send(sender, probeMessage(tag)).then((outcome) => {
        acceptedMs.push(performance.now() - startMs);
        return outcome;
      });
      const { found } = await receiver.until((message) => tagOf(message) === tag);
      if (found) receivedMs.push(performance.now() - startMs);
      const outcome = await accepted;
      if (outcome !== 'accepted') return { status: 'no', detail: `send ${i + 1} got ${outcome}, not accepted` };
      if (!found)
        return { status: 'no', detail: `send ${i + 1} accepted, not received within ${context.stepTimeoutMs} ms` };
    }
    return judge(acceptedMs, receivedMs);
  },
};

function judge(acceptedMs: number[], receivedMs: number[]): { status: 'yes' | 'no'; detail: string } {
  const accepted = Math.min(...acceptedMs);
  const received = Math.min(...receivedMs);
  const timing =
    `send -> accepted min ${ms(accepted)}, send -> received min ${ms(received)}, median ${ms(median(receivedMs))} ` +
    `(${SAMPLES} one at a time)`;
  if (received - accepted < FLOOR_MS) return { status: 'yes', detail: timing };
  return {
    status: 'no',
    detail:
      `every message reached the receiver at least ${ms(received - accepted)} after it was accepted: a ~40 ms floor, ` +
      `Nagle's algorithm on the broker's socket meeting delayed ACKs (ActiveMQ Classic: transport.tcpNoDelay=true ` +
      `on its connector); ${timing}`,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}
