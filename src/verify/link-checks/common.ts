/**
 * What the link-level promises (8, 9, 10) share: a few messages put on a
 * fresh queue and numbered, a consumer that settles by hand, and reading a
 * queue until it is quiet. These are not `salvo run`s: salvo's receivers
 * never release, modify, walk away holding deliveries or count transfers
 * against their credit, so each check drives its links itself, through the
 * probe's bounded session helpers.
 */
import type { Connection, Message } from 'rhea';
import { connect, disconnect } from '../../amqp/connect.js';
import type { AmqpUrl } from '../../plan/index.js';
import { type ProbeReceiver, ProbeSession } from '../../probe/links.js';
import type { ScenarioJudgement } from '../judge.js';

/** Messages each check puts on its queue: enough to see a pattern, few enough to send one by one. */
export const MESSAGES = 20;
/** A queue is taken as drained once no message came for this long. */
const QUIET_MS = 1_000;
/** Bound on each wait (connect, attach, outcome). */
export const STEP_MS = 5_000;
/** The application property that numbers a check's messages. */
const NUMBER = 'salvo-verify-n';

export interface LinkTarget {
  url: AmqpUrl;
  /** A fresh address for one check. */
  address: () => string;
}

export interface LinkScenario {
  label: string;
  run(target: LinkTarget): Promise<ScenarioJudgement>;
}

/** A connection for the length of `body`, closed after whatever it does. */
export async function withConnection<T>(target: LinkTarget, body: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(target.url, { timeoutMs: STEP_MS });
  try {
    return await body(connection);
  } finally {
    await disconnect(connection);
  }
}

/** Puts MESSAGES numbered messages on `address`, each accepted, or throws. */
export async function fill(connection: Connection, address: string): Promise<void> {
  const session = new ProbeSession(connection, STEP_MS);
  try {
    const sender = await session.openSender({ target: { address } });
    for (let n = 1; n <= MESSAGES; n++) {
      const outcome = await session.send(sender, { application_properties: { [NUMBER]: n }, body: `n=${n}` });
      if (outcome !== 'accepted') throw new Error(`message ${n} of ${MESSAGES} got ${outcome}, not accepted`);
    }
  } finally {
    session.close();
  }
}

/** A consumer that settles by hand and gets credit only when asked (no window). */
export async function handConsumer(session: ProbeSession, address: string): Promise<ProbeReceiver> {
  return session.openReceiver({ source: { address }, credit_window: 0, autoaccept: false });
}

/**
 * Up to `n` messages: the first waited for up to STEP_MS (a busy host is slow
 * to start), each later one up to QUIET_MS; `enough` ends it early.
 */
export async function take(
  receiver: ProbeReceiver,
  n: number,
  enough: (got: readonly Message[]) => boolean = () => false,
): Promise<Message[]> {
  const got: Message[] = [];
  while (got.length < n && !enough(got)) {
    const message = await receiver.next(got.length === 0 ? STEP_MS : QUIET_MS);
    if (message === undefined) break;
    got.push(message);
  }
  return got;
}

/** What is on `address` (accepted): until every numbered message came, or none came for QUIET_MS. */
export async function drainQueue(connection: Connection, address: string): Promise<Message[]> {
  const session = new ProbeSession(connection, STEP_MS);
  try {
    const receiver = await session.openReceiver({ source: { address }, credit_window: MESSAGES * 2 });
    return await take(receiver, Number.MAX_SAFE_INTEGER, (got) => missingOf(got).missing.length === 0);
  } finally {
    session.close();
  }
}

export function numberOf(message: Message): number | undefined {
  const n = (message.application_properties as Record<string, unknown> | undefined)?.[NUMBER];
  return typeof n === 'number' ? n : undefined;
}

/** The numbers 1..MESSAGES missing from `messages`, and how many distinct ones came. */
export function missingOf(messages: readonly Message[]): { missing: number[]; distinct: number } {
  const seen = new Set(messages.map(numberOf).filter((n): n is number => n !== undefined));
  const missing: number[] = [];
  for (let n = 1; n <= MESSAGES; n++) if (!seen.has(n)) missing.push(n);
  return { missing, distinct: seen.size };
}

export function examples(numbers: readonly number[]): string {
  return numbers.length === 0 ? '' : ` (e.g. #${numbers.slice(0, 3).join(', #')})`;
}
