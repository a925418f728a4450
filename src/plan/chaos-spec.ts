/**
 * The grammar of --broker-chaos (and `salvo broker --chaos`): what the
 * embedded broker is told to do wrong on purpose, as shares of accepted
 * messages. The broker's runtime (src/broker/chaos.ts) carries it out.
 */
import { SalvoError } from '../errors.js';

/** Shares of accepted messages (0..1 each, summing to at most 1) and the generator's seed. */
export interface ChaosOptions {
  drop: number;
  dup: number;
  reorder: number;
  /** Share of messages posted in rolled-back transactions enqueued anyway; present only when given. */
  leak?: number;
  /**
   * ignore-selector=1: consumers' selectors are accepted on attach, then not applied (a broker that ignores them);
   * present only when given.
   */
  ignoreSelector?: true;
  seed: number;
}

/** What the broker did, by its own count. */
export interface ChaosCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Present only with `leak`. */
  leaked?: number;
}

const FAULTS = ['drop', 'dup', 'reorder', 'leak'] as const;
/** Not a share of messages but a switch: the selector-run self-test. */
const IGNORE_SELECTOR = 'ignore-selector';
type Fault = (typeof FAULTS)[number];

/** `drop=0.01,dup=0.01,reorder=0,leak=0` into rates; one usage line naming the bad token otherwise. */
export function parseChaosSpec(spec: string, seed: number, option = '--chaos'): ChaosOptions {
  const rates: Record<Fault, number> = { drop: 0, dup: 0, reorder: 0, leak: 0 };
  let leakGiven = false;
  let ignoreSelector = false;
  const tokens = spec.split(',').map((token) => token.trim());
  for (const token of tokens) {
    const [name, value, ...rest] = token.split('=');
    const bad = (why: string): SalvoError => new SalvoError('usage', `${option}: ${JSON.stringify(token)}: ${why}`);
    if (name === IGNORE_SELECTOR) {
      if (rest.length > 0 || (value !== '0' && value !== '1')) throw bad('expected ignore-selector=1 (or 0)');
      ignoreSelector = value === '1';
      continue;
    }
    if (!(FAULTS as readonly string[]).includes(name))
      throw bad(`unknown fault ${JSON.stringify(name)} (${FAULTS.join(', ')})`);
    const rate = value === undefined || rest.length > 0 || value.trim() === '' ? NaN : Number(value);
    if (!(rate >= 0 && rate <= 1)) throw bad('expected a rate from 0 to 1, e.g. drop=0.01');
    rates[name as Fault] = rate;
    if (name === 'leak') leakGiven = true;
  }
  if (rates.drop + rates.dup + rates.reorder > 1) {
    throw new SalvoError('usage', `${option}: ${JSON.stringify(spec)}: the rates add up to more than 1`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SalvoError(
      'usage',
      `--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(String(seed))}`,
    );
  }
  const { leak, ...afterAcceptance } = rates;
  return {
    ...afterAcceptance,
    ...(leakGiven ? { leak } : {}),
    ...(ignoreSelector ? { ignoreSelector: true as const } : {}),
    seed,
  };
}
