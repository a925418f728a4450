/**
 * A long-running `node bin/salvo.js ...` (e.g. `salvo broker`) as a child process,
 * with bounded waits on its output and its exit. (test/helpers/cli.ts runs
 * commands to completion.)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CLI, ROOT } from './paths.js';
import { within } from './wait.js';

export interface SalvoProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  line(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name). */
  exit(ms?: number): Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();

export function spawnSalvo(args: string[]): SalvoProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? String(signal));
    });
  });
  const describe = (): string => `stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (pattern, ms = 10_000) => {
      let check: (() => void) | undefined;
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        check = (): void => {
          const match = out.match(pattern);
          if (match) resolve(match);
        };
        child.stdout?.on('data', check);
        void exited.then(() => {
          check?.();
          reject(new Error(`salvo exited before printing ${pattern}; ${describe()}`));
        });
        check();
      });
      return within(found, ms, `salvo to print ${pattern} (${describe()})`).finally(() => {
        if (check) child.stdout?.off('data', check);
      });
    },
    exit: (ms = 10_000) => within(exited, ms, `salvo ${args.join(' ')} to exit (${describe()})`),
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Kills any salvo child a test left running. */
export function killSalvoChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
