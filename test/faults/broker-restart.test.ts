import { describe, expect, it } from 'vitest';
import { commandRestarter } from '../../src/coordinator/broker-restart.js';
import { SalvoError } from '../../src/errors.js';

describe('--restart-command', () => {
  it('a command that succeeds is a restart, with how long it took', async () => {
    await expect(commandRestarter('exit 0').restart()).resolves.toMatch(
      /^restarted by --restart-command in \d+\.\d s$/,
    );
  });

  it('a failing command is a one-line failure with its exit status and last stderr line', async () => {
    const failure = await commandRestarter('echo starting >&2; echo "broker did not come back" >&2; exit 4')
      .restart()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SalvoError);
    expect((failure as SalvoError).message).toBe(
      '--restart-command "echo starting >&2; echo "broker did not come back" >&2; exit 4" failed (exit 4): broker did not come back',
    );
  });

  it('a command that hangs is ended at its timeout, its children with it', async () => {
    const started = Date.now();
    const failure = await commandRestarter('sleep 30 & sleep 30', 300)
      .restart()
      .catch((e: unknown) => e);
    expect((failure as SalvoError).message).toBe('--restart-command "sleep 30 & sleep 30" did not finish within 0.3 s');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
