/** Parsers for commander options: each throws a one-line usage error. */
import { InvalidArgumentError, Option } from 'commander';
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

/**
 * An option taking a duration, its default (in ms) shown as one is typed, `(default: 10s)`: commander would
 * show the parsed number, `(default: 10000)`, which reads as ten thousand seconds since a bare number is seconds.
 */
export function durationOption(
  flags: string,
  description: string,
  parse: (value: string) => number,
  defaultMs: number,
): Option {
  return new Option(flags, description).argParser(parse).default(defaultMs, durationText(defaultMs));
}

/** 10000 -> `10s`, 500 -> `500ms`, 120000 -> `2m`, 0 -> `0`: the largest unit that is exact. */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
