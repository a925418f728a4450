/**
 * The pre-flight's arithmetic: busy cores from CPU counters, the CPU a
 * message costs this host, the ceiling, a busy host, and whether a failing
 * step's limit was the host's. Figures are injected: nothing here times.
 */
import { describe, expect, it } from 'vitest';
import {
  busyCores,
  busyReasons,
  cpuUsPerMessage,
  hostCeilingRate,
  hostLimitOf,
  placementOf,
  HOST_BOUND_SHARE,
} from '../../src/capacity/host-ceiling.js';

describe('busyCores', () => {
  it('is the busy share of the CPU time between two readings, times the cores', () => {
    // 2 cores for 1 s: 2,000 ms of CPU time, 500 busy: a quarter, half a core.
    expect(busyCores({ busyMs: 10_000, idleMs: 50_000 }, { busyMs: 10_500, idleMs: 51_500 }, 2)).toBe(0.5);
    expect(busyCores({ busyMs: 1, idleMs: 1 }, { busyMs: 1, idleMs: 1 }, 4)).toBe(0);
  });
});

describe('cpuUsPerMessage', () => {
  it("counts salvo's own CPU for a remote broker, whatever the host's counters say", () => {
    expect(cpuUsPerMessage({ salvoCpuUsPerMsg: 30, hostCpuUsPerMsg: 80, placement: 'remote' })).toBe(30);
  });
  it("counts the higher of salvo's and the host's extra CPU when the broker shares the host", () => {
    expect(cpuUsPerMessage({ salvoCpuUsPerMsg: 30, hostCpuUsPerMsg: 80, placement: 'loopback' })).toBe(80);
    expect(cpuUsPerMessage({ salvoCpuUsPerMsg: 45, hostCpuUsPerMsg: 20, placement: 'embedded' })).toBe(45);
    expect(cpuUsPerMessage({ salvoCpuUsPerMsg: 45, placement: 'loopback' })).toBe(45);
  });
});

describe('hostCeilingRate', () => {
  it('is the free cores times a million µs over the CPU µs a message costs', () => {
    // 1.5 free cores at 50 µs a message: 30,000 msg/s.
    expect(hostCeilingRate({ freeCores: 1.5, reachedRate: 0, salvoCpuUsPerMsg: 50, placement: 'remote' })).toBe(30_000);
  });
  it('is never below what the closed-loop run reached: a busy host still gives salvo a share', () => {
    expect(hostCeilingRate({ freeCores: 0, reachedRate: 12_345.4, salvoCpuUsPerMsg: 50, placement: 'embedded' })).toBe(
      12_345,
    );
  });
  it('uses the broker-sharing cost on a loopback target', () => {
    expect(
      hostCeilingRate({
        freeCores: 2,
        reachedRate: 1_000,
        salvoCpuUsPerMsg: 25,
        hostCpuUsPerMsg: 40,
        placement: 'loopback',
      }),
    ).toBe(50_000);
  });
});

describe('busyReasons', () => {
  const quiet = { cores: 4, freeCores: 3.5, loadAverage1m: 0.4, wakeUpLateUs: { p50: 60, p99: 300, max: 900 } };
  it('finds nothing on a quiet host', () => {
    expect(busyReasons(quiet, 10_000)).toEqual([]);
  });
  it('names each sign of a busy host', () => {
    expect(
      busyReasons(
        { cores: 2, freeCores: 0.1, loadAverage1m: 3.84, wakeUpLateUs: { p50: 150, p99: 2_500, max: 9_000 } },
        10_000,
      ),
    ).toEqual(['load average 3.8 on 2 cores', '0.10 cores idle', 'timers late by 2.5ms at p99']);
  });
  it('judges timer lateness against the send-delay bound the steps are held to', () => {
    const late = { ...quiet, wakeUpLateUs: { p50: 100, p99: 1_000, max: 2_000 } };
    expect(busyReasons(late, 10_000)).toEqual([]);
    expect(busyReasons(late, 2_000)).toEqual(['timers late by 1.0ms at p99']);
  });
});

describe('hostLimitOf', () => {
  const host = { ceilingRate: 10_000, busy: [] as string[], placement: 'remote' as const };
  const at = HOST_BOUND_SHARE * 10_000;

  it("calls salvo behind its schedule at the ceiling the host's CPU, whatever the load", () => {
    expect(hostLimitOf({ rate: at, limitedBy: 'generator' }, host)).toBe('cpu');
    expect(hostLimitOf({ rate: 20_000, limitedBy: 'both' }, host)).toBe('cpu');
    expect(hostLimitOf({ rate: at, limitedBy: 'in-flight' }, host)).toBe('cpu');
  });
  it('leaves salvo behind below the ceiling on a quiet host to the old advice (threads, in-flight)', () => {
    expect(hostLimitOf({ rate: at - 1, limitedBy: 'generator' }, host)).toBeUndefined();
  });
  it('calls salvo behind below the ceiling on a busy host the busy host', () => {
    expect(hostLimitOf({ rate: 1_000, limitedBy: 'generator' }, { ...host, busy: ['0.00 cores idle'] })).toBe('busy');
  });
  it("calls the broker behind the broker's when it is remote, the host's at the ceiling when it shares it", () => {
    expect(hostLimitOf({ rate: 20_000, limitedBy: 'broker' }, { ...host, busy: ['x'] })).toBeUndefined();
    expect(hostLimitOf({ rate: 20_000, limitedBy: 'broker' }, { ...host, placement: 'embedded' })).toBe('cpu');
    expect(hostLimitOf({ rate: 1_000, limitedBy: 'broker' }, { ...host, placement: 'loopback' })).toBeUndefined();
  });
});

describe('placementOf', () => {
  it('tells the embedded broker, this host and another apart', () => {
    expect(placementOf(undefined)).toBe('embedded');
    expect(placementOf('amqp://127.0.0.1:5672/q')).toBe('loopback');
    expect(placementOf('amqps://localhost/q')).toBe('loopback');
    expect(placementOf('amqp://[::1]:5672')).toBe('loopback');
    expect(placementOf('amqp://broker.example:5672')).toBe('remote');
    expect(placementOf('amqp://myhost:5672', ['MyHost', '10.0.0.5'])).toBe('loopback');
    expect(placementOf('amqp://10.0.0.5:5672', ['myhost', '10.0.0.5'])).toBe('loopback');
  });
});
