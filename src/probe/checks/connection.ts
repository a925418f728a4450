/** connection: the peer's open frame: container id, product and version. */
import type { Check } from '../types.js';

export const connectionCheck: Check = {
  name: 'connection',
  async run({ connection }) {
    const properties = (connection.properties ?? {}) as Record<string, unknown>;
    const product = [properties.product, properties.version].filter((part) => typeof part === 'string').join(' ');
    const idle = connection.idle_time_out;
    const parts = [
      `container ${connection.container_id ?? '(none)'}`,
      product === '' ? 'no product property' : product,
      idle ? `idle-time-out ${idle} ms` : 'no idle-time-out',
    ];
    return { status: 'yes', detail: parts.join(', ') };
  },
};
