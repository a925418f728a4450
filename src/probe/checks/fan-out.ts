/**
 * fan-out: a topic with two subscriptions attached, asked the way salvo's
 * --subscriptions asks this broker (src/amqp/topic-terminus.ts); one message
 * published to it must reach both.
 *   both receive it          -> yes
 *   one or none receives it  -> no
 *   an attach refused        -> refused
 */
import { dialectOf, topicSource, topicTarget } from '../../amqp/topic-terminus.js';
import { AttachRefused } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';
import { topicName } from './topic-name.js';

export const fanOutCheck: Check = {
  name: 'fan-out',
  async run(context) {
    const topic = topicName(context.address('fan-out'));
    const dialect = dialectOf(context.connection);
    const session = context.session();
    try {
      const subscribers = [];
      for (const subscription of [0, 1])
        subscribers.push(
          await session.openReceiver({
            ...topicSource(dialect, { topic, subscription, durable: false, consumer: '1' }),
            credit_window: 10,
          }),
        );
      const sender = await session.openSender({ target: topicTarget(dialect, topic) });
      const tag = newTag('fan-out');
      const outcome = await session.send(sender, probeMessage(tag, {}));
      if (outcome !== 'accepted') return { status: 'no', detail: `publish to the topic got ${outcome}, not accepted` };
      const got = [];
      for (const subscriber of subscribers) got.push((await subscriber.until((m) => tagOf(m) === tag)).found);
      const reached = got.filter((found) => found !== undefined).length;
      const how = `${dialect} (${topicTarget(dialect, topic).address})`;
      if (reached < 2) return { status: 'no', detail: `${how}: ${reached} of 2 subscriptions received the message` };
      return { status: 'yes', detail: `${how}: both subscriptions received the message` };
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      return { status: 'refused', detail: `topic attach refused: ${error.message}` };
    }
  },
};
