/** How --subscriptions asks each broker for a topic: the forms checked against Artemis, RabbitMQ and Classic. */
import { describe, expect, it } from 'vitest';
import { sharedProblem, subscriptionName, topicSource, topicTarget } from '../../src/amqp/topic-terminus.js';

const link = { topic: 'orders', subscription: 1, durable: true, consumer: 'run/r0.c0.l1' };

describe('topic terminus', () => {
  it('capability (Artemis, salvo broker): multicast capability, a shared global subscription by link name', () => {
    expect(topicTarget('capability', 'orders')).toEqual({ address: 'orders', capabilities: ['topic'] });
    expect(topicSource('capability', link)).toEqual({
      name: 'orders.sub2|run/r0.c0.l1',
      source: { address: 'orders', capabilities: ['topic', 'shared', 'global'], durable: 2, expiry_policy: 'never' },
    });
    expect(subscriptionName('orders', 0)).toBe('orders.sub1');
  });

  it('ActiveMQ Classic: a virtual topic and its Consumer.<sub> queues', () => {
    expect(topicTarget('virtual-topic', 'orders').address).toBe('topic://VirtualTopic.orders');
    expect(topicSource('virtual-topic', link).source.address).toBe('queue://Consumer.sub2.VirtualTopic.orders');
  });

  it('RabbitMQ: /topic/ for both sides, and no competing consumers on a subscription', () => {
    expect(topicTarget('rabbitmq', 'orders').address).toBe('/topic/orders');
    expect(topicSource('rabbitmq', link).source.address).toBe('/topic/orders');
    expect(sharedProblem('rabbitmq')).toContain('cannot have competing consumers');
    expect(sharedProblem('capability')).toBeNull();
  });
});
