/**
 * Where the probe sends: fresh addresses named for the capability under test.
 * RabbitMQ 3.x names queues `/queue/NAME` in AMQP 1.0, so against it (known
 * from the `product` property of its open frame) every address gets that
 * prefix; `--address-prefix` overrides the guess for any broker.
 */
import { randomBytes } from 'node:crypto';

export const RABBITMQ_PREFIX = '/queue/';

/** The prefix to use for a broker whose open frame carried these properties. */
export function defaultAddressPrefix(properties: Record<string, unknown> | undefined): string {
  const product = properties?.product;
  return typeof product === 'string' && /rabbitmq/i.test(product) ? RABBITMQ_PREFIX : '';
}

/** A random run id: 8 hex digits, so concurrent probes never share a queue. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** `<prefix>salvo.probe.<run>.<capability>` */
export function probeAddress(prefix: string, runId: string, capability: string): string {
  return `${prefix}salvo.probe.${runId}.${capability}`;
}
