/**
 * The embedded broker's multicast addresses alone: every subscription gets
 * a copy of each message (the payload shared, not re-encoded), durable
 * subscriptions outlive their consumers until a closed detach, others go with
 * their last consumer; and the attach terms that ask for them.
 */
import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/broker/queue.js';
import { StoredMessage } from '../../src/broker/stored-message.js';
import { subscriptionKey, subscriptionTerms } from '../../src/broker/terminus.js';
import { Topic } from '../../src/broker/topic.js';

class Sink implements Consumer {
  readonly got: StoredMessage[] = [];
  readonly accepts = null;
  available(): number {
    return 100;
  }
  deliver(message: StoredMessage): void {
    this.got.push(message);
  }
}

describe('Topic', () => {
  it('copies each message to every subscription, sharing its payload', () => {
    const topic = new Topic('orders', 0, () => null);
    const sinks = ['a', 'b', 'c'].map((name) => {
      const sink = new Sink();
      topic.subscribe(name, false).queue.addConsumer(sink);
      return sink;
    });
    const message = new StoredMessage(Buffer.from('payload'));
    topic.enqueue(message);
    for (const sink of sinks) {
      expect(sink.got).toHaveLength(1);
      expect(sink.got[0].payload).toBe(message.payload);
    }
    expect(new Set(sinks.map((s) => s.got[0])).size).toBe(3);
  });

  it('competing consumers of one subscription share its messages', () => {
    const topic = new Topic('orders', 0, () => null);
    const [a, b] = [new Sink(), new Sink()];
    topic.subscribe('s', false).queue.addConsumer(a);
    topic.subscribe('s', false).queue.addConsumer(b);
    for (let i = 0; i < 4; i++) topic.enqueue(new StoredMessage(Buffer.from([i])));
    expect(a.got.length + b.got.length).toBe(4);
    expect(a.got.length).toBe(2);
  });

  it('a durable subscription keeps what is published while it has no consumer; a closed detach ends it', () => {
    const topic = new Topic('orders', 0, () => null);
    const first = new Sink();
    const queue = topic.subscribe('d', true).queue;
    queue.addConsumer(first);
    queue.removeConsumer(first);
    topic.consumerLeft('d', false);
    topic.enqueue(new StoredMessage(Buffer.from('while away')));
    const back = new Sink();
    topic.subscribe('d', true).queue.addConsumer(back);
    expect(back.got.map((m) => m.payload.toString())).toEqual(['while away']);
    topic.subscribe('d', true).queue.removeConsumer(back);
    topic.consumerLeft('d', true);
    expect(topic.subscriptionQueues()).toHaveLength(0);
  });

  it('a non-durable subscription goes with its last consumer: what is published then reaches no one', () => {
    const topic = new Topic('orders', 0, () => null);
    const sink = new Sink();
    const queue = topic.subscribe('n', false).queue;
    queue.addConsumer(sink);
    queue.removeConsumer(sink);
    topic.consumerLeft('n', false);
    expect(topic.subscriptionQueues()).toHaveLength(0);
    expect(topic.isIdle()).toBe(true);
  });
});

describe('subscription attach terms', () => {
  it('capability topic asks for a subscription; shared, durable and expiry never are read', () => {
    expect(subscriptionTerms({ address: 'a' })).toBeNull();
    expect(subscriptionTerms({ address: 'a', capabilities: 'topic' })).toEqual({ shared: false, durable: false });
    expect(subscriptionTerms({ address: 'a', capabilities: ['topic', 'shared'], durable: 2 })).toEqual({
      shared: true,
      durable: true,
    });
    expect(subscriptionTerms({ address: 'a', capabilities: ['topic'], expiry_policy: 'never' })?.durable).toBe(true);
  });

  it('a shared link name names its subscription up to the first |', () => {
    expect(subscriptionKey('orders.sub2|run/r0.c0.l1')).toBe('orders.sub2');
    expect(subscriptionKey('orders.sub2')).toBe('orders.sub2');
  });
});
