/**
 * SASL offer: rhea's SASL client reads the server's sasl-mechanisms frame, picks one and forgets
 * the rest. A wrapper around its handler records the offered list per connection (observation
 * only; behaviour is unchanged, so it is safe in any thread).
 */
import type { RheaPatch } from './patch.js';
import { saslClientPrototype } from './rhea-lib.js';

interface SaslClientPrototype {
  on_sasl_mechanisms(this: SaslClient, frame: { performative: { sasl_server_mechanisms?: unknown } }): void;
}
interface SaslClient {
  connection: object;
  /** Set by rhea to the first offered mechanism it has enabled. */
  mechanism_name?: string;
}

const client = saslClientPrototype as Partial<SaslClientPrototype> | undefined;
const offers = new WeakMap<object, string[]>();
const chosen = new WeakMap<object, string>();
let applied = false;

/** From now on, record the mechanisms each client connection's server offers (per thread). */
export const saslMechanisms: RheaPatch = {
  name: 'SASL mechanisms offered',
  targets: () => ({ 'sasl.Client#on_sasl_mechanisms': client?.on_sasl_mechanisms }),
  apply(): void {
    if (applied) return;
    const proto = client as SaslClientPrototype;
    const original = proto.on_sasl_mechanisms;
    proto.on_sasl_mechanisms = function (this: SaslClient, frame) {
      const offered = frame.performative.sasl_server_mechanisms;
      const list = Array.isArray(offered) ? offered : offered === undefined || offered === null ? [] : [offered];
      offers.set(this.connection, list.map(String));
      original.call(this, frame);
      if (this.mechanism_name !== undefined) chosen.set(this.connection, this.mechanism_name);
    };
    applied = true;
  },
};

/**
 * The mechanisms the server offered on this connection, in its order; undefined when no SASL
 * exchange was seen (the patch not applied before connecting, or the connection skipped SASL).
 */
export function offeredSaslMechanisms(connection: object): string[] | undefined {
  return offers.get(connection);
}

/** The mechanism this client connection chose from the offer; undefined when none was (or no SASL was seen). */
export function usedSaslMechanism(connection: object): string | undefined {
  return chosen.get(connection);
}
