/**
 * The broker under fire: 10,000 generated malformed inputs (plus 200 that only a
 * deadline can end) against a live `salvo broker`, while a healthy client
 * streams at-least-once. Fixed seed and count, so CI runs the same inputs every
 * time; `npm run fuzz -- --seed N --duration 10m` runs the same property longer.
 * SALVO_FUZZ_SEED / SALVO_FUZZ_INPUTS / SALVO_FUZZ_DURATION_MS / SALVO_FUZZ_PATH override.
 */
import { afterAll, expect, test } from 'vitest';
import { closeClients } from '../helpers/amqp.js';
import { fuzzBroker } from './fuzz-broker.js';

afterAll(closeClients);

const seed = Number(process.env.SALVO_FUZZ_SEED ?? 20261202);
const inputs = Number(process.env.SALVO_FUZZ_INPUTS ?? 10_000);
const durationMs = process.env.SALVO_FUZZ_DURATION_MS ? Number(process.env.SALVO_FUZZ_DURATION_MS) : undefined;
const timeoutMs = (durationMs ?? 0) + 170_000;

test(
  `salvo broker survives ${durationMs ? `${durationMs} ms of` : inputs} fuzzed inputs (seed ${seed}) and the healthy client loses nothing`,
  async () => {
    let outcome;
    try {
      outcome = await fuzzBroker({
        seed,
        inputs,
        durationMs,
        batch: 40,
        deadlineInputs: 200,
        path: process.env.SALVO_FUZZ_PATH,
      });
    } catch (error) {
      // fast-check's report carries the seed and path; say how to replay it.
      const cause = (error as Error).cause;
      const why = cause instanceof Error ? `\nfailure: ${cause.message}` : '';
      throw new Error(
        `${(error as Error).message}${why}\n\nreproduce: npm run fuzz -- --seed ${seed} (add --path from the report above to replay only the failure)`,
      );
    }
    console.log(
      `[fuzz] seed ${seed}: ${outcome.promptInputs} + ${outcome.deadlineInputs} inputs; broker after GC: RSS ${outcome.rssStartKiB} -> ${outcome.rssEndKiB} KiB, heap ${outcome.heapStartKiB} -> ${outcome.heapEndKiB} KiB; healthy ${JSON.stringify(outcome.healthy)}`,
    );
    expect(outcome.brokerExit).toBeNull();
    expect(outcome.promptInputs).toBeGreaterThanOrEqual(durationMs ? 1 : inputs);
    expect(outcome.healthy.problems).toEqual([]);
    expect(outcome.healthy.accepted).toBeGreaterThan(0);
    expect(outcome.healthy.lost).toBe(0);
    expect(outcome.healthy.duplicated).toBe(0);
    expect(outcome.rssEndKiB).toBeLessThanOrEqual(outcome.rssStartKiB * 1.2);
  },
  timeoutMs,
);
