/**
 * github.com/Azure/go-amqp (the AMQP client under Azure's Go SDK) against the
 * embedded broker: test/interop/go's `go test` runs once, and each Go test
 * must report `--- PASS` by name, so a run that ran nothing fails.
 */
import { beforeAll, expect, test } from 'vitest';
import { useBroker } from '../helpers/broker.js';
import { describeWithGo, explainGo, goTestNames, runGoTests } from '../helpers/go.js';
import type { GoRun } from '../helpers/go.js';

const RUN_MS = 180_000;
const names = goTestNames();

describeWithGo('go-amqp clients', () => {
  const broker = useBroker();
  let run: GoRun | undefined;

  beforeAll(async () => {
    run = await runGoTests(broker().url, RUN_MS);
  }, RUN_MS + 10_000);

  const result = (): GoRun => {
    if (!run) throw new Error('go test did not run');
    return run;
  };

  test('the module has its scenarios, and go test exits 0 having run every one of them', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(result().failed, explainGo(result())).toEqual(new Set());
    expect(result().passed, explainGo(result())).toEqual(new Set(names));
    expect(result().code, explainGo(result())).toBe(0);
  });

  test.each(names)('%s passes', (name) => {
    expect(result().passed.has(name), explainGo(result(), name)).toBe(true);
  });
});
