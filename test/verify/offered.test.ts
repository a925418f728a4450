/**
 * What the probe makes "not offered": a refusal, or a feature plainly absent;
 * never a feature accepted and then ignored or faked (that is offered, and
 * broken by its run).
 */
import { describe, expect, it } from 'vitest';
import { PROBE_SCHEMA, type CapabilityResult, type ProbeReport } from '../../src/probe/index.js';
import { notOffered } from '../../src/verify/offered.js';

function report(capabilities: CapabilityResult[]): ProbeReport {
  return { schema: PROBE_SCHEMA, url: 'amqp://127.0.0.1:5675', broker: { product: 'RabbitMQ' }, capabilities };
}

describe('notOffered', () => {
  it("RabbitMQ's answers: transactions refused are not offered, a selector echoed and ignored is offered", () => {
    const reasons = notOffered(
      report([
        { name: 'transactions', status: 'refused', detail: 'amqp:not-implemented' },
        { name: 'selector', status: 'ignored', detail: 'filter echoed but not applied' },
        { name: 'durable', status: 'yes', detail: 'accepted; received with durable=true' },
        { name: 'max-message-size', status: 'yes', detail: 'not limited by the broker' },
      ]),
    );
    expect([...reasons.keys()]).toEqual(['transactions']);
    expect(reasons.get('transactions')).toBe('probe transactions: refused, amqp:not-implemented');
  });

  it('a faked transaction, an unanswered check and a selector whose messages did not come are offered', () => {
    const reasons = notOffered(
      report([
        { name: 'transactions', status: 'fake', detail: 'declared, but the rolled-back message arrived' },
        { name: 'selector', status: 'no', detail: 'filter echoed; the matching messages did not arrive (0 of 2)' },
        { name: 'at-most-once', status: 'error', detail: 'no answer within 5 s' },
      ]),
    );
    expect(reasons.size).toBe(0);
  });

  it('a selector not echoed, a durable send not accepted and a size limit below 1 MiB are not offered', () => {
    const reasons = notOffered(
      report([
        { name: 'selector', status: 'no', detail: 'filter not echoed in the attach; 4 of 4 arrived' },
        { name: 'durable', status: 'no', detail: 'durable send got rejected, not accepted' },
        { name: 'max-message-size', status: 'yes', detail: '65536 bytes' },
      ]),
    );
    expect([...reasons.keys()].sort()).toEqual(['large-messages', 'restart', 'selectors']);
    expect(notOffered(report([{ name: 'max-message-size', status: 'yes', detail: '104857600 bytes' }])).size).toBe(0);
  });
});
