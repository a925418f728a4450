/** at-least-once: an unsettled send is accepted, and the message can be received (and accepted). */
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

export const atLeastOnceCheck: Check = {
  name: 'at-least-once',
  async run(context) {
    const address = context.address('at-least-once');
    const session = context.session();
    const sender = await session.openSender({ target: { address }, snd_settle_mode: 0 });
    const tag = newTag('at-least-once');
    const outcome = await session.send(sender, probeMessage(tag));
    if (outcome !== 'accepted') return { status: 'no', detail: `unsettled send got ${outcome}, not accepted` };
    const receiver = await session.openReceiver({ source: { address }, credit_window: 10, rcv_settle_mode: 0 });
    const { found } = await receiver.until((message) => tagOf(message) === tag);
    if (!found) return { status: 'no', detail: `accepted, but not received within ${context.stepTimeoutMs} ms` };
    if (receiver.arrivedSettled(found))
      return { status: 'no', detail: 'accepted, but delivered pre-settled to the receiver' };
    return { status: 'yes', detail: 'sent unsettled: accepted; received unsettled and accepted' };
  },
};
