/** max-frame-size: what the peer's open frame allows us to send in one frame. */
import type { Check } from '../types.js';

/** AMQP's default when the field is absent: 2^32 - 1, i.e. no limit. */
const UNLIMITED = 4_294_967_295;

export const maxFrameSizeCheck: Check = {
  name: 'max-frame-size',
  async run({ connection }) {
    const size = connection.max_frame_size;
    if (size === undefined || size === null || size === UNLIMITED) {
      return { status: 'yes', detail: `${UNLIMITED} bytes (not limited by the peer)` };
    }
    return { status: 'yes', detail: `${size} bytes` };
  },
};
