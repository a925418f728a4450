/**
 * The ledger end to end, through the CLI: a clean run's verdict, a run with
 * one side absent, and a run in which a plain rhea client injects duplicates
 * that the verdict must count exactly (at-least-once: reported, exit 0;
 * at-most-once: exit 1).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rhea, { type EventContext, type Message } from 'rhea';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { closeClients, connect, openReceiver, openSender, queueName } from '../../helpers/amqp.js';
import { withBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';
import { until } from '../../helpers/wait.js';

afterEach(closeClients);

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-ledger-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('the ledger in salvo run', () => {
  it('a normal run on the embedded broker: verdict ok, nothing lost or duplicated, exit 0, a verdict table', async () => {
    const dir = outputDir();
    const run = await runCli([
      'run',
      '-c',
      '3000',
      '--senders',
      '2',
      '--receivers',
      '2',
      '--links',
      '2',
      '--output',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { verdict, checks } = readResult(dir);
    expect(verdict).toMatchObject({
      mode: 'at-least-once',
      ok: true,
      failed: [],
      checked: { senders: true, receivers: true },
      attempted: 3000,
      received: 3000,
      lost: 0,
      unexpected: 0,
      duplicated: 0,
      corrupted: 0,
      inDoubt: 0,
      resent: 0,
    });
    expect(checks.find((c) => c.name.startsWith('delivery verdict'))?.ok).toBe(true);
    expect(run.stdout).toMatch(/Verdict \(at-least-once, every message of the run\): PASS/);
    expect(run.stdout).toMatch(/^ {2}lost +0 {2}fails the run$/m);
  });

  it('send only and receive only: the missing side is "not checked", neither passed nor failed', async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('ledger-halves');
      const fill = outputDir();
      const sent = await runCli(['run', `${broker.url}/${address}`, '-c', '500', '--receivers', '0', '--output', fill]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(readResult(fill).verdict).toMatchObject({
        ok: null,
        checked: { senders: true, receivers: false },
        attempted: 500,
        inDoubt: 0,
        lost: null,
        unexpected: null,
        duplicated: null,
      });
      expect(sent.stdout).toMatch(/Verdict .*: NOT CHECKED/);
      expect(sent.stdout).toMatch(/^ {2}lost +not checked/m);
      const drain = outputDir();
      const received = await runCli([
        'run',
        `${broker.url}/${address}`,
        '-c',
        '500',
        '--senders',
        '0',
        '--drain-timeout',
        '2s',
        '--output',
        drain,
      ]);
      expect(received.code, received.stderr).toBe(0);
      expect(readResult(drain).verdict).toMatchObject({
        ok: null,
        checked: { senders: false, receivers: true },
        received: 500,
        duplicated: 0,
        corrupted: 0,
        lost: null,
        unexpected: null,
        inDoubt: null,
      });
    });
  });

  it('--no-ledger (the overhead benchmark) gives no verdict', async () => {
    const dir = outputDir();
    const run = await runCli(['run', '-c', '200', '--no-ledger', '--quiet', '--output', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(readResult(dir).verdict).toBeUndefined();
  });

  for (const [mode, flag, exitCode] of [
    ['at-least-once', '--link-at-least-once', 0],
    ['at-most-once', '--link-at-most-once', 1],
  ] as const) {
    it(`counts duplicates a client injected, exactly (${mode}: exit ${exitCode})`, async () => {
      await withBroker({}, async (broker) => {
        const address = queueName('ledger-dup');
        const stolen = 3;
        // A competing consumer takes the first messages and puts each back twice, stamps unchanged.
        const connection = await connect(broker.url);
        const copier = await openSender(connection, address);
        const thief = await openReceiver(connection, { source: { address }, credit_window: 0, autoaccept: true });
        let taken = 0;
        thief.on('message', (ctx: EventContext) => {
          taken++;
          const copy = copyOf(ctx.message as Message);
          copier.send(copy);
          copier.send(copy);
        });
        thief.add_credit(stolen);
        const dir = outputDir();
        const run = await runCli([
          'run',
          `${broker.url}/${address}`,
          '-c',
          '2000',
          flag,
          '--drain-timeout',
          '5s',
          '--output',
          dir,
        ]);
        await until(() => taken === stolen, 1000);
        expect(run.code, run.stderr).toBe(exitCode);
        const result = readResult(dir);
        expect(result.verdict).toMatchObject({
          mode,
          ok: exitCode === 0,
          attempted: 2000,
          received: 2000,
          lost: 0,
          unexpected: 0,
          duplicated: stolen,
          corrupted: 0,
        });
        expect(result.verdict?.examples.duplicated).toHaveLength(stolen);
        expect(result.totals.received).toBe(2000 + stolen);
        if (exitCode === 1) expect(result.verdict?.failed).toEqual(['duplicated']);
      });
    });
  }
});

describe('the ledger catches a changed body and a forged producer, end to end', () => {
  it('corrupted 1 and unexpected 1: the run fails (exit 1) and says why', async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('ledger-forged');
      const connection = await connect(broker.url);
      const copier = await openSender(connection, address);
      const thief = await openReceiver(connection, { source: { address }, credit_window: 0, autoaccept: true });
      let taken = 0;
      thief.on('message', (ctx: EventContext) => {
        const message = ctx.message as Message;
        // The first comes back with one body byte changed; the second unchanged, plus a copy from a producer no sender
        // owns.
        if (taken++ === 0)
          copier.send(copyOf(message, { body: (b) => Buffer.concat([Buffer.from([b[0] ^ 1]), b.subarray(1)]) }));
        else {
          copier.send(copyOf(message));
          copier.send(copyOf(message, { producerSuffix: '-forged' }));
        }
      });
      thief.add_credit(2);
      const dir = outputDir();
      const run = await runCli([
        'run',
        `${broker.url}/${address}`,
        '-c',
        '2000',
        '--drain-timeout',
        '5s',
        '--output',
        dir,
      ]);
      await until(() => taken === 2, 1000);
      expect(run.code, run.stderr).toBe(1);
      const { verdict } = readResult(dir);
      expect(verdict).toMatchObject({
        ok: false,
        failed: ['unexpected', 'corrupted'],
        unexpected: 1,
        corrupted: 1,
        duplicated: 0,
      });
      expect(verdict?.examples.unexpected?.[0].producer).toMatch(/-forged$/);
      expect(run.stderr).toMatch(/^salvo: the run failed its checks: .*unexpected 1, corrupted 1/m);
    });
  });
});

/** The same message again: every salvo stamp with its AMQP type, the same body unless `change` is given. */
function copyOf(message: Message, change: { producerSuffix?: string; body?: (body: Buffer) => Buffer } = {}): Message {
  const types = rhea.types;
  const props = message.application_properties as Record<string, unknown>;
  const body = (message.body as { content: Buffer }).content;
  return {
    application_properties: {
      'salvo-producer': `${props['salvo-producer'] as string}${change.producerSuffix ?? ''}`,
      'salvo-seq': types.wrap_long(props['salvo-seq'] as number),
      'salvo-intended': types.wrap_long(props['salvo-intended'] as number),
      'salvo-sent': types.wrap_long(props['salvo-sent'] as number),
      'salvo-body-fnv': types.wrap_uint(props['salvo-body-fnv'] as number),
    },
    body: rhea.message.data_section(change.body ? change.body(body) : body),
  } as unknown as Message;
}
