/**
 * ttl: whether the broker discards a message whose header ttl passed while it
 * was queued. Sends EXPIRING messages with a ttl of TTL_MS to a fresh queue
 * with no consumer, then one without a ttl (the control), waits well past the
 * ttl, and receives until the control comes.
 *   the control arrives, no expiring one   -> yes
 *   an expiring message arrives             -> ignored (kept and delivered past its ttl)
 *   not even the control arrives            -> error
 * The expiring messages come first, so a broker that expires only at the head
 * of a queue (RabbitMQ) is found honouring it too.
 */
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

const EXPIRING = 5;
const TTL_MS = 200;
/** Long past the ttl: an expiry checked at hand-out or by a scanner every few hundred ms has happened. */
const WAIT_MS = 1500;

export const ttlCheck: Check = {
  name: 'ttl',
  async run(context) {
    const address = context.address('ttl');
    const session = context.session();
    const sender = await session.openSender({ target: { address } });
    const control = newTag('ttl-control');
    for (let i = 0; i < EXPIRING; i++) {
      const outcome = await session.send(sender, probeMessage(newTag('ttl-expiring'), {}, { ttl: TTL_MS }));
      if (outcome !== 'accepted') return { status: 'error', detail: `a message with a ttl got ${outcome}` };
    }
    const outcome = await session.send(sender, probeMessage(control));
    if (outcome !== 'accepted') return { status: 'error', detail: `the control message got ${outcome}` };
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    const receiver = await session.openReceiver({ source: { address }, credit_window: 10 });
    const { found, before } = await receiver.until((message) => tagOf(message) === control);
    receiver.link.close();
    const late = before.length;
    if (late > 0)
      return {
        status: 'ignored',
        detail: `${late} of ${EXPIRING} messages with a ${TTL_MS} ms ttl delivered ${WAIT_MS} ms after they were sent`,
      };
    if (!found) return { status: 'error', detail: 'the control message (no ttl) did not arrive' };
    return {
      status: 'yes',
      detail: `${EXPIRING} messages with a ${TTL_MS} ms ttl, queued ${WAIT_MS} ms with no consumer: none delivered`,
    };
  },
};
