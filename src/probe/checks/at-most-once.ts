/** at-most-once: pre-settled on both links (settle modes asked vs granted), and the message arrives. */
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

const MODES = ['unsettled', 'settled', 'mixed'];

export const atMostOnceCheck: Check = {
  name: 'at-most-once',
  async run(context) {
    const address = context.address('at-most-once');
    const session = context.session();
    const sender = await session.openSender({ target: { address }, snd_settle_mode: 1 });
    const receiver = await session.openReceiver({ source: { address }, credit_window: 10, snd_settle_mode: 1 });
    const granted = { sender: modeName(sender.snd_settle_mode), receiver: modeName(receiver.link.snd_settle_mode) };
    const tag = newTag('at-most-once');
    await session.send(sender, probeMessage(tag), true);
    const { found } = await receiver.until((message) => tagOf(message) === tag);
    const modes = `asked settled on both links, granted sender ${granted.sender}, receiver ${granted.receiver}`;
    if (!found) return { status: 'no', detail: `${modes}; message not received within ${context.stepTimeoutMs} ms` };
    if (granted.sender !== 'settled' || granted.receiver !== 'settled') {
      return { status: 'no', detail: `${modes}; message received` };
    }
    if (!receiver.arrivedSettled(found)) return { status: 'no', detail: `${modes}; but the message arrived unsettled` };
    return { status: 'yes', detail: `${modes}; message received pre-settled` };
  },
};

function modeName(mode: number | undefined): string {
  // An absent snd-settle-mode means the default, mixed.
  return MODES[mode ?? 2] ?? `mode ${String(mode)}`;
}
