/** Shared by the transaction tests: running the Proton scripts, and sending / receiving under a transaction. */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Delivery, Message, Receiver, Sender } from 'rhea';
import type { Transaction } from '../../../src/amqp/transactions/index.js';
import { collect } from '../../helpers/amqp.js';
import { ROOT } from '../../helpers/paths.js';

/** Only Debian's /usr/bin/python3 imports the python3-qpid-proton package. */
export const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(ROOT, 'test', 'interop', 'proton');

export const protonAvailable: boolean =
  spawnSync(PYTHON, ['-c', 'import proton, proton.handlers, proton.reactor'], { stdio: 'ignore', timeout: 10_000 })
    .status === 0;

export interface TxSendResult {
  committed: number;
  aborted: number;
  sent: number;
  error: string | null;
}

export interface TxRecvResult {
  received: number;
  committed: number;
  aborted: number;
  bodies: unknown[];
  delivery_counts: number[];
  error: string | null;
}

/** Runs one of the Proton scripts and returns the JSON line it prints (bounded by `ms`). */
export function runProton<T>(script: 'tx_send.py' | 'tx_recv.py', args: string[], ms = 25_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(SCRIPTS, script), ...args],
      { timeout: ms, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const line = stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .pop();
        if (line) {
          resolve(JSON.parse(line) as T);
          return;
        }
        reject(
          new Error(`${script} ${args.join(' ')} printed no result (${error?.message ?? 'exit 0'}): ${stderr.trim()}`),
        );
      },
    );
  });
}

/** Sends every message under `txn` (commit / rollback wait for their outcomes). */
export function sendUnder(txn: Transaction, sender: Sender, messages: (Message | Buffer)[]): Delivery[] {
  return messages.map((message) => txn.send(sender, message));
}

/** Grants `count` credit, takes `count` messages and accepts each under `txn`. */
export async function acceptUnder(txn: Transaction, receiver: Receiver, count: number): Promise<Message[]> {
  receiver.add_credit(count);
  const got = await collect(receiver, count);
  for (const { delivery } of got) txn.accept(delivery);
  return got.map((g) => g.message);
}

export function bodies(messages: { body?: unknown }[]): unknown[] {
  return messages.map((m) => m.body);
}
