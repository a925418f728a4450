/** max-message-size: the limit in the broker's attach for a link we send on. */
import type { Check } from '../types.js';

export const maxMessageSizeCheck: Check = {
  name: 'max-message-size',
  async run(context) {
    const session = context.session();
    const sender = await session.openSender({ target: { address: context.address('max-message-size') } });
    const size = sender.max_message_size as number | bigint | undefined | null;
    if (size === undefined || size === null || Number(size) === 0) {
      return { status: 'yes', detail: 'not limited by the broker (attach has no max-message-size)' };
    }
    return { status: 'yes', detail: `${String(size)} bytes` };
  },
};
