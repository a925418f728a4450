import { describe, expect, it } from 'vitest';
import { assignWorkers, ledgerKept, targetEndpoint, type RunFacts } from '../../src/coordinator/worker-assignments.js';
import { resolvePlan, type Plan, type PlanInput, type UrlTarget } from '../../src/plan/index.js';
import type { Endpoint } from '../../src/protocol/worker-messages.js';

const ENDPOINT: Endpoint = { host: '127.0.0.1', port: 5672, tls: false };

function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return { measure: true, ledger: true, slowPerMessageUs: 0, progress: new SharedArrayBuffer(8), ...overrides };
}

function plan(input: PlanInput): Plan {
  return resolvePlan({ runId: 'r1', ...input });
}

describe('assignWorkers', () => {
  it('gives every worker connections x links, senders first, slots in order', () => {
    const p = plan({ senders: '3', receivers: '2', connections: '2', links: '3' });
    const assignments = assignWorkers(p, ENDPOINT, facts());
    expect(assignments.map((a) => `${a.role}:${a.workerId}:${a.slot}`)).toEqual([
      'sender:s0:0',
      'sender:s1:1',
      'sender:s2:2',
      'receiver:r0:3',
      'receiver:r1:4',
    ]);
    for (const assignment of assignments) {
      expect(assignment.connections).toHaveLength(2);
      expect(assignment.connections.every((links) => links.length === 3)).toBe(true);
    }
  });

  it("splits --rate so that the links' rates sum to it exactly, and --count to the message", () => {
    const p = plan({ rate: '1000', count: '1001', senders: '3', links: '2' });
    const assignments = assignWorkers(p, ENDPOINT, facts());
    const links = assignments.filter((a) => a.role === 'sender').flatMap((a) => a.connections.flat());
    expect(links).toHaveLength(6);
    expect(links.reduce((sum, l) => sum + (l.rateHz ?? 0), 0)).toBeCloseTo(1000, 9);
    expect(links.reduce((sum, l) => sum + (l.count ?? 0), 0)).toBe(1001);
    const receiverLinks = assignments.filter((a) => a.role === 'receiver').flatMap((a) => a.connections.flat());
    expect(receiverLinks.every((l) => l.rateHz === null && l.count === null)).toBe(true);
  });

  it('gives every sender link a producer id of its own under the run id, and receivers the whole list', () => {
    const p = plan({ senders: '2', receivers: '2', connections: '2', links: '2' });
    const assignments = assignWorkers(p, ENDPOINT, facts());
    const senders = assignments.filter((a) => a.role === 'sender');
    const producers = senders.flatMap((a) => a.connections.flat().map((l) => l.producer));
    expect(new Set(producers).size).toBe(8);
    expect(producers.every((p) => p.startsWith('r1/'))).toBe(true);
    for (const receiver of assignments.filter((a) => a.role === 'receiver')) {
      expect(receiver.producers).toEqual(producers);
    }
    for (const sender of senders) expect(sender).not.toHaveProperty('producers');
  });

  it("hands every worker the plan's fields, the endpoint and the run's facts", () => {
    const progress = new SharedArrayBuffer(64);
    const p = plan({
      credit: '77',
      maxInFlight: '33',
      bodySize: '512',
      msgDurable: true,
      drainTimeout: '4s',
      foreign: 'release',
    });
    for (const a of assignWorkers(p, ENDPOINT, facts({ progress, slowPerMessageUs: 5 }))) {
      expect(a).toMatchObject({
        endpoint: ENDPOINT,
        settle: p.settle,
        credit: 77,
        maxInFlight: 33,
        bodySize: 512,
        durable: true,
        warmupMs: p.warmupMs,
        drainTimeoutMs: 4000,
        runPrefix: 'r1/',
        warmupByReceipt: false,
        foreign: 'release',
        measure: true,
        ledger: true,
        reconnect: p.reconnect,
        slowPerMessageUs: 5,
      });
      expect(a.progress).toBe(progress);
    }
  });

  it('receive-only: no prefix, warm-up by receipt, no producers to expect', () => {
    const [receiver] = assignWorkers(plan({ senders: '0' }), ENDPOINT, facts());
    expect(receiver).toMatchObject({ role: 'receiver', runPrefix: '', warmupByReceipt: true });
    expect(receiver).not.toHaveProperty('producers');
  });

  it('leaves transactions, selection and rpc out when not planned', () => {
    for (const a of assignWorkers(plan({}), ENDPOINT, facts())) {
      for (const field of ['transactions', 'messageProperties', 'recvSelector', 'rpc']) {
        expect(a).not.toHaveProperty(field);
      }
    }
  });

  it('gives senders --tx-size and receivers --recv-tx-size, each side its own', () => {
    const both = assignWorkers(plan({ txSize: '10', recvTxSize: '5' }), ENDPOINT, facts());
    expect(both.find((a) => a.role === 'sender')?.transactions).toMatchObject({ size: 10 });
    expect(both.find((a) => a.role === 'receiver')?.transactions).toMatchObject({ size: 5 });
    const sendOnly = assignWorkers(plan({ txSize: '10' }), ENDPOINT, facts());
    expect(sendOnly.find((a) => a.role === 'receiver')).not.toHaveProperty('transactions');
  });

  it('gives every worker --msg-property and --recv-selector', () => {
    const p = plan({ msgProperty: ['colour=choice(red,green)'], recvSelector: "colour = 'green'" });
    for (const a of assignWorkers(p, ENDPOINT, facts())) {
      expect(a.messageProperties).toEqual(p.messageProperties);
      expect(a.recvSelector).toBe("colour = 'green'");
    }
  });

  it('rpc: every worker knows the plan and how many requester links there are; no ledger', () => {
    const p = plan({ pattern: 'rpc', senders: '2', connections: '2', links: '3' });
    for (const a of assignWorkers(p, ENDPOINT, facts())) {
      expect(a.rpc).toEqual({ ...p.rpc, requesterLinks: 12 });
      expect(a.ledger).toBe(false);
      expect(a).not.toHaveProperty('producers');
    }
  });

  it('keeps no ledger without measuring or with --no-ledger', () => {
    const bare = assignWorkers(plan({}), ENDPOINT, facts({ measure: false }));
    expect(bare.every((a) => !a.ledger && !a.measure)).toBe(true);
    const unledgered = assignWorkers(plan({}), ENDPOINT, facts({ ledger: false }));
    expect(unledgered.every((a) => !a.ledger && a.measure)).toBe(true);
    expect(ledgerKept(plan({}), { measure: true, ledger: true })).toBe(true);
  });
});

