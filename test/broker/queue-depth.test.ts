/**
 * A queue at depth: selector consumers taking a few messages from the middle of a deep
 * queue, flow after flow. The cost is counted in selector evaluations, not timed: each
 * queued message should be tested about once per consumer, not once per flow.
 */
import { describe, expect, test } from 'vitest';
import { Queue } from '../../src/broker/queue.js';
import type { Consumer } from '../../src/broker/queue.js';
import { StoredMessage } from '../../src/broker/stored-message.js';
import { MessageList } from '../../src/broker/message-list.js';

class CountingConsumer implements Consumer {
  credit = 0;
  tests = 0;
  readonly got: StoredMessage[] = [];
  constructor(readonly accepts: ((message: StoredMessage) => boolean) | null) {
    if (accepts) {
      const inner = accepts;
      this.accepts = (message) => {
        this.tests++;
        return inner(message);
      };
    }
  }
  available(): number {
    return this.credit;
  }
  deliver(message: StoredMessage): void {
    this.credit--;
    this.got.push(message);
  }
}

const tiny = Buffer.from([0x00, 0x53, 0x77, 0x40]);

function filledQueue(depth: number): Queue {
  const queue = new Queue('deep', 0);
  for (let i = 0; i < depth; i++) queue.enqueue(new StoredMessage(tiny));
  return queue;
}

describe('selector consumers on a deep queue', () => {
  test('1,000 selective takes from a 200k-deep queue in 100 flows test each message about once', () => {
    const depth = 200_000;
    const queue = filledQueue(depth);
    // Every 200th message matches: 1,000 of them, spread through the queue.
    const consumer = new CountingConsumer((m) => m.seq % 200 === 0);
    queue.addConsumer(consumer);
    for (let flow = 0; flow < 100; flow++) {
      consumer.credit += 10;
      queue.dispatch();
    }
    expect(consumer.got).toHaveLength(1000);
    expect(consumer.got.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => (i + 1) * 200));
    expect(queue.depth).toBe(depth - 1000);
    // Rescanning from the head at every flow would be ~10 million tests.
    expect(consumer.tests).toBeLessThanOrEqual(depth * 1.1);
  });

  test('a message put back at the head is tested again (a redelivery can change what matches)', () => {
    const queue = filledQueue(10);
    const taken = new CountingConsumer(null);
    queue.addConsumer(taken);
    taken.credit = 1;
    queue.dispatch();
    const [first] = taken.got;
    queue.removeConsumer(taken);
    const selective = new CountingConsumer((m) => m.deliveryCount > 0);
    queue.addConsumer(selective);
    selective.credit = 5;
    queue.dispatch();
    expect(selective.got).toHaveLength(0);
    first.countFailedDelivery();
    queue.giveBack([first]);
    expect(selective.got).toEqual([first]);
  });

  test('two selector consumers with different selectors each get exactly theirs, in order', () => {
    const queue = filledQueue(3000);
    const even = new CountingConsumer((m) => m.seq % 2 === 0);
    const threes = new CountingConsumer((m) => m.seq % 3 === 0 && m.seq % 2 !== 0);
    queue.addConsumer(even);
    queue.addConsumer(threes);
    for (let flow = 0; flow < 30; flow++) {
      even.credit += 50;
      threes.credit += 17;
      queue.dispatch();
    }
    expect(even.got.map((m) => m.seq)).toEqual(Array.from({ length: 1500 }, (_, i) => (i + 1) * 2));
    expect(threes.got).toHaveLength(500);
    expect(threes.got.every((m) => m.seq % 3 === 0 && m.seq % 2 !== 0)).toBe(true);
    expect(queue.depth).toBe(1000);
  });

  test('messages that arrive while selector consumers wait are matched as they come', () => {
    const queue = filledQueue(1000);
    const consumer = new CountingConsumer((m) => m.seq > 1000);
    queue.addConsumer(consumer);
    consumer.credit = 100;
    queue.dispatch();
    for (let i = 0; i < 50; i++) queue.enqueue(new StoredMessage(tiny));
    expect(consumer.got.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1001 + i));
    expect(consumer.tests).toBeLessThanOrEqual(1100);
  });
});

describe('MessageList', () => {
  test('taking from the middle leaves positions of the others unchanged until a compaction', () => {
    const list = new MessageList<{ n: number }>();
    for (let n = 0; n < 5000; n++) list.push({ n });
    const generation = list.generation;
    expect(list.take(list.start + 10).n).toBe(10);
    expect(list.at(list.start + 11)?.n).toBe(11);
    expect(list.at(list.start + 10)).toBeNull();
    expect(list.length).toBe(4999);
    expect(list.generation).toBe(generation);
    let position = list.start + 11;
    for (let n = 11; n < 4000; n++) {
      const before = list.generation;
      expect(list.take(position).n).toBe(n);
      position++;
      // Renumbered: find the next one again from the head.
      if (list.generation !== before) for (position = list.start; list.at(position)?.n !== n + 1; position++);
    }
    // Holes outnumber messages: squeezed out, positions renumbered.
    expect(list.generation).not.toBe(generation);
    expect(list.length).toBe(1010);
    const order: number[] = [];
    for (let item = list.shift(); item; item = list.shift()) order.push(item.n);
    expect(order).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 1000 }, (_, i) => 4000 + i),
    ]);
  });
});

describe('what a queued message keeps', () => {
  test('the decoded copy kept for selectors and routing leaves the body out', async () => {
    const { encodeMessage } = await import('../../src/amqp/rhea-patches/index.js');
    const payload = encodeMessage({
      to: 'orders',
      application_properties: { colour: 'green' },
      body: Buffer.alloc(1 << 20, 7),
    });
    const message = new StoredMessage(payload);
    const fields = message.decoded();
    expect(fields.to).toBe('orders');
    expect(fields.application_properties).toEqual({ colour: 'green' });
    expect(fields.body).toBeUndefined();
    // The stored bytes, still whole, are what gets forwarded.
    expect(message.bytesToSend().length).toBe(payload.length);
  });
});
