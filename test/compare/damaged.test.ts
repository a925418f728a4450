/**
 * A damaged result file (hand-edited, truncated, from another tool) is
 * refused with a CompareInputError or compared; it never crashes compare
 * with a TypeError, which the CLI would print as an internal error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, CompareInputError, parseThresholds, usableResult } from '../../src/compare/index.js';
import { syntheticRun } from './synthetic.js';

const good = syntheticRun({ seed: 1, rateHz: 10_000, noise: 0.05, seconds: 4 });
const options = { thresholds: parseThresholds(['throughput=-5%', 'service.p99=+10%']), explicit: false, alpha: 0.05 };

/** Every path into the value (object keys, array indexes), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

const ALL_PATHS = paths(good).filter((path) => path[0] !== 'environment');

function damaged(path: (string | number)[], replacement: unknown, remove: boolean): unknown {
  const copy = structuredClone(good) as unknown as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) delete node[last];
  else node[last] = replacement;
  return copy;
}

describe('damaged results', () => {
  it('are refused in one line or compared, never a crash', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_PATHS),
        fc.oneof(
          fc.constant(null),
          fc.string(),
          fc.double(),
          fc.integer(),
          fc.boolean(),
          fc.constant([]),
          fc.constant({}),
          fc.array(fc.constant(null), { maxLength: 3 }),
        ),
        fc.boolean(),
        (path, replacement, remove) => {
          try {
            const result = usableResult(damaged(path, replacement, remove), 'damaged.json');
            compare([{ source: 'good.json', result: good }], [{ source: 'damaged.json', result }], options);
          } catch (error) {
            if (!(error instanceof CompareInputError))
              throw new Error(
                `${path.join('.')} ${remove ? 'removed' : `= ${JSON.stringify(replacement)}`}: ${String(error)}`,
              );
            expect((error as Error).message).not.toContain('\n');
          }
        },
      ),
      { seed: 20261202, numRuns: 3000 },
    );
  });
});
