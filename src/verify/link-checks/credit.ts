/**
 * Promise 10: no transfer beyond the credit a consumer gave, and a drain is
 * answered. With MESSAGES on the queue, a consumer grants a quarter of them
 * and must get exactly that many; then it asks for twice what is left with
 * drain set, and must get the rest and a flow that ends the drain.
 */
import { describeError } from '../../errors.js';
import { ProbeSession, StepTimeout } from '../../probe/links.js';
import type { ScenarioJudgement } from '../judge.js';
import {
  fill,
  handConsumer,
  type LinkScenario,
  type LinkTarget,
  MESSAGES,
  STEP_MS,
  take,
  withConnection,
} from './common.js';

const GRANTED = MESSAGES / 4;

export const CREDIT: readonly LinkScenario[] = [{ label: 'credit then drain', run: creditThenDrain }];

async function creditThenDrain(target: LinkTarget): Promise<ScenarioJudgement> {
  const address = target.address();
  return withConnection(target, async (connection) => {
    await fill(connection, address);
    const session = new ProbeSession(connection, STEP_MS);
    try {
      const receiver = await handConsumer(session, address);
      receiver.link.add_credit(GRANTED);
      // Everything that comes within the quiet time: a broker past the credit sends more.
      const first = await take(receiver, MESSAGES);
      const counts: Record<string, number> = { attempted: MESSAGES, credit: GRANTED, transfers: first.length };
      for (const message of first) receiver.deliveryOf(message)?.accept();
      if (first.length > GRANTED)
        return {
          status: 'broken',
          evidence: `${first.length} transfers for a credit of ${GRANTED} (${MESSAGES} on the queue)`,
          counts,
        };
      if (first.length === 0) return { status: 'not run', evidence: `no transfer for a credit of ${GRANTED}`, counts };
      const left = MESSAGES - first.length;
      const drained = session.wait<void>('the answer to a drain', (resolve) => {
        const onDrained = (): void => resolve();
        receiver.link.on('receiver_drained', onDrained);
        return () => receiver.link.removeListener('receiver_drained', onDrained);
      });
      receiver.link.add_credit(left * 2);
      receiver.link.drain_credit();
      const unanswered = await drained.then(
        () => undefined,
        (error: unknown) =>
          error instanceof StepTimeout
            ? `not answered within ${STEP_MS / 1000} s`
            : `answered by an error: ${firstWords(describeError(error))}`,
      );
      counts.drainAnswered = unanswered === undefined ? 1 : 0;
      if (unanswered !== undefined)
        return { status: 'broken', evidence: `a drain with ${left * 2} credit was ${unanswered}`, counts };
      const rest = await take(receiver, MESSAGES);
      counts.drainedTransfers = rest.length;
      return {
        status: 'kept',
        evidence: `${first.length} transfers for a credit of ${GRANTED}; a drain got the other ${rest.length} and its answer`,
        counts,
      };
    } finally {
      session.close();
    }
  });
}

/** A broker's error can be a page long (RabbitMQ's Erlang stack): the table gets its start. */
function firstWords(text: string): string {
  const limit = 120;
  return text.length <= limit ? text : `${text.slice(0, limit)}...`;
}
