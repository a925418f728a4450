import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignWorkers, type RunFacts } from '../../src/coordinator/worker-assignments.js';
import { resolvePlan, type Plan, type PlanInput } from '../../src/plan/index.js';
import { planHash, shardParts, withShards } from '../../src/plan/shards.js';
import type { Endpoint, LinkAssignment } from '../../src/protocol/worker-messages.js';

const ENDPOINT: Endpoint = { host: '127.0.0.1', port: 5672, tls: false };
const URL = 'amqp://127.0.0.1:5672/q';

function facts(): RunFacts {
  return { measure: true, ledger: true, slowPerMessageUs: 0, progress: new SharedArrayBuffer(8) };
}

/** Every link of the assignments, keyed by its id, with what makes it the link it is. */
function links(plan: Plan): Map<string, LinkAssignment & { role: string }> {
  const found = new Map<string, LinkAssignment & { role: string }>();
  for (const worker of assignWorkers(plan, ENDPOINT, facts()))
    for (const link of worker.connections.flat()) {
      expect(found.has(link.producer)).toBe(false);
      found.set(link.producer, { ...link, role: worker.role });
    }
  return found;
}

const shapes = fc
  .record({
    senders: fc.integer({ min: 1, max: 4 }),
    receivers: fc.integer({ min: 0, max: 4 }),
    connections: fc.integer({ min: 1, max: 3 }),
    links: fc.integer({ min: 1, max: 3 }),
    addresses: fc.integer({ min: 1, max: 2 }),
    count: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    // Integer rates, and binary fractions like 2.5 or 0.75: multiples of the split's 2^-20 msg/s step.
    rate: fc.option(
      fc.tuple(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 0, max: 4 })).map(([n, k]) => n / 2 ** k),
      { nil: undefined },
    ),
    shards: fc.integer({ min: 1, max: 8 }),
  })
  // --addresses that the links cannot cover is refused unsharded already (worker-shapes.test.ts).
  .filter(
    (s) =>
      s.senders * s.connections * s.links >= s.addresses &&
      (s.receivers === 0 || s.receivers * s.connections * s.links >= s.addresses),
  );

type Shape = typeof shapes extends fc.Arbitrary<infer T> ? T : never;

function inputOf(shape: Shape): PlanInput {
  return {
    runId: 'r1',
    url: URL,
    senders: String(shape.senders),
    receivers: String(shape.receivers),
    connections: String(shape.connections),
    links: String(shape.links),
    addresses: String(shape.addresses),
    ...(shape.count !== undefined ? { count: String(shape.count) } : { duration: '10s' }),
    ...(shape.rate !== undefined ? { rate: String(shape.rate) } : {}),
  };
}

/** Whether the shape's plan can be split: every role present has a link per shard, and a message per shard. */
function splittable(shape: Shape): boolean {
  const per = shape.connections * shape.links;
  if (shape.senders > 0 && (shape.senders * per < shape.shards || (shape.count ?? Infinity) < shape.shards))
    return false;
  return shape.receivers === 0 || shape.receivers * per >= shape.shards;
}