describe('targetEndpoint', () => {
  it("takes the URL's host, port and credentials, and only the amqps options that were given", () => {
    const target: UrlTarget = {
      kind: 'url',
      url: 'amqps://u@h:5671',
      scheme: 'amqps',
      host: 'h',
      port: 5671,
      user: 'u',
      password: 'p',
    };
    expect(targetEndpoint(target, { caFile: 'ca.pem', certFile: undefined, verifyHost: false })).toEqual({
      host: 'h',
      port: 5671,
      tls: true,
      user: 'u',
      password: 'p',
      caFile: 'ca.pem',
      verifyHost: false,
    });
    const plain: UrlTarget = { kind: 'url', url: 'amqp://h:5672', scheme: 'amqp', host: 'h', port: 5672 };
    expect(targetEndpoint(plain, {})).toEqual({ host: 'h', port: 5672, tls: false });
  });
});

describe('assignWorkers with --subscriptions', () => {
  it('every worker learns the topic; shared when a subscription has more than one consuming link', () => {
    const shared = assignWorkers(plan({ receivers: '8', subscriptions: '4' }), ENDPOINT, facts());
    expect(shared.map((a) => a.topic)).toEqual(
      Array.from({ length: 9 }, () => ({ subscriptions: 4, durable: false, shared: true })),
    );
    const receivers = shared.filter((a) => a.role === 'receiver');
    expect(receivers.map((a) => a.connections[0][0].subscription)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    const alone = assignWorkers(plan({ receivers: '4', subscriptions: '4' }), ENDPOINT, facts());
    expect(alone[0].topic).toEqual({ subscriptions: 4, durable: false, shared: false });
    expect(assignWorkers(plan({}), ENDPOINT, facts())[0].topic).toBeUndefined();
  });
});
