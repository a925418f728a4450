/**
 * Aborted transfers are discarded (AMQP 1.0 section 2.7.5): Qpid Proton Python starts a
 * multi-frame message, aborts it, then sends whole messages on the same link.
 */
import { afterEach, expect, test } from 'vitest';
import { closeClients, connect, drain, openReceiver, queueName } from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { describeWithProton, explain, runProton } from '../helpers/proton.js';

afterEach(closeClients);

interface AbortResult {
  aborted: number;
  sent: number;
  accepted: number;
  ok: boolean;
}

describeWithProton('aborted transfers', () => {
  const broker = useBroker();

  test('a delivery aborted part-way is never queued; the whole messages after it are', async () => {
    const address = queueName('aborted');
    const run = await runProton<AbortResult>('abort_send.py', [
      '--url',
      broker().url,
      '--address',
      address,
      '--count',
      '3',
    ]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.result).toMatchObject({ aborted: 1, sent: 3, accepted: 3 });
    expect((await queueStats(broker(), address)).depth).toBe(3);
    const receiver = await openReceiver(await connect(broker().url), address);
    const got = await drain(receiver, 300);
    expect(got.map((r) => r.message.message_id)).toEqual(['whole-0', 'whole-1', 'whole-2']);
  });

  test('many aborted deliveries on one link neither use up its credit nor pin the session ring', async () => {
    const address = queueName('aborted-many');
    // 2,500 aborted deliveries: more than rhea's 2,048-slot ring and than the link credit window.
    const run = await runProton<AbortResult>(
      'abort_send.py',
      ['--url', broker().url, '--address', address, '--count', '3', '--aborts', '2500', '--aborted-size', '20000'],
      60_000,
    );
    expect(run.code, explain(run)).toBe(0);
    expect(run.result).toMatchObject({ aborted: 2500, accepted: 3 });
    expect((await queueStats(broker(), address)).depth).toBe(3);
  }, 70_000);
});
