import { describe, expect, it } from 'vitest';
import { plannedLinks, READY_BASE_MS, READY_PER_LINK_MS, readyTimeoutMs } from '../../src/coordinator/ready-timeout.js';
import { shapeWorkers } from '../../src/coordinator/worker-shapes.js';
import { resolvePlan } from '../../src/plan/index.js';

const linksShaped = (plan: ReturnType<typeof resolvePlan>): number =>
  shapeWorkers(plan).reduce((sum, shape) => sum + shape.connections.flat().length, 0);

describe('the ready time-out', () => {
  it('counts the links the workers are given: 2 senders + 2 receivers x 25 connections x 4 links is 400', () => {
    const plan = resolvePlan({ senders: '2', receivers: '2', connections: '25', links: '4', runId: 'r1' });
    expect(plannedLinks(plan)).toBe(linksShaped(plan));
    expect(plannedLinks(plan)).toBe(400);
  });

  it('counts a requester link twice: its request sender and its reply receiver', () => {
    const plan = resolvePlan({
      pattern: 'rpc',
      senders: '2',
      responders: '1',
      connections: '3',
      links: '2',
      runId: 'r1',
    });
    const requesterLinks = shapeWorkers(plan)
      .filter((s) => s.role === 'sender')
      .reduce((sum, s) => sum + s.connections.flat().length, 0);
    expect(plannedLinks(plan)).toBe(linksShaped(plan) + requesterLinks);
  });

  it('keeps the former 30 s for few links and grows by the per-link allowance beyond', () => {
    expect(readyTimeoutMs(0)).toBe(READY_BASE_MS);
    expect(readyTimeoutMs(400)).toBe(READY_BASE_MS + 400 * READY_PER_LINK_MS);
    expect(readyTimeoutMs(10_000) - readyTimeoutMs(1_000)).toBe(9_000 * READY_PER_LINK_MS);
  });

  it('gives 10,000 links (1,000 connections x 10) more than four times the former bound', () => {
    const plan = resolvePlan({ senders: '2', receivers: '2', connections: '250', links: '10', runId: 'r1' });
    expect(plannedLinks(plan)).toBe(10_000);
    expect(readyTimeoutMs(plannedLinks(plan))).toBeGreaterThan(4 * READY_BASE_MS);
  });
});
