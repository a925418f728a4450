/**
 * The embedded broker's topics over real AMQP links (rhea clients): the
 * attach terms that make a subscription, a durable one resumed after its
 * link detached (closed=false), ended by closed=true; an address is a queue
 * or a topic, never both.
 */
import type { Connection } from 'rhea';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, collect, connect, openReceiver, openSender, refusal } from '../helpers/amqp.js';
import { useBroker } from '../helpers/broker.js';

const broker = useBroker();
afterEach(closeClients);

async function publish(connection: Connection, address: string, bodies: string[]): Promise<void> {
  const sender = await openSender(connection, { target: { address, capabilities: ['topic'] } });
  for (const body of bodies) sender.send({ body });
}

describe('embedded broker topics', () => {
  it('every subscription gets every message; a plain consumer on a topic address gets a subscription too', async () => {
    const c = await connect(broker().url);
    const a = await openReceiver(c, { source: { address: 't.fan', capabilities: ['topic'] } });
    const b = await openReceiver(c, { source: { address: 't.fan' } });
    await publish(c, 't.fan', ['1', '2', '3']);
    const [gotA, gotB] = await Promise.all([collect(a, 3), collect(b, 3)]);
    expect(gotA.map((r) => r.message.body)).toEqual(['1', '2', '3']);
    expect(gotB.map((r) => r.message.body)).toEqual(['1', '2', '3']);
    expect(a.source.capabilities).toContain('topic');
  });

  it('a durable subscription keeps messages while detached (closed=false) and ends on closed=true', async () => {
    const c = await connect(broker().url);
    const durable = { address: 't.durable', capabilities: ['topic', 'shared'], durable: 2, expiry_policy: 'never' };
    const first = await openReceiver(c, { name: 'sub-d', source: durable });
    first.detach();
    await new Promise((resolve) => first.once('receiver_close', resolve));
    await publish(c, 't.durable', ['kept']);
    const back = await openReceiver(c, { name: 'sub-d', source: durable });
    expect((await collect(back, 1)).map((r) => r.message.body)).toEqual(['kept']);
    back.close();
    await new Promise((resolve) => back.once('receiver_close', resolve));
    await publish(c, 't.durable', ['gone']);
    const stats = await broker().stats();
    expect(stats.queues.map((q) => q.address)).not.toContain('t.durable::sub-d');
  });

  it('a queue attached as a topic is refused with precondition-failed', async () => {
    const c = await connect(broker().url);
    await openSender(c, { target: { address: 'q.plain' } });
    const refused = await refusal(c.open_receiver({ source: { address: 'q.plain', capabilities: ['topic'] } }));
    expect(refused).toEqual({
      condition: 'amqp:precondition-failed',
      description: 'address q.plain is a queue, not a topic',
    });
  });
});
