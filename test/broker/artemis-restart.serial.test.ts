/**
 * scripts/brokers/artemis.sh restart (kill -9, start again): Artemis keeps
 * what its journal acknowledged. A ".serial" file: it takes Artemis away from
 * every other test for a few seconds, so vitest.config.ts runs it alone, after
 * all the others.
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import type { EventContext } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  drain,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { ROOT } from '../helpers/paths.js';
import { within } from '../helpers/wait.js';

afterEach(closeClients);

const artemis = process.env.SALVO_ARTEMIS_URL;
if (artemis === undefined)
  console.warn('\n!!! SKIPPING Artemis restart: SALVO_ARTEMIS_URL is not set (scripts/brokers/artemis.sh start)\n');

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function artemisScript(command: string, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['scripts/brokers/artemis.sh', command],
      { cwd: ROOT, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The URL without credentials, and the client options that carry them. */
function target(url: string): { url: string; options: Record<string, unknown> } {
  const parsed = new URL(url);
  const options = parsed.username
    ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
    : {};
  return { url: `amqp://${parsed.host}`, options };
}

describe.runIf(artemis !== undefined)('Artemis restart (scripts/brokers/artemis.sh)', () => {
  test('200 durable messages sent before a kill -9 are all there after the restart', async () => {
    const { url, options } = target(artemis as string);
    // The script must drive the broker this test talks to, not another one.
    const status = await artemisScript('status', 10_000);
    expect(status.code, `artemis.sh status: ${status.stdout}${status.stderr}`).toBe(0);
    expect(status.stdout, 'SALVO_ARTEMIS_URL and ARTEMIS_AMQP_PORT must name the same broker').toContain(url);

    const address = queueName('artemis-restart');
    const count = 200;
    const producer = await connect(url, options);
    const messages = numbered(count, 'd').map((message) => ({ ...message, durable: true }));
    const sent = await sendAll(await openSender(producer, address), messages, 20_000);
    expect(sent.accepted).toBe(count);
    const cut = within(
      new Promise<void>((resolve) => producer.once('disconnected', (_: EventContext) => resolve())),
      15_000,
      'the connection to Artemis to be cut',
    );

    const restart = await artemisScript('restart', 150_000);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout.trim().split('\n')[0]).toBe(url);
    await cut;

    const consumer = await connect(url, options, 20_000);
    const receiver = await openReceiver(consumer, { source: address, credit_window: 50 });
    const received = await collect(receiver, count, 30_000);
    expect(new Set(received.map(({ message }) => message.message_id))).toEqual(
      new Set(messages.map((message) => message.message_id)),
    );
    // All accepted now: nothing else is left on the queue.
    expect(await drain(receiver, 500)).toHaveLength(0);
  }, 240_000);
});
