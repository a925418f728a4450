/**
 * shared-subscriptions: two consumers of one subscription, attached as
 * salvo's --subscriptions attaches them, must compete: 4 messages published
 * arrive once each over the two, not once at each.
 *   every message once over both     -> yes
 *   a message at both consumers      -> no (each consumer is a subscription of its own)
 *   some message never arrives       -> no
 *   an attach refused                -> refused
 */
import type { Message } from 'rhea';
import { dialectOf, topicSource, topicTarget } from '../../amqp/topic-terminus.js';
import { AttachRefused, type ProbeReceiver } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';
import { topicName } from './topic-name.js';

const MESSAGES = 4;
/** After every message arrived once: how long more copies may take to show (they come with the first ones). */
const LATE_COPY_MS = 300;

export const sharedSubscriptionsCheck: Check = {
  name: 'shared-subscriptions',
  async run(context) {
    const topic = topicName(context.address('shared-subscriptions'));
    const dialect = dialectOf(context.connection);
    const session = context.session();
    try {
      const link = { topic, subscription: 0, durable: false };
      const consumers = [
        await session.openReceiver({ ...topicSource(dialect, { ...link, consumer: '1' }), credit_window: 10 }),
        await session.openReceiver({ ...topicSource(dialect, { ...link, consumer: '2' }), credit_window: 10 }),
      ];
      const sender = await session.openSender({ target: topicTarget(dialect, topic) });
      const tags = Array.from({ length: MESSAGES }, (_, i) => newTag(`shared-${i}`));
      for (const tag of tags) {
        const outcome = await session.send(sender, probeMessage(tag, {}));
        if (outcome !== 'accepted') return { status: 'error', detail: `publish got ${outcome}, not accepted` };
      }
      const counts = await countArrivals(consumers, new Set(tags), context.stepTimeoutMs);
      const copies = [...counts.values()].reduce((a, b) => a + b, 0);
      if (counts.size < MESSAGES)
        return { status: 'no', detail: `${counts.size} of ${MESSAGES} published messages reached the subscription` };
      if (copies > MESSAGES)
        return {
          status: 'no',
          detail: `${copies} copies of ${MESSAGES} messages over 2 consumers: each consumer is a subscription of its own`,
        };
      return { status: 'yes', detail: `${MESSAGES} messages, once each over 2 competing consumers (${dialect})` };
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      return { status: 'refused', detail: `shared subscription attach refused: ${error.message}` };
    }
  },
};

/** Copies of each tag over the consumers: until every tag arrived (or time ran out), then a moment for late copies. */
async function countArrivals(
  consumers: ProbeReceiver[],
  tags: ReadonlySet<string>,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const note = (message: Message | undefined): void => {
    const tag = message && tagOf(message);
    if (tag !== undefined && tags.has(tag)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  };
  const deadline = Date.now() + timeoutMs;
  while (counts.size < tags.size && Date.now() < deadline)
    for (const consumer of consumers) note(await consumer.next(Math.min(50, Math.max(1, deadline - Date.now()))));
  for (const consumer of consumers)
    for (let message = await consumer.next(LATE_COPY_MS); message; message = await consumer.next(LATE_COPY_MS))
      note(message);
  return counts;
}
