/**
 * priority: whether the broker delivers higher priority first. Sends COUNT
 * messages with priority LOW, then COUNT with priority HIGH, to a fresh queue
 * with no consumer, then receives them all.
 *   the HIGH ones arrive first     -> yes
 *   arrival order (LOW first)      -> ignored (the header is carried, not acted on)
 *   a mixture                      -> no (with the order seen)
 * RabbitMQ honours priority only on queues declared with x-max-priority,
 * which an AMQP 1.0 client cannot declare; ActiveMQ Classic only with
 * prioritizedMessages on the destination.
 */
import type { Message } from 'rhea';
import { newTag, probeMessage } from '../messages.js';
import type { Check } from '../types.js';

const COUNT = 5;
const LOW = 1;
const HIGH = 8;

export const priorityCheck: Check = {
  name: 'priority',
  async run(context) {
    const address = context.address('priority');
    const session = context.session();
    const sender = await session.openSender({ target: { address } });
    for (const priority of [LOW, HIGH]) {
      for (let i = 0; i < COUNT; i++) {
        const message = probeMessage(newTag(`priority-${priority}`), { p: priority }, { priority });
        const outcome = await session.send(sender, message);
        if (outcome !== 'accepted') return { status: 'error', detail: `a priority ${priority} message got ${outcome}` };
      }
    }
    const receiver = await session.openReceiver({ source: { address }, credit_window: 2 * COUNT });
    const order: number[] = [];
    for (let i = 0; i < 2 * COUNT; i++) {
      const message = await receiver.next();
      if (message === undefined) break;
      order.push(priorityOf(message));
    }
    receiver.link.close();
    const seen = `received ${order.join(',') || 'nothing'}`;
    if (order.length < 2 * COUNT)
      return { status: 'error', detail: `${order.length} of ${2 * COUNT} arrived (${seen})` };
    const highFirst = order.slice(0, COUNT).every((p) => p === HIGH);
    const arrivalOrder = order.slice(0, COUNT).every((p) => p === LOW);
    const what = `${COUNT} of priority ${LOW} queued, then ${COUNT} of priority ${HIGH}; ${seen}`;
    if (highFirst) return { status: 'yes', detail: what };
    if (arrivalOrder) return { status: 'ignored', detail: `${what} (arrival order)` };
    return { status: 'no', detail: `${what} (neither priority nor arrival order)` };
  },
};

function priorityOf(message: Message): number {
  const p = (message.application_properties as Record<string, unknown> | undefined)?.p;
  return typeof p === 'number' ? p : -1;
}
