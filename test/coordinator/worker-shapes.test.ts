import { describe, expect, it } from 'vitest';
import { shapeWorkers, workerLabel } from '../../src/coordinator/worker-shapes.js';
import { resolvePlan } from '../../src/plan/index.js';

describe('shapeWorkers', () => {
  it('splits 2 senders x 2 connections x 2 links evenly, every address covered', () => {
    const plan = resolvePlan({
      count: '1001',
      senders: '2',
      receivers: '2',
      connections: '2',
      links: '2',
      addresses: '2',
      runId: 'r1',
    });
    const shapes = shapeWorkers(plan);
    const senders = shapes.filter((s) => s.role === 'sender');
    const receivers = shapes.filter((s) => s.role === 'receiver');
    expect(senders).toHaveLength(2);
    expect(receivers).toHaveLength(2);
    const sendLinks = senders.flatMap((s) => s.connections.flat());
    expect(sendLinks).toHaveLength(8);
    const counts = sendLinks.map((l) => l.count as number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1001);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(new Set(sendLinks.map((l) => l.producer)).size).toBe(8);
    expect(sendLinks.every((l) => l.producer.startsWith('r1/'))).toBe(true);
    for (const links of [sendLinks, receivers.flatMap((s) => s.connections.flat())]) {
      expect(new Set(links.map((l) => l.address))).toEqual(new Set(['salvo', 'salvo-1']));
      expect(links.filter((l) => l.address === 'salvo')).toHaveLength(4);
    }
  });

  it('splits --rate across sender links', () => {
    const plan = resolvePlan({ count: '100', rate: '1000', senders: '2', links: '2' });
    const rates = shapeWorkers(plan)
      .filter((s) => s.role === 'sender')
      .flatMap((s) => s.connections.flat())
      .map((l) => l.rateHz);
    expect(rates).toEqual([250, 250, 250, 250]);
  });

  it('refuses more addresses than links can cover', () => {
    const plan = resolvePlan({ count: '100', addresses: '3' });
    expect(() => shapeWorkers(plan)).toThrow(
      '--addresses 3 needs at least as many sender links; senders x connections x links gives 1',
    );
  });

  it('gives receivers no count and senders none when receiving only', () => {
    const plan = resolvePlan({ count: '50', senders: '0', receivers: '1' });
    const shapes = shapeWorkers(plan);
    expect(shapes.map((s) => s.role)).toEqual(['receiver']);
    expect(shapes[0].connections[0][0].count).toBeNull();
  });
});

describe('workerLabel', () => {
  it('names workers and connections as users count them, 1-based, never by internal id', () => {
    expect(workerLabel('s0', false)).toBe('sender 1');
    expect(workerLabel('s0', false, 0)).toBe('sender 1, connection 1');
    expect(workerLabel('r2', false, 4)).toBe('receiver 3, connection 5');
    expect(workerLabel('s1', true, 0)).toBe('requester 2, connection 1');
    expect(workerLabel('r0', true)).toBe('responder 1');
  });

  it("labels every shaped worker, and gives each link its connection's index", () => {
    const shapes = shapeWorkers(
      resolvePlan({ senders: '2', receivers: '1', connections: '2', links: '2', runId: 'r1' }),
    );
    expect(shapes.map((s) => workerLabel(s.workerId, false))).toEqual(['sender 1', 'sender 2', 'receiver 1']);
    for (const shape of shapes)
      expect(shape.connections.map((links) => links.map((l) => l.connection))).toEqual([
        [0, 0],
        [1, 1],
      ]);
  });
});
