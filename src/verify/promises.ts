/**
 * The promises `salvo verify` checks: for each, what it claims, the seeded
 * and bounded runs that test it (plain `salvo run` inputs), and which of the
 * verdict's categories break it. Data, not code: battery.ts runs them,
 * judge.ts reads their results, offered.ts asks the probe whether the broker
 * offers them at all. Promises 8-10 are checked on links instead
 * (link-checks/).
 *
 * Each promise judges only its own claim, so that a broker that breaks one
 * thing breaks only the promises that claim it: a broker that drops messages
 * breaks every promise of delivery, but not "at-most-once never duplicates"
 * nor "per-producer order"; one that duplicates breaks only the former.
 */
import type { Category } from '../ledger/index.js';
import type { PlanInput } from '../plan/index.js';

/** What a promise's runs are judged on. */
export type Claim =
  /** every accepted (or committed) message received: lost, unexpected, corrupted 0 */
  | 'delivery'
  /** nothing received twice: duplicated, unexpected, corrupted 0 (losses only reported) */
  | 'no-duplicates'
  /** each producer's messages in order on one consumer: reordered 0, else "not kept" (not every broker promises it) */
  | 'order'
  /** committed batches whole, rolled-back ones never: ghost, partial batch, lost, unexpected, corrupted 0 */
  | 'atomic'
  /** only matching messages to the filtered consumer, none lost: selector mismatches 0, lost 0 */
  | 'selector'
  /**
   * --msg-ttl with a late consumer: every missing message expired (past its ttl), none lost, none received past its
   * ttl; some must have expired, or nothing was measured
   */
  | 'expiry'
  /** higher priority delivered first from a backlog: else "not kept" (not every broker promises it) */
  | 'priority'
  /** --pattern rpc: every request answered (resent ones too), none unanswered or unmatched, requests = replies + unanswered */
  | 'answered';

/** The verdict categories that break each claim (the selector claim adds the selection's mismatches). */
export const BREAKS: Record<Claim, readonly Category[]> = {
  delivery: ['lost', 'unexpected', 'corrupted'],
  'no-duplicates': ['duplicated', 'unexpected', 'corrupted'],
  order: ['reordered'],
  atomic: ['ghost', 'partialBatch', 'lost', 'unexpected', 'corrupted'],
  selector: ['lost', 'unexpected', 'corrupted'],
  expiry: ['lost', 'receivedExpired', 'unexpected', 'corrupted'],
  // Judged on the link check's own order (link-checks/priority.ts).
  priority: [],
  // Judged on the requesters' counts, not on a ledger (judge.ts).
  answered: [],
};

/** A fault a scenario injects; a scenario in which none was injected measured nothing of its promise. */
export type InjectedKind = 'reset' | 'blackhole' | 'broker-restart';

export interface Scenario {
  /** Short, in evidence and in the result folder: `no faults`, `through resets`. */
  label: string;
  /** The run as `salvo run` takes it; the battery adds the URL, seed, chaos, output and run id. */
  input: PlanInput;
  /** The fault this scenario is about: at least one must have been injected and felt. */
  needs?: InjectedKind;
}

export type Size = 'quick' | 'full';

export interface PromiseSpec {
  /** Its number in the issue and the docs (1..16). */
  number: number;
  /** Its name for --only / --skip and in --json. */
  id: string;
  /** The table's first column. */
  title: string;
  claim: Claim;
  /** The runs; absent: salvo has no scenario for it yet (then `notRunWhy` says so), or it is checked on links. */
  scenarios?: (size: Size, restartCommand: string | undefined) => Scenario[];
  /**
   * Checked by driving links directly (link-checks/, each judging itself), not by `salvo run`s: promises 8, 9, 10,
   * which salvo's workers cannot exercise (they never release, walk away holding deliveries, or drain).
   */
  onLinks?: true;
  notRunWhy?: string;
  /** Needs --restart-command (and a URL): skipped without it. */
  needsRestartCommand?: true;
}

