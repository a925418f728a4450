/**
 * `salvo merge DIR...`: the shards of one `salvo run --shards N` run, written
 * to files (a shared volume, or copied), merged into one result.json,
 * report.html and summary, with one verdict and one exit code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { describeError, exitCodeFor, SalvoError } from '../errors.js';
import { initHistograms } from '../metrics/index.js';
import { PLAN_DEFAULTS } from '../plan/index.js';
import { MergeInputError, ShardMerger, type MergedRun } from '../results/merge.js';
import type { RunResult } from '../results/result.js';
import { formatSummary } from '../results/summary.js';
import { writeResult } from '../results/write.js';
import { writeReport } from '../report/index.js';

interface MergeFlags {
  output?: string;
  json?: boolean;
  quiet?: boolean;
}

const RESULT_FILE = 'result.json';
const SHARD_FOLDER = /^shard-\d+$/;

export function mergeCommand(): Command {
  return new Command('merge')
    .description("merge the results of a run's shards (salvo run --shards N) into one result and one verdict")
    .argument(
      '<dirs...>',
      "each shard's result folder (or its result.json); a folder holding shard-<I> folders stands for them all",
    )
    .option(
      '--output <dir>',
      'where the merged result goes (default: the folder holding the shard folders, else results/<run-id>)',
    )
    .option('--json', 'print the merged result JSON on stdout and nothing else')
    .option('--quiet', 'no summary')
    .action(async (dirs: string[], flags: MergeFlags) => {
      const files = dirs.flatMap(resultFiles);
      await initHistograms();
      const merger = new ShardMerger();
      // One file at a time: a merge of many large shards never holds every result.json at once.
      for (const file of files) merger.add(readResult(file), dirname(file));
      const merged = merger.finish();
      const outputDir = flags.output ?? defaultOutput(files, merged.result.runId);
      writeMerged(outputDir, merged);
      if (flags.json) process.stdout.write(JSON.stringify(merged.result, null, 2) + '\n');
      else if (!flags.quiet) process.stdout.write(formatSummary(merged.result, outputDir) + '\n');
      judgeMerged(merged.result);
    });
}

/** A folder's result.json, a result file itself, or a folder of shard-<I> folders' results. */
function resultFiles(path: string): string[] {
  if (!existsSync(path)) throw new MergeInputError(`${path}: no such file or folder`);
  if (statSync(path).isFile()) return [path];
  // The shard folders first: the folder holding them also holds the merged result.json of an earlier merge.
  const shards = readdirSync(path)
    .filter((name) => SHARD_FOLDER.test(name) && existsSync(join(path, name, RESULT_FILE)))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  if (shards.length > 0) return shards.map((name) => join(path, name, RESULT_FILE));
  const direct = join(path, RESULT_FILE);
  if (existsSync(direct)) return [direct];
  throw new MergeInputError(`${path}: no ${RESULT_FILE} and no shard-<I> folder holding one`);
}

function readResult(file: string): RunResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MergeInputError(`${file}: not readable as JSON (${describeError(error)})`);
  }
  const schema = (parsed as { schema?: unknown } | null)?.schema;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof schema !== 'string' ||
    !schema.startsWith('salvo.result/')
  )
    throw new MergeInputError(`${file}: not a salvo result (no "schema": "salvo.result/1")`);
  return parsed as RunResult;
}

/** The folder holding every shard's folder when they share one, else results/<run id>. */
function defaultOutput(files: readonly string[], runId: string): string {
  const parents = new Set(files.map((file) => resolve(dirname(dirname(file)))));
  const allShards = files.every((file) => SHARD_FOLDER.test(basename(dirname(file))));
  return allShards && parents.size === 1 ? [...parents][0] : `${PLAN_DEFAULTS.outputRoot}/${runId}`;
}

export function writeMerged(outputDir: string, merged: MergedRun): void {
  try {
    writeResult(outputDir, merged);
  } catch (error) {
    const cause = (error as NodeJS.ErrnoException).code ?? describeError(error);
    throw new SalvoError('usage', `--output: cannot write ${outputDir} (${cause})`);
  }
  try {
    writeReport(merged.result, outputDir);
  } catch (error) {
    process.stderr.write(
      `salvo: report.html not written (${describeError(error)}); \`salvo report ${outputDir}\` tries again\n`,
    );
  }
}

/**
 * The one exit code: 5 when a shard is missing or did not finish (never a pass, whatever the rest shows), 1 for a
 * failed check or threshold, else 0.
 */
export function judgeMerged(result: RunResult): void {
  if (!result.complete) {
    const line = result.problems.filter((p) => p.startsWith('incomplete: ')).join('; ');
    process.stderr.write(`salvo: ${line || 'incomplete'}\n`);
    process.exitCode = exitCodeFor('incomplete');
    return;
  }
  const failed = result.checks.filter((check) => !check.ok);
  const missed = (result.thresholds ?? []).filter((threshold) => !threshold.pass);
  if (failed.length === 0 && missed.length === 0) return;
  const reasons = [...failed.map((c) => c.detail), ...missed.map((t) => `${t.text} missed`)];
  process.stderr.write(`salvo: the merged run failed its checks: ${reasons.join('; ')}\n`);
  process.exitCode = exitCodeFor('failed');
}
