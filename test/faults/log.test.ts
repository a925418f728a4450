import { describe, expect, it } from 'vitest';
import { FaultLog } from '../../src/faults/index.js';
import { formatFaultLine } from '../../src/results/fault-lines.js';

describe('FaultLog', () => {
  it('puts proxy, broker and client entries on the run clock, sorted, standing faults at 0', () => {
    const log = new FaultLog();
    const runStartUs = 5_000_000;
    log.addClientEvent(
      {
        atUs: runStartUs + 2_400_000,
        kind: 'reconnect',
        target: 'sender-1 connection 0',
        effect: 'reconnected after 1 attempt',
      },
      runStartUs,
    );
    log.add({ atMs: 1500, kind: 'broker-restart', target: 'embedded broker', effect: 'restarted' });
    // The proxy stamps from its arming, 3 ms after the start; latency was recorded before it.
    log.addProxyRecords(
      [
        { atMs: 0, kind: 'latency', target: 'all connections', effect: '5 ms added, both directions' },
        { atMs: 1997, kind: 'reset', target: 'all connections (2)', effect: '2 connections reset' },
      ],
      3,
    );
    expect(log.records().map((r) => [r.atMs, r.kind])).toEqual([
      [0, 'latency'],
      [1500, 'broker-restart'],
      [2000, 'reset'],
      [2400, 'reconnect'],
    ]);
  });

  it('counts injected faults per second, not standing faults or client events', () => {
    const log = new FaultLog();
    log.addProxyRecords(
      [
        { atMs: 0, kind: 'latency', target: 'all connections', effect: '5 ms' },
        { atMs: 1000, kind: 'reset', target: 'all', effect: '' },
        { atMs: 1999, kind: 'blackhole', target: 'all', effect: '' },
        { atMs: 3000, kind: 'close-after-bytes', target: 'connection 4', effect: '' },
      ],
      0,
    );
    for (const atUs of [1_200_000, 1_300_000, 2_100_000])
      log.addClientEvent({ atUs, kind: 'reconnect', target: 't', effect: '' }, 0);
    log.addClientEvent({ atUs: 1_050_000, kind: 'disconnect', target: 't', effect: '' }, 0);
    expect(Object.fromEntries(log.faultsPerSecond())).toEqual({ 1: 2, 3: 1 });
  });

  it('sums up in one line for the summary', () => {
    const records = [
      ...Array.from({ length: 12 }, (_, i) => ({ atMs: i * 1000, kind: 'reset', target: 'all', effect: '' })),
      { atMs: 500, kind: 'blackhole', target: 'all', effect: '' },
      ...Array.from({ length: 24 }, (_, i) => ({ atMs: i * 500, kind: 'reconnect', target: 'c', effect: '' })),
      { atMs: 900, kind: 'disconnect', target: 'c', effect: '' },
    ];
    expect(formatFaultLine(records)).toBe('faults: 12 resets, 1 blackhole; reconnects: 24');
    expect(
      formatFaultLine([{ atMs: 0, kind: 'latency', target: 'all connections', effect: '5 ms added, both directions' }]),
    ).toBe('faults: none injected; latency 5 ms added, both directions; reconnects: 0');
  });
});
