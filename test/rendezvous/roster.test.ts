import { describe, expect, it } from 'vitest';
import type { ReadyMessage } from '../../src/rendezvous/messages.js';
import { describeMissing, Roster } from '../../src/rendezvous/roster.js';
import { startLeadUs } from '../../src/rendezvous/barrier.js';

const leader = { index: 0, nonce: 'n0', host: 'a', offsetUs: 0, offsetBoundUs: 0 };

function ready(index: number, nonce = `n${index}`, planHash = 'h1', host = `host${index}`): ReadyMessage {
  return { kind: 'ready', index, nonce, planHash, host, wallUs: 0, offsetUs: 5, offsetBoundUs: 1 };
}

describe("shard 0's roster", () => {
  it('waits for every index, names the missing ones, and completes once each reported', () => {
    const roster = new Roster(3, 'h1', leader);
    expect(roster.admit(ready(2))).toEqual({ kind: 'waiting', missing: [1] });
    expect(roster.admit(ready(2))).toEqual({ kind: 'waiting', missing: [1] }); // a resend
    expect(roster.admit(ready(1))).toEqual({ kind: 'complete' });
    expect(roster.nonces()).toEqual(['n0', 'n1', 'n2']);
  });

  it('aborts on a second process for one index, naming both hosts', () => {
    const roster = new Roster(3, 'h1', leader);
    roster.admit(ready(1, 'x', 'h1', 'pod-a'));
    const second = roster.admit(ready(1, 'y', 'h1', 'pod-b'));
    expect(second.kind).toBe('abort');
    expect(second.kind === 'abort' && second.reason).toBe(
      'two processes claim shard 1 (pod-a and pod-b): each index must run exactly once, or its messages would be sent twice',
    );
  });

  it('catches a second process for one index by its pings, before either reports ready', () => {
    const roster = new Roster(3, 'h1', leader);
    expect(roster.claim(1, 'x', 'pod-a')).toEqual({ kind: 'waiting', missing: [1, 2] });
    expect(roster.claim(1, 'x', 'pod-a').kind).toBe('waiting'); // its next ping
    expect(roster.claim(1, 'y', 'pod-b')).toEqual({
      kind: 'abort',
      reason:
        'two processes claim shard 1 (pod-a and pod-b): each index must run exactly once, or its messages would be sent twice',
    });
    // READY must come from the process that claimed the index first.
    const again = new Roster(3, 'h1', leader);
    again.claim(2, 'x', 'pod-a');
    expect(again.admit(ready(2, 'y', 'h1', 'pod-b')).kind).toBe('abort');
  });

  it('aborts on another plan and on an index outside the run', () => {
    const roster = new Roster(3, 'h1', leader);
    expect(roster.admit(ready(1, 'n1', 'h2'))).toEqual({
      kind: 'abort',
      reason: 'shard 1 (host1) has plan h2, shard 0 has h1: the shards were started with different plans',
    });
    expect(roster.admit(ready(3)).kind).toBe('abort');
  });
});

describe('what shard 0 says and waits', () => {
  it('names missing shards with runs as ranges, so that 476 missing of 1,000 fit on a line', () => {
    expect(describeMissing([3])).toBe('shard 3');
    expect(describeMissing([1, 2])).toBe('shards 1, 2');
    expect(describeMissing([1, 3, 4, 5, 9])).toBe('shards 1, 3-5, 9');
    expect(describeMissing([1, ...Array.from({ length: 476 }, (_, i) => 524 + i)])).toBe('shards 1, 524-999');
  });

  it('starts a second after GO at least; later when round trips were long or the shards many', () => {
    const entry = (index: number, boundUs: number) => ({
      index,
      nonce: String(index),
      host: 'h',
      offsetUs: 0,
      offsetBoundUs: boundUs,
    });
    expect(startLeadUs([entry(0, 0), entry(1, 500), entry(2, 900)])).toBe(1_000_000);
    // The slowest round trip 2 x 400 ms: three of them.
    expect(startLeadUs([entry(0, 0), entry(1, 400_000)])).toBe(2_400_000 + 2_000);
    const many = Array.from({ length: 1_000 }, (_, i) => entry(i, 1_000));
    expect(startLeadUs(many)).toBe(1_006_000);
    const more = Array.from({ length: 2_000 }, (_, i) => entry(i, 1_000));
    expect(startLeadUs(more)).toBe(2_006_000);
  });
});
