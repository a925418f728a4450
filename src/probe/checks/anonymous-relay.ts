/**
 * anonymous-relay: the ANONYMOUS-RELAY connection capability, and a real
 * send through a sender with no target address (the message's `to` routes it).
 */
import { AttachRefused } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

const CAPABILITY = 'ANONYMOUS-RELAY';

export const anonymousRelayCheck: Check = {
  name: 'anonymous-relay',
  async run(context) {
    const capabilities = context.connection.offered_capabilities as string | string[] | undefined;
    const offered = ([] as string[])
      .concat(capabilities ?? [])
      .map(String)
      .includes(CAPABILITY);
    const said = offered ? 'offered' : 'not offered';
    const address = context.address('anonymous-relay');
    const session = context.session();
    // The receiver comes first so the node exists: a relay may route only to existing nodes.
    const receiver = await session.openReceiver({ source: { address }, credit_window: 10 });
    let sender;
    try {
      sender = await session.openSender({ target: {} });
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      return { status: offered ? 'refused' : 'no', detail: `${said}; anonymous sender refused: ${error.message}` };
    }
    const tag = newTag('anonymous-relay');
    const outcome = await session.send(sender, probeMessage(tag, {}, { to: address }));
    if (outcome !== 'accepted')
      return { status: offered ? 'refused' : 'no', detail: `${said}; send to ${address} got ${outcome}` };
    const { found } = await receiver.until((message) => tagOf(message) === tag);
    if (!found) return { status: 'no', detail: `${said}; accepted, but nothing arrived at ${address}` };
    return { status: 'yes', detail: `${said}; sent with no target address, received at the message's "to"` };
  },
};
