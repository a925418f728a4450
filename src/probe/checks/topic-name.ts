/**
 * A topic's bare name from a probe address: the probe prefixes addresses for
 * queues (`/queue/` on RabbitMQ), and a topic is asked for in its own form
 * (src/amqp/topic-terminus.ts).
 */
export function topicName(address: string): string {
  return address.slice(address.lastIndexOf('/') + 1);
}
