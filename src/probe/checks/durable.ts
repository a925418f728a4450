/** durable: a message sent with header durable=true is accepted (and comes back durable). */
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

export const durableCheck: Check = {
  name: 'durable',
  async run(context) {
    const address = context.address('durable');
    const session = context.session();
    const sender = await session.openSender({ target: { address } });
    const tag = newTag('durable');
    const outcome = await session.send(sender, probeMessage(tag, {}, { durable: true }));
    if (outcome !== 'accepted') return { status: 'no', detail: `durable send got ${outcome}, not accepted` };
    const receiver = await session.openReceiver({ source: { address }, credit_window: 10 });
    const { found } = await receiver.until((message) => tagOf(message) === tag);
    if (!found) return { status: 'no', detail: `accepted, but not received within ${context.stepTimeoutMs} ms` };
    return { status: 'yes', detail: `accepted; received with durable=${String(Boolean(found.durable))}` };
  },
};
