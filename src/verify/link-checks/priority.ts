/**
 * Promise 16: from a backlog, higher priority first. MESSAGES / 2 messages of
 * priority LOW, then as many of priority HIGH, go to a fresh queue with no
 * consumer; a consumer then takes them all. Kept when every HIGH one comes
 * before every LOW one; "not kept" otherwise (AMQP lets a broker ignore
 * priority, and RabbitMQ honours it only on queues declared with
 * x-max-priority, which an AMQP 1.0 client cannot declare).
 */
import type { Message } from 'rhea';
import { ProbeSession } from '../../probe/links.js';
import type { ScenarioJudgement } from '../judge.js';
import { type LinkScenario, type LinkTarget, MESSAGES, STEP_MS, take, withConnection } from './common.js';

const LOW = 1;
const HIGH = 8;
const EACH = MESSAGES / 2;
const PRIORITY = 'salvo-verify-priority';

export const PRIORITY_SCENARIOS: readonly LinkScenario[] = [{ label: 'a backlog, low then high', run: highFirst }];

async function highFirst(target: LinkTarget): Promise<ScenarioJudgement> {
  const address = target.address();
  return withConnection(target, async (connection) => {
    const session = new ProbeSession(connection, STEP_MS);
    try {
      const sender = await session.openSender({ target: { address } });
      for (const priority of [LOW, HIGH])
        for (let n = 0; n < EACH; n++) {
          const message = { priority, application_properties: { [PRIORITY]: priority }, body: `p=${priority}` };
          const outcome = await session.send(sender, message);
          if (outcome !== 'accepted') throw new Error(`a priority ${priority} message got ${outcome}, not accepted`);
        }
      const receiver = await session.openReceiver({ source: { address }, credit_window: MESSAGES });
      const got = (await take(receiver, MESSAGES)).map(priorityOf);
      const counts: Record<string, number> = { attempted: MESSAGES, received: got.length };
      if (got.length < MESSAGES)
        return { status: 'not run', evidence: `${got.length} of ${MESSAGES} messages came back`, counts };
      // Low-priority messages delivered while a high one still waited: each one out of priority order.
      const lastHigh = got.lastIndexOf(HIGH);
      const early = got.slice(0, lastHigh).filter((p) => p === LOW).length;
      counts.lowBeforeHigh = early;
      const order = `${EACH} of priority ${LOW} queued, then ${EACH} of ${HIGH}; received ${runs(got)}`;
      return early === 0
        ? { status: 'kept', evidence: order, counts }
        : { status: 'not kept', evidence: `${order}: ${early} low before a high`, counts };
    } finally {
      session.close();
    }
  });
}

function priorityOf(message: Message): number {
  const p = (message.application_properties as Record<string, unknown> | undefined)?.[PRIORITY];
  return typeof p === 'number' ? p : -1;
}

/** `8 x10, 1 x10`: the order in runs of one priority. */
function runs(order: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j] === order[i]) j++;
    parts.push(`${order[i]} x${j - i}`);
    i = j;
  }
  return parts.join(', ');
}
