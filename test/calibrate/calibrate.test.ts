/**
 * `salvo calibrate` usage errors; its goal is checked alone in calibrate.serial.test.ts (a busy host moves p99 by
 * milliseconds).
 */
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_FAULT,
  CALIBRATION_SCHEMA,
  formatCalibration,
  INJECTED_US,
  type CalibrationResult,
} from '../../src/calibrate/calibrate.js';
import { runCli } from '../helpers/cli.js';

describe('salvo calibrate', () => {
  it('a bad flag is one line and exit 2', async () => {
    const cli = await runCli(['calibrate', '--rate', 'fast']);
    expect(cli.stderr).toBe('salvo: --rate must be a positive number of messages per second, got "fast"\n');
    expect(cli.code).toBe(2);
  });
});

describe('formatCalibration', () => {
  const result = (address?: string): CalibrationResult => ({
    schema: CALIBRATION_SCHEMA,
    id: 'calibrate-x',
    target: 'amqp://127.0.0.1:5673',
    ...(address !== undefined ? { address } : {}),
    fault: `${CALIBRATION_FAULT} each way`,
    injectedUs: INJECTED_US,
    rateHz: 80,
    durationMs: 5_000,
    warmupMs: 1_000,
    counts: { without: {}, with: {} },
    rows: [],
    ok: true,
    proxy: { writes: 0, p50Us: 0, p99Us: 0, maxUs: 0, ok: true },
    loadAverage: { before: 0.5, after: 0.5 },
  });

  it('names the address a URL without one defaulted to, under the target, and nothing otherwise', () => {
    const lines = formatCalibration(result('salvo (the URL named none)'), 'out/calibration.json').split('\n');
    const at = lines.indexOf('  Address    salvo (the URL named none)');
    expect(lines[at - 1]).toBe('  Target     amqp://127.0.0.1:5673');
    expect(formatCalibration(result(), 'out/calibration.json')).not.toMatch(/^ {2}Address/m);
  });
});
