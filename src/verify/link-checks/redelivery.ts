/**
 * Promise 8: a released message is delivered again, and a modified one
 * (delivery-failed, undeliverable-here) too, to another consumer, with its
 * delivery-count raised. The first consumer has credit for exactly the
 * messages on the queue, so nothing can come back to it.
 */
import type { Message } from 'rhea';
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
  numberOf,
  STEP_MS,
  take,
  withConnection,
} from './common.js';

type Outcome = 'released' | 'modified';

export const REDELIVERY: readonly LinkScenario[] = (['released', 'modified'] as const).map((outcome) => ({
  label: outcome === 'released' ? 'released' : 'modified (failed, undeliverable here)',
  run: (target: LinkTarget) => settleThenTake(target, outcome),
}));

async function settleThenTake(target: LinkTarget, outcome: Outcome): Promise<ScenarioJudgement> {
  const address = target.address();
  return withConnection(target, async (connection) => {
    await fill(connection, address);
    const session = new ProbeSession(connection, STEP_MS);
    let settled: number;
    try {
      const first = await handConsumer(session, address);
      first.link.add_credit(MESSAGES);
      const got = await take(first, MESSAGES);
      for (const message of got) {
        const delivery = first.deliveryOf(message);
        if (outcome === 'released') delivery?.release();
        else delivery?.modified({ delivery_failed: true, undeliverable_here: true });
      }
      settled = got.length;
      // Let the dispositions go out before the second consumer attaches.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const counts: Record<string, number> = { attempted: MESSAGES, [outcome]: settled };
      if (settled === 0) return { status: 'not run', evidence: 'the first consumer got no message', counts };
      const again = await drainQueue(connection, address);
      const { missing, distinct } = missingOf(again);
      const notCounted = outcome === 'modified' ? again.filter((m) => !deliveryCountRose(m)).map(numberOf) : [];
      Object.assign(counts, { received: distinct, lost: missing.length, deliveryCountNotRaised: notCounted.length });
      const broke: string[] = [];
      if (missing.length > 0) broke.push(`not delivered again ${missing.length}${examples(missing)}`);
      if (notCounted.length > 0)
        broke.push(`delivery-count not raised ${notCounted.length}${examples(notCounted.filter(isNumber))}`);
      if (broke.length > 0) return { status: 'broken', evidence: `${broke.join(', ')}; ${settled} ${outcome}`, counts };
      const raised = outcome === 'modified' ? ', each with its delivery-count raised' : '';
      return { status: 'kept', evidence: `${settled} ${outcome}, all ${distinct} delivered again${raised}`, counts };
    } finally {
      session.close();
    }
  });
}

function deliveryCountRose(message: Message): boolean {
  return (message.delivery_count ?? 0) > 0;
}

function isNumber(n: number | undefined): n is number {
  return n !== undefined;
}
