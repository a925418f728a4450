/**
 * --subscriptions: how a topic and its subscriptions are asked of the broker
 * at the other end, read from the product its open frame names. Checked
 * against the brokers here (docs/topics.md):
 *
 * - Artemis and salvo's broker: the address with capability `topic`
 *   (multicast); a subscription is a shared, global one (`shared`, `global`)
 *   named by its link name, `<topic>.sub<k>`, so that competing consumers on
 *   any connection, and a consumer that reconnects with a new container id,
 *   share one subscription queue (the link name's part before a `|`). Durable: terminus durable 2
 *   (unsettled-state) and expiry never keep it when its consumers detach.
 * - ActiveMQ Classic: a virtual topic. Senders publish to
 *   `topic://VirtualTopic.<topic>`, subscription k consumes
 *   `queue://Consumer.sub<k>.VirtualTopic.<topic>`: a queue per subscription,
 *   competing consumers on it, kept when they leave (so always durable).
 * - RabbitMQ 3.x (rabbitmq_amqp1_0): `/topic/<topic>` for both; every
 *   consuming link gets a queue of its own, so a subscription is one link.
 *
 * Keyed by link name rather than by container id: container ids stay unique
 * per attempt (workers/container-id.ts; Classic refuses one already
 * connected), and the subscription's identity lives in the link name.
 */
import type { Connection } from 'rhea';

export type TopicDialect = 'capability' | 'virtual-topic' | 'rabbitmq';

export interface TopicLink {
  /** The topic's name as given (the run's address). */
  topic: string;
  /** 0-based. */
  subscription: number;
  durable: boolean;
  /**
   * Tells this consumer's link apart from the subscription's other consumers on the same connection (a link name is
   * unique per connection): the link is named `<subscription>|<consumer>`, and Artemis, like salvo's broker, keys a
   * shared subscription by the part before the `|` (as Qpid JMS names its shared consumers).
   */
  consumer: string;
}

/** The product in the broker's open properties decides; anything unknown is asked the capability way. */
export function dialectOf(connection: Connection): TopicDialect {
  const product = String((connection.properties as Record<string, unknown> | undefined)?.product ?? '');
  if (/rabbitmq/i.test(product)) return 'rabbitmq';
  if (/^activemq$/i.test(product)) return 'virtual-topic';
  return 'capability';
}

/** The subscription's name, as users find it on the broker (1-based, as summaries count them). */
export function subscriptionName(topic: string, subscription: number): string {
  return `${topic}.sub${subscription + 1}`;
}

/** What a producer link's target says to publish to the topic. */
export function topicTarget(dialect: TopicDialect, topic: string): { address: string; capabilities?: string[] } {
  if (dialect === 'rabbitmq') return { address: `/topic/${topic}` };
  if (dialect === 'virtual-topic') return { address: `topic://VirtualTopic.${topic}` };
  return { address: topic, capabilities: ['topic'] };
}

export interface TopicSource {
  /** The link name: the subscription's identity on brokers that key shared subscriptions by it. */
  name?: string;
  source: {
    address: string;
    capabilities?: string[];
    durable?: number;
    expiry_policy?: string;
  };
}

/** What a consuming link asks for to be a consumer of subscription `link.subscription`. */
export function topicSource(dialect: TopicDialect, link: TopicLink): TopicSource {
  const name = subscriptionName(link.topic, link.subscription);
  const durability = link.durable ? { durable: 2, expiry_policy: 'never' } : {};
  if (dialect === 'rabbitmq') return { source: { address: `/topic/${link.topic}`, ...durability } };
  if (dialect === 'virtual-topic')
    return { source: { address: `queue://Consumer.sub${link.subscription + 1}.VirtualTopic.${link.topic}` } };
  return {
    name: `${name}|${link.consumer}`,
    source: { address: link.topic, capabilities: ['topic', 'shared', 'global'], ...durability },
  };
}

/** Why the broker cannot give a subscription several competing consumers, or null when it can. */
export function sharedProblem(dialect: TopicDialect): string | null {
  if (dialect !== 'rabbitmq') return null;
  return (
    "RabbitMQ's AMQP 1.0 plugin gives every consuming link of /topic/ a queue of its own, so a subscription " +
    'cannot have competing consumers: give --subscriptions as many receiver links as there are subscriptions'
  );
}