/** Messages per count-bounded run. */
const COUNT: Record<Size, number> = { quick: 2_000, full: 20_000 };
/** Length of a run under faults: a reset every second gives two, or nine. */
const FAULTED_MS: Record<Size, number> = { quick: 3_000, full: 10_000 };
/** Open-loop rate under faults: slow enough that a 2-core host keeps up, fast enough to have messages in flight. */
const FAULTED_RATE_HZ = 500;

function counted(size: Size, extra: PlanInput = {}): PlanInput {
  return { count: COUNT[size], ...extra };
}

/** An open-loop run of a fixed length, every message measured, with FAULTS injected. */
function faulted(size: Size, faults: string, extra: PlanInput = {}): PlanInput {
  return { rate: FAULTED_RATE_HZ, duration: `${FAULTED_MS[size]}ms`, warmup: '0s', faults, ...extra };
}

const RESETS = 'reset every 1s';
const ONE_LINK: PlanInput = { senders: 1, receivers: 1, connections: 1, links: 1 };
/** A seeded fifth of the batches rolled back: the runs have both kinds to check. */
const TX: PlanInput = { txSize: 10, txRollbackRatio: 0.2 };
/**
 * Requests and replies: each requester link's replies to a dynamic node of its own. A request unanswered for 3 s is
 * given up (a reset costs well under that), so that one a broker dropped does not hold the run for the 10 s default.
 */
const RPC: PlanInput = { pattern: 'rpc', rpcTimeout: '3s' };
const RECV_TX: PlanInput = { recvTxSize: 10, recvTxRollbackRatio: 0.2 };
/**
 * A late consumer: messages with a 1 s ttl at 500/s, receivers taking nothing for the first 2.5 s (quick) or 5 s
 * (full), so the oldest of the backlog expire while those sent from 1.5 s (4 s) on are still live when consumption
 * starts, and the rest of the run is consumed as it comes: something must expire, and nothing may be lost.
 */
function lateConsumer(size: Size): PlanInput {
  const [duration, late] = size === 'quick' ? ['4s', '2500ms'] : ['8s', '5s'];
  // A credit of 100: a backlog handed out a thousand at once takes long to arrive on a busy host, and a message the
  // broker handed out just in time would arrive past its ttl.
  return { rate: FAULTED_RATE_HZ, duration, warmup: '0s', msgTtl: '1s', recvStartAfter: late, credit: 100 };
}
const SELECTOR: PlanInput = { msgProperty: ['colour=choice(green,red,blue)'], recvSelector: "colour = 'green'" };
export const LARGE_BODY_BYTES = 1024 * 1024;

