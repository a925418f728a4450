/**
 * `salvo calibrate` usage errors; its goal is checked alone in calibrate.serial.test.ts (a busy host moves p99 by
 * milliseconds).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('salvo calibrate', () => {
  it('a bad flag is one line and exit 2', async () => {
    const cli = await runCli(['calibrate', '--rate', 'fast']);
    expect(cli.stderr).toBe('salvo: --rate must be a positive number of messages per second, got "fast"\n');
    expect(cli.code).toBe(2);
  });
});
