/** `salvo run --shards N` as a user types it: --print-plan's parts and hash, and each refusal in one line. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const URL = 'amqp://127.0.0.1:5999/q';

describe('salvo run --shards', () => {
  it("--print-plan shows every shard's part and one plan hash; the parts' rates sum to --rate", async () => {
    const shown = await runCli(
      ['run', URL, '--shards', '3', '--run-id', 'p1', '--senders', '3', '--receivers', '2', '--links', '2'].concat([
        '--rate',
        '1000',
        '--count',
        '1000',
        '--print-plan',
      ]),
    );
    expect(shown.code, shown.stderr).toBe(0);
    const plan = JSON.parse(shown.stdout) as {
      planHash: string;
      address: string;
      shards: { count: number; index: number | null };
      shardParts: { index: number; linkIds: string[]; rateHz: number; count: number }[];
    };
    expect(plan.planHash).toMatch(/^[0-9a-f]{16}$/);
    expect(plan.shards).toEqual({
      count: 3,
      index: null,
      meet: { kind: 'broker', controlAddress: `${plan.address}.salvo-control` },
      timeoutMs: 120_000,
    });
    expect(plan.shardParts.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(plan.shardParts.reduce((sum, p) => sum + p.rateHz, 0)).toBe(1000);
    expect(plan.shardParts.reduce((sum, p) => sum + p.count, 0)).toBe(1000);
    // 6 sender links and 4 receiver links: 2 + 2 + 2 and 2 + 1 + 1.
    expect(plan.shardParts[0].linkIds).toEqual(['p1/s0.c0.l0', 'p1/s0.c0.l1', 'p1/r0.c0.l0', 'p1/r0.c0.l1']);
    expect(plan.shardParts[2].linkIds).toEqual(['p1/s2.c0.l0', 'p1/s2.c0.l1', 'p1/r1.c0.l1']);
  });

  it('refuses what cannot run, one line each, exit 2', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--shards', '4', '--run-id', 'p1', '--senders', '2', '--shard-index', '0'],
        {},
        'salvo: --shards 4 needs at least 4 sender links, one a shard; senders x connections x links gives 2\n',
      ],
      [
        ['--shards', '2', '--run-id', 'p1', '--senders', '2', '--receivers', '2'],
        {},
        'salvo: --shards 2 needs --shard-index (or the environment variable JOB_COMPLETION_INDEX, which an Indexed ' +
          'Job sets)\n',
      ],
      [
        ['--shards', '2', '--run-id', 'p1', '--senders', '2', '--receivers', '2'],
        { JOB_COMPLETION_INDEX: '2' },
        'salvo: JOB_COMPLETION_INDEX must be an integer from 0 to 1 (--shards 2), got "2"\n',
      ],
    ];
    for (const [args, env, line] of cases) {
      const run = await runCli(['run', URL, ...args], 30_000, env);
      expect(run.stderr).toBe(line);
      expect(run.code).toBe(2);
    }
  });
});
