/** Parsers for commander options: each throws a one-line usage error. */
import { InvalidArgumentError } from 'commander';
import { SalvoError } from '../errors.js';
import { PLAN_DEFAULTS } from '../plan/index.js';

/** The help text of a broker URL argument (run, capacity, calibrate): the address may be left out. */
export const URL_HELP = `amqp[s]://[user:pass@]host[:port][/address] (no address: ${PLAN_DEFAULTS.address})`;

export function integerIn(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}

export const portNumber = integerIn(0, 65535);

/** `alice:secret,bob:pw` -> { alice: 'secret', bob: 'pw' }. */
export function userList(value: string): Record<string, string> {
  const users: Record<string, string> = {};
  for (const entry of value.split(',')) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) {
      // Never echo the value: it holds passwords. Commander would quote the whole argument
      // in front of an InvalidArgumentError's text, so this is a SalvoError instead (exit 2 too).
      throw new SalvoError(
        'usage',
        "option '--users <list>': expected name:password[,name:password...] (value not shown)",
      );
    }
    users[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  return users;
}
