/**
 * The fuzz run: a real `salvo broker` child process (a crash is the process
 * exiting; memory is its RSS), a healthy client streaming through it, and
 * fast-check throwing batches of generated inputs at it, a batch's inputs
 * over parallel connections.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { drain, connect, openReceiver } from '../helpers/amqp.js';
import { CLI, ROOT } from '../helpers/paths.js';
import { sleep, within } from '../helpers/wait.js';
import { deadlineInput, FUZZ_ADDRESSES, FUZZ_PASSWORD, FUZZ_USER, promptInput } from './generators.js';
import type { FuzzInput } from './generators.js';
import { HealthyClient } from './healthy-client.js';
import type { HealthyReport } from './healthy-client.js';
import { runInput } from './run-input.js';
import type { Limits } from './run-input.js';

export const OPEN_TIMEOUT_MS = 1000;
export const IDLE_TIMEOUT_MS = 2000;

export interface FuzzSettings {
  seed: number;
  /** Prompt inputs to run (a multiple of `batch`), unless `durationMs` is given. */
  inputs: number;
  /** Run until this much time has passed instead of a count. */
  durationMs?: number;
  /** Inputs per fast-check run, played over parallel connections. */
  batch: number;
  deadlineInputs: number;
  /** Replay one failure: fast-check's path from a failure report. */
  path?: string;
}

export interface FuzzOutcome {
  promptInputs: number;
  deadlineInputs: number;
  rssStartKiB: number;
  rssEndKiB: number;
  heapStartKiB: number;
  heapEndKiB: number;
  healthy: HealthyReport;
  brokerExit: number | string | null;
}

export interface ChildMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface BrokerChild {
  child: ChildProcess;
  url: string;
  port: number;
  exited(): number | string | null;
  rssKiB(): number;
  /** Collects garbage in the child, then its memory (bytes). */
  collected(): Promise<ChildMemory>;
  stop(): Promise<void>;
}

export async function startBrokerChild(): Promise<BrokerChild> {
  const args = [
    CLI,
    'broker',
    '--port',
    '0',
    '--users',
    `${FUZZ_USER}:${FUZZ_PASSWORD}`,
    '--open-timeout',
    `${OPEN_TIMEOUT_MS}ms`,
    '--idle-timeout',
    `${IDLE_TIMEOUT_MS}ms`,
    '--max-output-buffer',
    '4m',
  ];
  const hook = fileURLToPath(new URL('./gc-hook.cjs', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--require', hook, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exit: number | string | null = null;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? String(signal);
      resolve();
    }),
  );
  const url = await within(
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const match = /listening on (amqp:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]);
      };
      child.stdout?.on('data', check);
      void exited.then(() => reject(new Error(`salvo broker exited: ${err}`)));
    }),
    10_000,
    'salvo broker to start',
  );
  return {
    child,
    url,
    port: Number(new URL(url).port),
    exited: () => exit,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
    collected: async () => {
      const before = err.length;
      child.kill('SIGUSR2');
      const line = await within(
        new Promise<string>((resolve) => {
          const check = (): void => {
            const match = /\[gc\] (\{.*\})\n/.exec(err.slice(before));
            if (match) {
              child.stderr?.off('data', check);
              resolve(match[1]);
            }
          };
          child.stderr?.on('data', check);
        }),
        5000,
        'the broker child to report its memory',
      );
      return JSON.parse(line) as ChildMemory;
    },
    stop: async () => {
      if (exit === null) child.kill('SIGTERM');
      await within(exited, 5000, 'salvo broker to stop').catch(() => child.kill('SIGKILL'));
    },
  };
}

function limits(): Limits {
  return { promptMs: 3000, deadlineMs: Math.max(OPEN_TIMEOUT_MS, IDLE_TIMEOUT_MS) + 4000 };
}

