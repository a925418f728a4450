/**
 * Promise 9: deliveries a consumer holds unsettled come back to the queue
 * when it goes away: its link detached, its session ended, its connection
 * dropped (the socket destroyed, no close frame). Another consumer must then
 * get every one of them.
 */
import { connect, disconnect } from '../../amqp/connect.js';
import { destroySocket } from '../../amqp/rhea-patches/index.js';
import { ProbeSession } from '../../probe/links.js';
import type { ScenarioJudgement } from '../judge.js';
import {
  drainQueue,
  examples,
  fill,
  handConsumer,
  type LinkScenario,
  type LinkTarget,
  MESSAGES,
  missingOf,
  STEP_MS,
  take,
  withConnection,
} from './common.js';

type Leaving = 'link detached' | 'session ended' | 'connection dropped';

export const UNSETTLED_RETURN: readonly LinkScenario[] = (
  ['link detached', 'session ended', 'connection dropped'] as const
).map((how) => ({ label: how, run: (target: LinkTarget) => holdThenLeave(target, how) }));

async function holdThenLeave(target: LinkTarget, how: Leaving): Promise<ScenarioJudgement> {
  const address = target.address();
  return withConnection(target, async (connection) => {
    await fill(connection, address);
    const holder = await connect(target.url, { timeoutMs: STEP_MS });
    let held: number;
    try {
      const session = new ProbeSession(holder, STEP_MS);
      const receiver = await handConsumer(session, address);
      receiver.link.add_credit(MESSAGES);
      held = (await take(receiver, MESSAGES)).length;
      if (how === 'link detached') receiver.link.close();
      else if (how === 'session ended') session.close();
      else destroySocket(holder);
    } finally {
      // After a drop this only frees the client's side.
      await disconnect(holder);
    }
    const counts: Record<string, number> = { attempted: MESSAGES, held };
    if (held === 0) return { status: 'not run', evidence: 'the consumer got none of the messages to hold', counts };
    const back = await drainQueue(connection, address);
    const { missing, distinct } = missingOf(back);
    Object.assign(counts, { received: distinct, lost: missing.length });
    if (missing.length > 0)
      return {
        status: 'broken',
        evidence: `lost ${missing.length}${examples(missing)} of ${held} held unsettled when the ${how.split(' ')[0]} went`,
        counts,
      };
    return { status: 'kept', evidence: `${held} held unsettled, all ${distinct} delivered again`, counts };
  });
}
