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
  /** lose-released=1: a released or modified message is dropped instead of queued again; present only when given. */
  loseReleased?: true;
  /**
   * forget-unsettled=1: what a consumer held unsettled when it went (link detached, session ended, connection gone)
   * is dropped instead of queued again; present only when given.
   */
  forgetUnsettled?: true;
  /** ignore-drain=1: a consumer's drain is never answered; present only when given. */
  ignoreDrain?: true;
  /**
   * queue=ADDRESS: drop, dup and reorder happen only to messages put on this queue (a topic's subscription queue is
   * `<topic>::<subscription>`, src/broker/topic.ts); present only when given. Without it, they happen as a producer's
   * message is accepted, before any fan-out.
   */
  queue?: string;
  /** ignore-ttl=1: messages are delivered past their ttl instead of expiring; present only when given. */
  ignoreTtl?: true;
  seed: number;
}

/** What the broker did, by its own count. */
export interface ChaosCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Present only with `leak`. */
  leaked?: number;
  /** Released or modified messages dropped; present only with `lose-released`. */
  unreturned?: number;
  /** Unsettled messages of departed consumers dropped; present only with `forget-unsettled`. */
  forgotten?: number;
  /** Drains not answered; present only with `ignore-drain`. */
  drainsIgnored?: number;
  /** Expired messages delivered all the same (at hand-out, by the broker's clock); present only with `ignore-ttl`. */
  ttlIgnored?: number;
}

const FAULTS = ['drop', 'dup', 'reorder', 'leak'] as const;
/** Not shares of messages but switches (name=1 or name=0): each breaks one promise of `salvo verify`. */
const SWITCHES = {
  'ignore-selector': 'ignoreSelector',
  'lose-released': 'loseReleased',
  'forget-unsettled': 'forgetUnsettled',
  'ignore-drain': 'ignoreDrain',
  'ignore-ttl': 'ignoreTtl',
} as const;
type Switch = (typeof SWITCHES)[keyof typeof SWITCHES];
type Fault = (typeof FAULTS)[number];

/** `drop=0.01,dup=0.01,reorder=0,leak=0` into rates; one usage line naming the bad token otherwise. */
export function parseChaosSpec(spec: string, seed: number, option = '--chaos'): ChaosOptions {
  const rates: Record<Fault, number> = { drop: 0, dup: 0, reorder: 0, leak: 0 };
  let leakGiven = false;
  const switches = new Set<Switch>();
  let queue: string | undefined;
  const tokens = spec.split(',').map((token) => token.trim());
  for (const token of tokens) {
    const [name, value, ...rest] = token.split('=');
    const bad = (why: string): SalvoError => new SalvoError('usage', `${option}: ${JSON.stringify(token)}: ${why}`);
    if (name === 'queue') {
      const address = token.slice('queue='.length);
      if (value === undefined || address === '') throw bad('expected queue=ADDRESS, e.g. queue=orders::orders.sub2');
      queue = address;
      continue;
    }
    if (Object.hasOwn(SWITCHES, name)) {
      if (rest.length > 0 || (value !== '0' && value !== '1')) throw bad(`expected ${name}=1 (or 0)`);
      const key = SWITCHES[name as keyof typeof SWITCHES];
      if (value === '1') switches.add(key);
      else switches.delete(key);
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
    ...Object.fromEntries([...switches].map((key) => [key, true as const])),
    ...(queue !== undefined ? { queue } : {}),
    seed,
  };
}
