/**
 * --send-url / --recv-url: which endpoint each worker's connections get, pure. The spread is by the connection's
 * number over the whole run, so a shard's connections go where the unsharded run's would.
 */
import { describe, expect, it } from 'vitest';
import { assignWorkers, type RunFacts, type SideEndpoints } from '../../src/coordinator/worker-assignments.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';
import type { Endpoint } from '../../src/protocol/worker-messages.js';

const at = (port: number, tls = false): Endpoint => ({ host: '127.0.0.1', port, tls });
const SIDES: SideEndpoints = { send: [at(1), at(2), at(3)], receive: [at(10, true)] };
const INPUT: PlanInput = {
  runId: 'r1',
  sendUrl: ['amqp://127.0.0.1:1/q', 'amqp://127.0.0.1:2', 'amqp://127.0.0.1:3'],
  recvUrl: 'amqps://127.0.0.1:10',
  senders: 2,
  connections: 2,
};

function facts(): RunFacts {
  return { measure: true, ledger: true, slowPerMessageUs: 0, progress: new SharedArrayBuffer(64) };
}

/** `s0:1,2 s1:3,1 r0:10,10`: each worker and its connections' ports. */
function ports(input: PlanInput): string {
  return assignWorkers(resolvePlan(input), at(1), facts(), SIDES)
    .map((w) => `${w.workerId}:${(w.connectionEndpoints ?? []).map((e) => e.port).join(',')}`)
    .join(' ');
}

describe('side endpoints', () => {
  it('give each side its own URLs, connections round-robin worker by worker', () => {
    expect(ports(INPUT)).toBe('s0:1,2 s1:3,1 r0:10,10');
  });

  it('send a shard connection where the unsharded run sends it', () => {
    const whole = new Map<string, number>();
    for (const w of assignWorkers(resolvePlan(INPUT), at(1), facts(), SIDES))
      w.connections.forEach((links, i) => {
        whole.set(`${w.role}:${links[0].producer}`, w.connectionEndpoints![i].port);
      });
    for (const shardIndex of [0, 1]) {
      const part = assignWorkers(resolvePlan({ ...INPUT, shards: 2, shardIndex }), at(1), facts(), SIDES);
      for (const w of part)
        w.connections.forEach((links, i) => {
          expect(w.connectionEndpoints![i].port).toBe(whole.get(`${w.role}:${links[0].producer}`));
        });
      expect(part.length).toBeGreaterThan(0);
    }
  });

  it('leave workers without per-connection endpoints when the run has one URL', () => {
    const workers = assignWorkers(resolvePlan({ runId: 'r1', url: 'amqp://127.0.0.1:1/q' }), at(1), facts());
    expect(workers.every((w) => w.connectionEndpoints === undefined)).toBe(true);
  });
});
