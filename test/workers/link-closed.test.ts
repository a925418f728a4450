/**
 * A broker that closes a working sending link with an error (Qpid Broker-J's
 * memory store, amqp:precondition-failed, after 512 durable messages went
 * through): the run's line names what was refused and the condition, not the
 * address (link-errors.test.ts has the refused attach).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type NaiveBroker, startNaiveBroker } from '../probe/naive-broker.js';

const RUN_BOUND_MS = 60_000;
const TAKEN = 300;

const brokers: NaiveBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
});

async function naive(): Promise<NaiveBroker> {
  const broker = await startNaiveBroker({
    selector: 'echo',
    dynamic: 'refuse',
    coordinator: 'refuse',
    durable: 'close-link',
    durableTaken: TAKEN,
  });
  brokers.push(broker);
  return broker;
}

function output(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-link-closed-'));
}

describe('a link the broker closes with an error', { timeout: RUN_BOUND_MS }, () => {
  it('after messages went through: names the messages refused (durable) and the condition, not the address', async () => {
    const broker = await naive();
    const args = ['run', `${broker.url}/q`, '-c', '2000', '--msg-durable', '--receivers', '0', '--quiet'];
    const run = await runCli([...args, '--output', output()], RUN_BOUND_MS);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
    const line =
      /^salvo: sender 1, connection 1: the broker closed the sending link to "q" after ([\d,]+) messages, refusing ([\d,]+) durable messages? awaiting (its|their) outcome: amqp:precondition-failed: naive broker: no durable store\n$/.exec(
        run.stderr,
      );
    expect(line, run.stderr).not.toBeNull();
    const [sent, unsettled] = [Number(line![1].replace(/,/g, '')), Number(line![2].replace(/,/g, ''))];
    // The broker took TAKEN before refusing: more went through than it took, and some were still in flight.
    expect(sent).toBeGreaterThan(TAKEN);
    expect(unsettled).toBeGreaterThan(0);
    expect(unsettled).toBeLessThanOrEqual(sent - TAKEN);
    expect(run.stderr).not.toContain('refused address');
  });
});
