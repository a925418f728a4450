/** dynamic: a receiver asking for a dynamic source gets an address, and a message sent there arrives. */
import { AttachRefused } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { ProbeReceiver } from '../links.js';
import type { Check } from '../types.js';

export const dynamicCheck: Check = {
  name: 'dynamic',
  async run(context) {
    const session = context.session();
    let receiver: ProbeReceiver;
    try {
      receiver = await session.openReceiver({ source: { dynamic: true } as never, credit_window: 10 });
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      return { status: 'refused', detail: error.message };
    }
    const address = (receiver.link.source as { address?: unknown } | undefined)?.address;
    if (typeof address !== 'string' || address === '') {
      return { status: 'no', detail: 'dynamic source attached, but no address was returned' };
    }
    const sender = await session.openSender({ target: { address } });
    const tag = newTag('dynamic');
    const outcome = await session.send(sender, probeMessage(tag));
    if (outcome !== 'accepted') return { status: 'no', detail: `got address ${address}; send there got ${outcome}` };
    const { found } = await receiver.until((message) => tagOf(message) === tag);
    if (!found) return { status: 'no', detail: `got address ${address}; a message sent there did not arrive` };
    return { status: 'yes', detail: `got address ${address}; a message sent there arrived` };
  },
};
