/** sasl: the mechanisms the server's sasl-mechanisms frame offered, and the one used. */
import { offeredSaslMechanisms, usedSaslMechanism } from '../../amqp/rhea-patches/index.js';
import type { Check } from '../types.js';

export const saslCheck: Check = {
  name: 'sasl',
  async run({ connection }) {
    const offered = offeredSaslMechanisms(connection);
    if (offered === undefined) return { status: 'no', detail: 'no SASL exchange seen' };
    const used = usedSaslMechanism(connection) ?? '(none)';
    return { status: 'yes', detail: `offered ${offered.join(' ') || '(none)'}; used ${used}` };
  },
};
