/**
 * How a broker-restart fault is carried out: the embedded broker restarts
 * itself (and says what it lost); an external broker is restarted by the
 * user's --restart-command, a shell command bounded in time.
 */
import { spawn } from 'node:child_process';
import type { EmbeddedBroker } from '../broker/embedded.js';
import { SalvoError } from '../errors.js';

export interface BrokerRestarter {
  /** What result.json's `target` says was restarted. */
  readonly target: string;
  /** Restarts the broker; resolves with the effect, rejects with a one-line SalvoError. */
  restart(): Promise<string>;
}

/** A restart command that has not finished in this long has failed (Artemis takes a few seconds). */
export const RESTART_COMMAND_TIMEOUT_MS = 120_000;

export function embeddedRestarter(broker: EmbeddedBroker): BrokerRestarter {
  return {
    target: 'embedded broker',
    restart: async () => {
      const { dropped, unsettled } = await broker.restart();
      return `restarted; ${dropped} queued messages lost (${unsettled} delivered, unsettled)`;
    },
  };
}

export function commandRestarter(command: string, timeoutMs = RESTART_COMMAND_TIMEOUT_MS): BrokerRestarter {
  return {
    target: 'external broker',
    restart: async () => {
      const startedMs = performance.now();
      await runCommand(command, timeoutMs);
      return `restarted by --restart-command in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`;
    },
  };
}

/** Runs `command` in a shell; rejects with its exit status and last line of stderr. */
function runCommand(command: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      // The tail is what explains a failure; keep a bounded amount of it.
      stderr = (stderr + chunk.toString()).slice(-4096);
    });
    const fail = (why: string): void => reject(new SalvoError('refused', `--restart-command "${command}" ${why}`));
    const timer = setTimeout(() => {
      // The whole process group: a script's children must not outlive the run.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      fail(`did not finish within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(`could not start: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').pop()?.trim();
      fail(`failed (${signal ? `killed by ${signal}` : `exit ${code}`})${last ? `: ${last}` : ''}`);
    });
  });
}
