import { describe, expect, it } from 'vitest';
import type { ReadyMessage } from '../../src/rendezvous/messages.js';
import { Roster } from '../../src/rendezvous/roster.js';

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

  it('aborts on another plan and on an index outside the run', () => {
    const roster = new Roster(3, 'h1', leader);
    expect(roster.admit(ready(1, 'n1', 'h2'))).toEqual({
      kind: 'abort',
      reason: 'shard 1 (host1) has plan h2, shard 0 has h1: the shards were started with different plans',
    });
    expect(roster.admit(ready(3)).kind).toBe('abort');
  });
});
