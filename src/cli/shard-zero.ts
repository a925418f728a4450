/**
 * Shard 0 of shards that met over the broker: its own result and the others'
 * (sent to it over the broker) merged into the run's one result, summary and
 * exit code, as `salvo merge` would from files.
 */
import { basename, dirname, join } from 'node:path';
import type { RunOutcome } from '../coordinator/run.js';
import { describeError } from '../errors.js';
import type { Plan } from '../plan/index.js';
import { MergeInputError, ShardMerger } from '../results/merge.js';
import type { RunResult } from '../results/result.js';
import { formatSummary } from '../results/summary.js';
import { judgeMerged, writeMerged } from './merge-command.js';

export function mergeGathered(plan: Plan, outcome: RunOutcome): void {
  const gathered = outcome.gathered;
  if (!gathered) return;
  const merger = new ShardMerger();
  merger.add(outcome.result, `shard 0 (${plan.outputDir})`);
  for (const [index, text] of [...gathered.texts].sort(([a], [b]) => a - b)) {
    const source = `shard ${index} (sent over the broker)`;
    let result: RunResult;
    try {
      result = JSON.parse(text) as RunResult;
    } catch (error) {
      throw new MergeInputError(`${source}: not readable as JSON (${describeError(error)})`);
    }
    merger.add(result, source);
  }
  const merged = merger.finish();
  const outputDir = mergedOutputDir(plan.outputDir);
  writeMerged(outputDir, merged);
  if (plan.json) process.stdout.write(JSON.stringify(merged.result, null, 2) + '\n');
  else if (!plan.quiet) process.stdout.write('\n' + formatSummary(merged.result, outputDir) + '\n');
  judgeMerged(merged.result);
}

/** Beside the shard folders (results/<run id>/shard-0 -> results/<run id>), or in <output>/merged. */
export function mergedOutputDir(shardOutput: string): string {
  return /^shard-\d+$/.test(basename(shardOutput)) ? dirname(shardOutput) : join(shardOutput, 'merged');
}