export const PROMISES: readonly PromiseSpec[] = [
  {
    number: 1,
    id: 'at-least-once',
    title: 'at-least-once, no faults',
    claim: 'delivery',
    scenarios: (size) => [{ label: 'no faults', input: counted(size) }],
  },
  {
    number: 2,
    id: 'resets',
    title: 'at-least-once through connection resets',
    claim: 'delivery',
    scenarios: (size) => [{ label: 'through resets', input: faulted(size, RESETS), needs: 'reset' }],
  },
  {
    number: 3,
    id: 'partition',
    title: 'at-least-once through a partition',
    claim: 'delivery',
    scenarios: (size) => [
      {
        label: 'through a partition',
        input: faulted(size, size === 'quick' ? 'blackhole 1500ms at 1s' : 'blackhole 3s at 3s'),
        needs: 'blackhole',
      },
    ],
  },
  {
    number: 4,
    id: 'restart',
    title: 'durable messages survive a broker restart',
    claim: 'delivery',
    needsRestartCommand: true,
    scenarios: (size, restartCommand) => [
      {
        label: 'across a restart',
        input: {
          rate: 200,
          duration: size === 'quick' ? '8s' : '20s',
          warmup: '0s',
          msgDurable: true,
          faults: 'broker-restart at 3s',
          ...(restartCommand !== undefined ? { restartCommand } : {}),
          drainTimeout: '15s',
          // A real broker may take most of a minute to start again (RabbitMQ: about 40 s here).
          reconnectGiveUp: '120s',
        },
        needs: 'broker-restart',
      },
    ],
  },
  {
    number: 5,
    id: 'at-most-once',
    title: 'at-most-once never duplicates',
    claim: 'no-duplicates',
    scenarios: (size) => [
      { label: 'no faults', input: counted(size, { linkAtMostOnce: true }) },
      // Losses are expected under resets: a short drain, since nothing lost in flight will come.
      {
        label: 'through resets',
        input: faulted(size, RESETS, { linkAtMostOnce: true, drainTimeout: '2s' }),
        needs: 'reset',
      },
    ],
  },
  {
    number: 6,
    id: 'order',
    title: 'per-producer order, one queue, one consumer',
    claim: 'order',
    scenarios: (size) => [{ label: 'one link each way', input: counted(size, ONE_LINK) }],
  },
  {
    number: 7,
    id: 'transactions',
    title: 'transactions are atomic',
    claim: 'atomic',
    scenarios: (size) => [
      { label: 'send, commit or roll back', input: counted(size, TX) },
      { label: 'send through resets', input: faulted(size, RESETS, TX), needs: 'reset' },
      { label: 'receive, roll back', input: counted(size, RECV_TX) },
    ],
  },
  {
    number: 8,
    id: 'redelivery',
    title: 'released and modified messages delivered again',
    claim: 'delivery',
    onLinks: true,
  },
  {
    number: 9,
    id: 'unsettled-return',
    title: 'unsettled deliveries come back when a consumer goes',
    claim: 'delivery',
    onLinks: true,
  },
  {
    number: 10,
    id: 'credit',
    title: 'credit respected, drain answered',
    claim: 'delivery',
    onLinks: true,
  },
  {
    number: 11,
    id: 'selectors',
    title: 'selectors applied',
    claim: 'selector',
    scenarios: (size) => [{ label: "colour = 'green'", input: counted(size, SELECTOR) }],
  },
  {
    number: 12,
    id: 'large-messages',
    title: 'large messages (1 MiB) intact',
    claim: 'delivery',
    scenarios: (size) => [
      {
        label: '1 MiB bodies',
        input: { count: size === 'quick' ? 20 : 100, bodySize: LARGE_BODY_BYTES, maxInFlight: 10, credit: 10 },
      },
    ],
  },
  {
    number: 13,
    id: 'rpc',
    title: 'request/response, also through resets',
    claim: 'answered',
    scenarios: (size) => [
      { label: 'no faults', input: counted(size, RPC) },
      // Requests left outstanding by a reset go again to the requester's new reply node.
      { label: 'through resets', input: faulted(size, RESETS, RPC), needs: 'reset' },
    ],
  },
  {
    number: 14,
    id: 'many-links',
    title: 'many connections and links',
    claim: 'delivery',
    scenarios: (size) => {
      const [connections, links] = size === 'quick' ? [10, 10] : [100, 10];
      return [
        {
          label: `${connections} connections x ${links} links each way`,
          input: { count: COUNT[size], connections, links },
        },
      ];
    },
  },
  {
    number: 15,
    id: 'ttl',
    title: 'message ttl honoured',
    claim: 'expiry',
    scenarios: (size) => [{ label: 'a late consumer, ttl 1s', input: lateConsumer(size) }],
  },
  {
    number: 16,
    id: 'priority',
    title: 'higher priority delivered first',
    claim: 'priority',
    onLinks: true,
  },
];

/** A promise named by its id or its number; undefined when neither. */
export function promiseNamed(name: string): PromiseSpec | undefined {
  const text = name.trim();
  return PROMISES.find((p) => p.id === text || String(p.number) === text);
}
