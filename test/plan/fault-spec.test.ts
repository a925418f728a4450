import { describe, expect, it } from 'vitest';
import { FaultSpecError, parseFaultSpec } from '../../src/plan/index.js';
import { PlanError } from '../../src/plan/index.js';

describe('parseFaultSpec', () => {
  it('reads timed faults in every timing', () => {
    expect(
      parseFaultSpec('reset every 2s; reset random 1s-5s, reset at 3s; blackhole 3s at 10s; blackhole 2s every 10s'),
    ).toEqual({
      text: 'reset every 2s; reset random 1s-5s, reset at 3s; blackhole 3s at 10s; blackhole 2s every 10s',
      timed: [
        { kind: 'reset', timing: { mode: 'every', everyMs: 2000 } },
        { kind: 'reset', timing: { mode: 'random', minMs: 1000, maxMs: 5000 } },
        { kind: 'reset', timing: { mode: 'at', atMs: 3000 } },
        { kind: 'blackhole', durationMs: 3000, timing: { mode: 'at', atMs: 10_000 } },
        { kind: 'blackhole', durationMs: 2000, timing: { mode: 'every', everyMs: 10_000 } },
      ],
      standing: [],
    });
  });

  it('reads standing faults with their directions', () => {
    expect(
      parseFaultSpec('latency 5ms+2ms down; bandwidth 100kB/s down; latency 50ms up; close-after-bytes 64k').standing,
    ).toEqual([
      { kind: 'latency', fixedMs: 5, jitterMs: 2, direction: 'down' },
      { kind: 'bandwidth', bytesPerSecond: 102_400, direction: 'down' },
      { kind: 'latency', fixedMs: 50, jitterMs: 0, direction: 'up' },
      { kind: 'close-after-bytes', bytes: 65_536 },
    ]);
  });

  it('takes spaces around "+" and "-", upper case, a bandwidth without "/s" and a bare-seconds duration', () => {
    const plan = parseFaultSpec('  LATENCY 5ms + 2ms UP ; Reset Random 1s - 5s; bandwidth 1m; reset at 0');
    expect(plan.standing).toEqual([
      { kind: 'latency', fixedMs: 5, jitterMs: 2, direction: 'up' },
      { kind: 'bandwidth', bytesPerSecond: 1024 * 1024, direction: 'both' },
    ]);
    expect(plan.timed).toEqual([
      { kind: 'reset', timing: { mode: 'random', minMs: 1000, maxMs: 5000 } },
      { kind: 'reset', timing: { mode: 'at', atMs: 0 } },
    ]);
    expect(plan.text).toBe('LATENCY 5ms + 2ms UP ; Reset Random 1s - 5s; bandwidth 1m; reset at 0');
  });

  it('reads broker-restart in every timing, as a timed fault', () => {
    expect(
      parseFaultSpec('broker-restart at 5s; broker-restart every 30s; broker-restart random 10s-20s').timed,
    ).toEqual([
      { kind: 'broker-restart', timing: { mode: 'at', atMs: 5000 } },
      { kind: 'broker-restart', timing: { mode: 'every', everyMs: 30_000 } },
      { kind: 'broker-restart', timing: { mode: 'random', minMs: 10_000, maxMs: 20_000 } },
    ]);
  });

  it('allows one latency per direction', () => {
    expect(parseFaultSpec('latency 5ms up; latency 9ms down').standing).toHaveLength(2);
  });

  it.each([
    ['reset evry 2s', 'expected "every", "at" or "random" after "reset", got "evry"', 'evry'],
    ['reset', 'expected "every", "at" or "random" after "reset", got nothing', ''],
    ['reset every', 'expected a positive duration such as "2s" or "500ms" after "every", got nothing', ''],
    ['reset every 0s', 'expected a positive duration such as "2s" or "500ms" after "every", got "0s"', '0s'],
    ['reset every 2x', 'expected a positive duration such as "2s" or "500ms" after "every", got "2x"', '2x'],
    ['reset at soon', 'expected a duration such as "2s" or "500ms" after "at", got "soon"', 'soon'],
    ['reset every 2s now', 'unexpected "now" after the reset fault', 'now'],
    ['reset random 5s', 'expected a range of durations such as "1s-5s" after "random", got "5s"', '5s'],
    ['reset random 0s-5s', 'expected a range of durations such as "1s-5s" after "random", got "0s-5s"', '0s-5s'],
    [
      'reset random 1s-2s-3s',
      'expected a range of durations such as "1s-5s" after "random", got "1s-2s-3s"',
      '1s-2s-3s',
    ],
    ['reset random 5s-1s', 'the range after "random" must not end before it starts, got "5s-1s"', '5s-1s'],
    ['blackhole at 10s', 'expected a positive duration such as "2s" or "500ms" after "blackhole", got "at"', 'at'],
    ['blackhole 3s after 10s', 'expected "every", "at" or "random" after "blackhole 3s", got "after"', 'after'],
    [
      'latency fast',
      'expected a delay such as "5ms" or "5ms+2ms" (fixed + jitter) after "latency", got "fast"',
      'fast',
    ],
    [
      'latency 5ms+',
      'expected a delay such as "5ms" or "5ms+2ms" (fixed + jitter) after "latency", got "5ms+"',
      '5ms+',
    ],
    ['latency 5ms sideways', 'expected "up", "down" or "both" after the latency value, got "sideways"', 'sideways'],
    ['latency 5ms up down', 'unexpected "down" after the latency fault', 'down'],
    ['bandwidth 0/s', 'expected a rate such as "100kB/s" after "bandwidth", got "0/s"', '0/s'],
    ['bandwidth 10Mbit/s', 'expected a rate such as "100kB/s" after "bandwidth", got "10Mbit/s"', '10Mbit/s'],
    ['bandwidth', 'expected a rate such as "100kB/s" after "bandwidth", got nothing', ''],
    ['close-after-bytes lots', 'expected a size such as "64k" after "close-after-bytes", got "lots"', 'lots'],
    ['close-after-bytes 0', 'expected a size such as "64k" after "close-after-bytes", got "0"', '0'],
    ['broker-restart soon', 'expected "every", "at" or "random" after "broker-restart", got "soon"', 'soon'],
    [
      'drop 5%',
      'unknown fault "drop", expected "reset", "blackhole", "latency", "bandwidth", "close-after-bytes" or "broker-restart"',
      'drop',
    ],
    ['latency 5ms; latency 9ms up', 'latency is given twice for the same direction', 'latency'],
    [
      'close-after-bytes 1k, close-after-bytes 2k',
      'close-after-bytes is given twice for the same direction',
      'close-after-bytes',
    ],
    [
      '',
      'expected a fault ("reset", "blackhole", "latency", "bandwidth", "close-after-bytes" or "broker-restart") before and after every ";" or ","',
      '',
    ],
    [
      'reset at 1s;',
      'expected a fault ("reset", "blackhole", "latency", "bandwidth", "close-after-bytes" or "broker-restart") before and after every ";" or ","',
      '',
    ],
  ])('rejects %j naming the token', (spec, problem, token) => {
    let caught: unknown;
    try {
      parseFaultSpec(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FaultSpecError);
    expect(caught).toBeInstanceOf(PlanError);
    const error = caught as FaultSpecError;
    expect(error.message).toBe(`--faults "${spec.trim()}": ${problem}`);
    expect(error.message).not.toContain('\n');
    expect(error.token).toBe(token);
    expect(error.code).toBe('usage');
  });
});
