/**
 * selector-depth: whether a selector finds a match behind many messages it
 * does not match. Sends DEPTH non-matching messages and then one matching
 * one to a fresh queue, and receives with the selector.
 *
 * ActiveMQ Classic looks for a selector's matches only in the page of the
 * queue it has in memory (maxPageSize, 200 by default): once that page holds
 * no match, the consumer stalls while matching messages wait behind it, and a
 * `--recv-selector` run calls them lost. The non-matching messages are taken
 * by a plain receiver at the end, so nothing is left behind.
 *   the match arrives                   -> yes
 *   it does not, within the wait         -> no
 *   the selector is not applied/refused  -> n/a (the selector row says why)
 */
import { performance } from 'node:perf_hooks';
import type { Delivery, Message } from 'rhea';
import { AttachRefused, selectorFilter } from '../links.js';
import type { ProbeReceiver, ProbeSession } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';
import { SELECTOR } from './selector.js';

/** More than Classic's default page of 200. */
const DEPTH = 300;
/** How long the match is waited for: a broker that scans the queue delivers it in milliseconds. */
const MATCH_WAIT_MS = 3000;

export const selectorDepthCheck: Check = {
  name: 'selector-depth',
  async run(context) {
    const address = context.address('selector-depth');
    const session = context.session();
    const sender = await session.openSender({ target: { address } });
    const green = newTag('selector-depth-green');
    const refused = await sendAll(session, sender, [
      ...Array.from({ length: DEPTH }, () => probeMessage(newTag('selector-depth-red'), { color: 'red' })),
      probeMessage(green, { color: 'green' }),
    ]);
    if (refused !== undefined) return { status: 'error', detail: refused };
    let receiver: ProbeReceiver;
    try {
      // One credit: exactly one message can arrive, so the count left for the drain is known.
      receiver = await session.openReceiver({
        source: { address, filter: selectorFilter(SELECTOR) },
        credit_window: 0,
      });
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      await drain(session, address, DEPTH + 1);
      return { status: 'n/a', detail: `attach with a selector refused: ${error.message}` };
    }
    receiver.link.add_credit(1);
    const startMs = performance.now();
    const waitMs = Math.min(MATCH_WAIT_MS, context.stepTimeoutMs);
    const first = await receiver.next(waitMs);
    const waitedMs = Math.round(performance.now() - startMs);
    receiver.link.close();
    const matched = first !== undefined && tagOf(first) === green;
    await drain(session, address, DEPTH + (matched ? 0 : 1) - (first !== undefined && !matched ? 1 : 0));
    if (first !== undefined && !matched)
      return { status: 'n/a', detail: `the selector is not applied (a ${colorOf(first)} message arrived first)` };
    if (matched) return { status: 'yes', detail: `the match behind ${DEPTH} others arrived in ${waitedMs} ms` };
    return {
      status: 'no',
      detail:
        `the match behind ${DEPTH} non-matching messages did not arrive within ${waitMs} ms: the broker looks ` +
        'for matches only near the head of the queue (ActiveMQ Classic: maxPageSize, 200 by default); a ' +
        '--recv-selector run would stall, with such messages not delivered though still queued',
    };
  },
};

/** Sends every message (as credit allows) and waits for every outcome; a line if any is not accepted. */
async function sendAll(
  session: ProbeSession,
  sender: Parameters<ProbeSession['send']>[0],
  messages: Message[],
): Promise<string | undefined> {
  const deliveries: Delivery[] = [];
  for (const message of messages) {
    await session.credit(sender);
    deliveries.push(sender.send(message));
  }
  const outcomes = await Promise.all(deliveries.map((d) => session.outcome(sender, d, 'the outcome of a send')));
  const bad = outcomes.find((outcome) => outcome !== 'accepted');
  return bad === undefined ? undefined : `a message got ${bad}, not accepted`;
}

/** Takes `count` messages off the queue with a plain receiver, so that the probe leaves nothing behind. */
async function drain(session: ProbeSession, address: string, count: number): Promise<void> {
  const receiver = await session.openReceiver({ source: { address }, credit_window: 100 });
  for (let taken = 0; taken < count; taken++) if ((await receiver.next()) === undefined) break;
  receiver.link.close();
}

function colorOf(message: Message): string {
  const color = (message.application_properties as Record<string, unknown> | undefined)?.color;
  return typeof color === 'string' ? color : 'other';
}
