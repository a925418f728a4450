/** --sasl-mechanisms: the SASL mechanisms salvo speaks, and the option's grammar. */
import { SalvoError } from '../errors.js';

export const SASL_MECHANISMS = ['ANONYMOUS', 'PLAIN', 'EXTERNAL'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** `PLAIN,external` -> ['PLAIN', 'EXTERNAL']; a usage error names what salvo cannot speak. */
export function parseSaslMechanisms(text: string, option = '--sasl-mechanisms'): SaslMechanism[] {
  const names = text
    .split(',')
    .map((name) => name.trim().toUpperCase())
    .filter((name) => name !== '');
  if (names.length === 0)
    throw new SalvoError('usage', `${option}: expected a list such as PLAIN,EXTERNAL, got ${JSON.stringify(text)}`);
  const unknown = names.filter((name) => !(SASL_MECHANISMS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new SalvoError('usage', `${option}: salvo speaks ${SASL_MECHANISMS.join(', ')}, not ${unknown.join(', ')}`);
  }
  return [...new Set(names)] as SaslMechanism[];
}
