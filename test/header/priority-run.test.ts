/**
 * --msg-priority as a user runs it: every message carries the priority its
 * (seed, producer, seq) draws, in its AMQP header, and the run counts how
 * many went with each value: only the values of the choice, each used, summing
 * to what was sent. A constant puts one value on every message. Read back by
 * a plain rhea client from the embedded broker's queue (send-only run).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PriorityValues } from '../../src/content/priority-values.js';
import type { RunResult } from '../../src/results/result.js';
import { closeClients, connect, drain, openReceiver } from '../helpers/amqp.js';
import { withBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';

const COUNT = 600;

afterAll(closeClients);

async function sendOnly(url: string, priority: string, seed: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-priority-'));
  const args = [
    'run',
    url,
    '-c',
    String(COUNT),
    '--receivers',
    '0',
    '--msg-priority',
    priority,
    '--seed',
    String(seed),
  ];
  const done = await runCli([...args, '--output', dir, '--quiet'], 60_000);
  expect(done.code, done.stderr).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('salvo run --msg-priority', () => {
  it('a choice: each message has its drawn priority in the header; counts per value match the choice', async () => {
    await withBroker({}, async (broker) => {
      const result = await sendOnly(`${broker.url}/header-priority`, '0,4,9', 5);
      const counts = result.verdict?.sentByPriority;
      expect(counts).toBeDefined();
      const used = counts!.flatMap((n, p) => (n > 0 ? [p] : []));
      expect(used).toEqual([0, 4, 9]);
      expect(counts!.reduce((a, b) => a + b, 0)).toBe(COUNT);
      const connection = await connect(broker.url);
      const receiver = await openReceiver(connection, { source: { address: 'header-priority' }, credit_window: 1000 });
      const got = await drain(receiver, 500, 20_000);
      expect(got).toHaveLength(COUNT);
      const seen = new Array<number>(10).fill(0);
      for (const { message } of got) {
        const properties = message.application_properties as Record<string, unknown>;
        const producer = String(properties['salvo-producer']);
        const seq = Number(properties['salvo-seq']);
        const expected = new PriorityValues({ values: [0, 4, 9], seed: 5 }, producer).of(seq);
        expect(message.priority, `${producer} #${seq}`).toBe(expected);
        seen[message.priority ?? 4]++;
      }
      // What the receiver read is what the sender counted.
      expect(seen).toEqual(counts);
    });
  });

  it('a constant: every message carries it', async () => {
    await withBroker({}, async (broker) => {
      const result = await sendOnly(`${broker.url}/header-priority-7`, '7', 1);
      const counts = result.verdict!.sentByPriority!;
      expect(counts[7]).toBe(COUNT);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(COUNT);
    });
  });
});
