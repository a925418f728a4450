/** Qpid JMS (the Java world's AMQP 1.0 client) against the embedded broker: the JUnit suite in test/interop/jms. */
import { expect, test } from 'vitest';
import { useBroker } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';
import { describeWithJms, runJmsSuite, surefireCounts, writtenJmsTests } from '../helpers/jms.js';

/**
 * Maven and a JVM start slowly on two shared cores; the suite itself takes about 30 s when the machine is not loaded.
 */
const SUITE_MS = 240_000;

describeWithJms('Qpid JMS clients', () => {
  const broker = useBroker();

  test(
    'every JUnit test of the Qpid JMS suite runs and passes, and the broker is left with nothing queued',
    async () => {
      const written = writtenJmsTests();
      expect(written, 'JUnit tests found in test/interop/jms/src/test/java').toBeGreaterThan(0);

      const run = await runJmsSuite(broker().url, SUITE_MS - 10_000);
      const summary = /^\[\w+\] Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+$/m.exec(
        run.output.split('Results:').pop() ?? '',
      );
      expect(run.code, run.output.slice(-6000)).toBe(0);
      expect(summary?.[0]).toBe(`[INFO] Tests run: ${written}, Failures: 0, Errors: 0, Skipped: 0`);
      expect(surefireCounts()).toMatchObject({ tests: written, failures: 0, errors: 0, skipped: 0 });

      // The broker's own count of what the JMS clients did: 10,000 in and acknowledged, nothing left anywhere.
      // The JVM has exited; the broker may not have handled the last socket close yet.
      await until(async () => (await broker().stats()).connections === 0, 5000, 'the JMS connections closed');
      const stats = await broker().stats();
      const reliable = stats.queues.filter((queue) => queue.address.startsWith('jms-reliable-'));
      expect(reliable).toHaveLength(1);
      expect(reliable[0]).toMatchObject({ depth: 0, enqueued: 10_000, acknowledged: 10_000, rejected: 0 });
      expect(stats.queues.filter((queue) => queue.depth !== 0)).toEqual([]);
    },
    SUITE_MS,
  );
});