describe('shard parts', () => {
  it("the shards' links together are the unsharded plan's, each once, alike in id, count, rate and address", () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const input = inputOf(shape);
        const whole = resolvePlan(input);
        if (!splittable(shape)) {
          expect(() => withShards(whole, { ...input, shards: String(shape.shards), shardIndex: '0' })).toThrow(
            /--shards \d+ needs/,
          );
          return;
        }
        const expected = links(whole);
        const union = new Map<string, unknown>();
        for (let index = 0; index < shape.shards; index++) {
          const part = withShards(whole, { ...input, shards: String(shape.shards), shardIndex: String(index) });
          const own = links(part);
          expect(own.size).toBeGreaterThan(0);
          for (const [id, link] of own) {
            expect(union.has(id)).toBe(false);
            union.set(id, link);
          }
        }
        expect(union).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it("the shards' rates sum exactly to --rate and their counts to --count", () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        if (!splittable(shape)) return;
        const plan = resolvePlan(inputOf(shape));
        const parts = shardParts(plan, shape.shards);
        const rates = parts.map((p) => p.rateHz ?? 0).reduce((a, b) => a + b, 0);
        expect(rates).toBe(plan.rateHz ?? 0);
        const counts = parts.map((p) => p.count ?? 0).reduce((a, b) => a + b, 0);
        expect(counts).toBe(plan.count ?? 0);
        // Sizes differ by at most one link.
        const sizes = parts.map((p) => p.senderLinks.to - p.senderLinks.from);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it("every shard's receivers know every producer of the run: they take other shards' messages", () => {
    const input = { runId: 'r1', url: URL, senders: '3', receivers: '3', count: '300' };
    const whole = resolvePlan(input);
    const part = withShards(whole, { ...input, shards: '3', shardIndex: '2' });
    const assignments = assignWorkers(part, ENDPOINT, facts());
    expect(assignments.map((a) => a.workerId)).toEqual(['s2', 'r2']);
    expect(assignments[1].producers).toEqual(['r1/s0.c0.l0', 'r1/s1.c0.l0', 'r1/s2.c0.l0']);
    expect(part.outputDir).toBe('results/r1/shard-2');
  });

  it('refuses a plan whose parts cannot be split, naming why', () => {
    const whole = resolvePlan({ runId: 'r1', url: URL, senders: '2' });
    expect(() => withShards(whole, { runId: 'r1', shards: '4', shardIndex: '0' })).toThrow(
      '--shards 4 needs at least 4 sender links, one a shard; senders x connections x links gives 2',
    );
    const few = resolvePlan({ runId: 'r1', url: URL, senders: '4', receivers: '4', count: '3' });
    expect(() => withShards(few, { runId: 'r1', shards: '4', shardIndex: '0' })).toThrow(
      '--shards 4 needs --count of at least 4, one message a shard, got 3',
    );
    const embedded = resolvePlan({ runId: 'r1', senders: '2', receivers: '2' });
    expect(() => withShards(embedded, { runId: 'r1', shards: '2' })).toThrow('--shards needs a broker URL');
    const unnamed = resolvePlan({ url: URL, senders: '2', receivers: '2' });
    expect(() => withShards(unnamed, { shards: '2' })).toThrow('--shards needs --run-id');
    const plan = resolvePlan({ runId: 'r1', url: URL, senders: '2', receivers: '2' });
    expect(() => withShards(plan, { runId: 'r1', shards: '2', shardIndex: '2' })).toThrow(
      '--shard-index must be an integer from 0 to 1 (--shards 2), got "2"',
    );
    expect(() => withShards(plan, { runId: 'r1', shardIndex: '1' })).toThrow('--shard-index needs --shards');
    const ttl = resolvePlan({ runId: 'r1', url: URL, senders: '2', receivers: '2', msgTtl: '1s' });
    expect(() => withShards(ttl, { runId: 'r1', shards: '2', shardIndex: '0' })).toThrow(
      '--shards cannot be combined with --msg-ttl yet',
    );
  });
});

describe('planHash', () => {
  it('is the same for every shard and every N, and changes with the workload', () => {
    const input = { runId: 'r1', url: URL, senders: '6', receivers: '6', rate: '600', duration: '5s' };
    const whole = resolvePlan(input);
    const hashes = new Set<string>([planHash(whole)]);
    for (const shards of [1, 2, 3, 6])
      for (let index = 0; index < shards; index++)
        hashes.add(planHash(withShards(whole, { ...input, shards: String(shards), shardIndex: String(index) })));
    expect(hashes.size).toBe(1);
    expect(planHash(resolvePlan({ ...input, runId: 'other', output: '/tmp/x' }))).toBe(planHash(whole));
    expect(planHash(resolvePlan({ ...input, rate: '601' }))).not.toBe(planHash(whole));
    expect(planHash(whole)).toMatch(/^[0-9a-f]{16}$/);
  });
});
