/** Container ids: unique per run, shard, worker, connection and attempt (ActiveMQ Classic refuses one in use). */
import { describe, expect, it } from 'vitest';
import { containerId } from '../../workers/container-id.js';

const base = { runId: '20261207-120957-1e5b', shardIndex: 0, workerId: 's0', connection: 0, attempt: 0 };

describe('containerId', () => {
  it('names the run, shard, worker, connection and attempt', () => {
    expect(containerId({ ...base, shardIndex: 3, workerId: 'r1', connection: 2, attempt: 5 })).toBe(
      'salvo-20261207-120957-1e5b-s3-wr1-c2-a5',
    );
  });

  it('differs whenever any one part differs', () => {
    const variants = [
      base,
      { ...base, runId: '20261207-120957-9f00' },
      { ...base, shardIndex: 1 },
      { ...base, workerId: 'r0' },
      { ...base, connection: 1 },
      { ...base, attempt: 1 },
    ];
    expect(new Set(variants.map(containerId)).size).toBe(variants.length);
  });

  it('shortens a long --run-id to 31 characters that still tell two such ids apart', () => {
    const long = 'nightly-regression-against-the-staging-broker';
    const a = containerId({ ...base, runId: `${long}-1` });
    const b = containerId({ ...base, runId: `${long}-2` });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^salvo-nightly-regression-agai[0-9a-f]{8}-s0-ws0-c0-a0$/);
  });
});