/** One batch: every input at once; the first failure is thrown with the input that caused it. */
async function playBatch(broker: BrokerChild, batch: FuzzInput[]): Promise<void> {
  const verdicts = await Promise.all(batch.map((input) => runInput(input, broker.port, limits())));
  if (broker.exited() !== null) throw new Error(`salvo broker exited (${broker.exited()}) during a batch`);
  const failed = verdicts.findIndex((v) => v !== null);
  if (failed >= 0) {
    const input = batch[failed];
    const bytes = input.steps.map((s) => s.bytes.toString('hex')).join(' | ');
    throw new Error(
      `${input.stage} + ${input.tail} (expect ${input.expect}): ${verdicts[failed]}\n  bytes written: ${bytes}`,
    );
  }
}

export async function fuzzBroker(settings: FuzzSettings): Promise<FuzzOutcome> {
  const broker = await startBrokerChild();
  let healthy: HealthyClient | undefined;
  try {
    healthy = await HealthyClient.start(broker.url, { username: FUZZ_USER, password: FUZZ_PASSWORD }, 'fuzz.healthy');
    // Warm up (JIT, buffers, the fuzz queues) before taking the starting level.
    await fc.assert(
      fc.asyncProperty(fc.array(promptInput(), { minLength: settings.batch, maxLength: settings.batch }), (b) =>
        playBatch(broker, b),
      ),
      { seed: settings.seed + 1, numRuns: 4, endOnFailure: true },
    );
    const start = await settle(broker);
    let promptInputs = 0;
    const prompt = fc.asyncProperty(
      fc.array(promptInput(), { minLength: settings.batch, maxLength: settings.batch }),
      async (batch) => {
        promptInputs += batch.length;
        await playBatch(broker, batch);
      },
    );
    await fc.assert(prompt, {
      seed: settings.seed,
      path: settings.path,
      numRuns: settings.durationMs ? Number.MAX_SAFE_INTEGER : Math.ceil(settings.inputs / settings.batch),
      interruptAfterTimeLimit: settings.durationMs,
      markInterruptAsFailure: false,
      // Shrinking replays batches against the live broker, each up to seconds: the failing input and its bytes are in
      // the error already.
      endOnFailure: true,
    });
    let deadlineInputs = 0;
    const deadlineBatch = Math.min(settings.deadlineInputs, 50);
    if (deadlineBatch > 0 && settings.path === undefined) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(deadlineInput(), { minLength: deadlineBatch, maxLength: deadlineBatch }),
          async (batch) => {
            deadlineInputs += batch.length;
            await playBatch(broker, batch);
          },
        ),
        { seed: settings.seed, numRuns: Math.ceil(settings.deadlineInputs / deadlineBatch), endOnFailure: true },
      );
    }
    const report = await healthy.finish();
    healthy = undefined;
    await drainFuzzQueues(broker.url);
    const end = await settle(broker, start.rssKiB);
    return {
      promptInputs,
      deadlineInputs,
      rssStartKiB: start.rssKiB,
      rssEndKiB: end.rssKiB,
      heapStartKiB: start.heapKiB,
      heapEndKiB: end.heapKiB,
      healthy: report,
      brokerExit: broker.exited(),
    };
  } finally {
    await healthy?.finish(1000).catch(() => undefined);
    await broker.stop();
  }
}

/** Messages the fuzzed senders left are the broker's to keep; take them so memory can be compared. */
async function drainFuzzQueues(url: string): Promise<void> {
  const connection = await connect(url, { username: FUZZ_USER, password: FUZZ_PASSWORD });
  for (const address of FUZZ_ADDRESSES) await drain(await openReceiver(connection, address), 300, 10_000);
  connection.close();
}

/**
 * The broker's memory after garbage collection (KiB): once steady, or, given a target RSS,
 * once within 20% of it (bounded: memory that never comes back fails the caller's check).
 */
async function settle(broker: BrokerChild, targetKiB?: number): Promise<{ rssKiB: number; heapKiB: number }> {
  let last = await broker.collected();
  for (let waited = 0; waited < 15_000; waited += 500) {
    await sleep(500);
    const now = await broker.collected();
    const steady = Math.abs(now.rss - last.rss) < last.rss * 0.02;
    last = now;
    if (targetKiB === undefined ? steady : now.rss / 1024 <= targetKiB * 1.2) break;
  }
  return { rssKiB: Math.round(last.rss / 1024), heapKiB: Math.round(last.heapUsed / 1024) };
}
