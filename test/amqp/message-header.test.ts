/**
 * --msg-ttl and --msg-priority in the message template: the header carries
 * the ttl, and the priority byte found once is where a per-message priority
 * is written, whatever else the header and the message hold.
 */
import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../../src/amqp/message-template.js';
import { PropertyRing } from '../../src/amqp/property-template.js';
import { resolvePlan } from '../../src/plan/index.js';

const decode = (bytes: Buffer): { priority?: number; ttl?: number; durable?: boolean } =>
  rhea.message.decode(bytes) as unknown as { priority?: number; ttl?: number; durable?: boolean };

describe('the message header', () => {
  it.each([
    { durable: false, priority: 4 },
    { durable: true, priority: 0 },
    { durable: true, ttlMs: 500, priority: 9 },
    { durable: false, ttlMs: 4_000_000_000, priority: 3 },
  ])('%j: ttl in the header, the priority byte writable per message', (header) => {
    const template = buildTemplate({ producer: 'p', bodySize: 10, ...header });
    expect(template.priorityOffset).toBeGreaterThan(0);
    const copy = Buffer.from(template.bytes);
    for (const priority of [0, 5, 9]) {
      copy[template.priorityOffset] = priority;
      const message = decode(copy);
      expect(message.priority).toBe(priority);
      expect(message.ttl).toBe(header.ttlMs);
      expect(message.durable ?? false).toBe(header.durable);
    }
  });

  it('no priority: no header priority and no offset', () => {
    const template = buildTemplate({ producer: 'p', bodySize: 10, durable: false, ttlMs: 100 });
    expect(template.priorityOffset).toBe(-1);
    expect(decode(template.bytes).priority).toBeUndefined();
    expect(decode(template.bytes).ttl).toBe(100);
  });

  it('every --msg-property variant has its priority byte at the same offset', () => {
    const plan = resolvePlan({ runId: 'x', msgProperty: ['colour=choice(green,red)', 'n=seq'] });
    const header = { bodySize: 10, durable: true, ttlMs: 250, priority: 2 };
    const base = buildTemplate({ producer: 'p', ...header });
    const ring = new PropertyRing(plan.messageProperties!, 'p', header, 4);
    for (let seq = 1; seq <= 4; seq++) {
      const bytes = ring.stamp(seq, 0, 0);
      bytes[base.priorityOffset] = 7;
      expect(decode(bytes).priority).toBe(7);
      expect(decode(bytes).ttl).toBe(250);
    }
  });
});
