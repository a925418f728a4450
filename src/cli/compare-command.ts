/**
 * `salvo compare BASELINE CURRENT`: the CI regression gate. stdout holds the
 * table (terminal or markdown) or, with --json, one JSON document. Exit 0
 * when no metric regressed past its threshold, 1 when one did, 2 on unusable
 * input or a bad flag (one line on stderr), 4 with --require-gate when a
 * metric with a threshold could not be judged (one line on stderr naming it).
 * --html FILE writes the same comparison as a page too (compare.html), whatever the exit code.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  compare,
  DEFAULT_ALPHA,
  DEFAULT_THRESHOLDS,
  formatJson,
  formatMarkdown,
  formatTerminal,
  loadSide,
  notGatedText,
  parseThresholds,
  renderCompareHtml,
  type Comparison,
} from '../compare/index.js';
import { exitCodeFor, SalvoError } from '../errors.js';

type Format = 'terminal' | 'markdown' | 'json';

interface CompareFlags {
  threshold: string[];
  alpha: number;
  format?: Format;
  json?: boolean;
  requireGate?: boolean;
  html?: string;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'compare two results (or sets of repeated runs); exit 1 on a significant regression past a threshold, ' +
        '4 with --require-gate when a threshold could not be judged',
    )
    .argument('<baseline>', 'result.json, a run folder, a folder of run folders, or a quoted glob of them')
    .argument('<current>', 'the same, for the build under test')
    .addOption(
      new Option(
        '--threshold <metric=change>',
        'allowed change in the bad direction, repeatable; the defaults apply only when none is given',
      )
        .argParser(collect)
        .default([], DEFAULT_THRESHOLDS.join(' ')),
    )
    .option('--alpha <p>', 'significance level of the Mann-Whitney test', alpha, DEFAULT_ALPHA)
    .addOption(
      new Option('--format <format>', 'output: a terminal table, a markdown table (CI job summary), or JSON').choices([
        'terminal',
        'markdown',
        'json',
      ]),
    )
    .option('--json', 'same as --format json')
    .option(
      '--require-gate',
      'exit 4 when a metric with a threshold could not be judged (too few samples, no samples): for a CI gate',
    )
    .option(
      '--html <file>',
      'also write the comparison as a self-contained page (e.g. compare.html): both sides per metric, each judgement and why',
    )
    .action(async (baselineArg: string, currentArg: string, flags: CompareFlags) => {
      const format = resolveFormat(flags);
      const explicit = flags.threshold.length > 0;
      const thresholds = parseThresholds(explicit ? flags.threshold : DEFAULT_THRESHOLDS);
      const baseline = await loadSide(baselineArg);
      const current = await loadSide(currentArg);
      const comparison = compare(baseline, current, { thresholds, explicit, alpha: flags.alpha });
      const text =
        format === 'json'
          ? formatJson(comparison)
          : format === 'markdown'
            ? formatMarkdown(comparison)
            : formatTerminal(comparison);
      process.stdout.write(text);
      if (flags.html !== undefined) writeHtml(comparison, flags.html);
      // A regression is the stronger finding: it decides the exit code even when another metric was not gated.
      if (comparison.regressions.length > 0) process.exitCode = exitCodeFor('failed');
      else if (flags.requireGate === true && comparison.notGated.length > 0) {
        // Not 1: nothing was found slower; the job's setup (runs, their length) could not tell, and 4 says so.
        process.stderr.write(`salvo: --require-gate: ${notGatedText(comparison)}\n`);
        process.exitCode = exitCodeFor('not-gated');
      }
    });
}

/** Atomically, as report.html is; on stderr, so stdout stays the table or the JSON document. */
function writeHtml(comparison: Comparison, file: string): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, renderCompareHtml(comparison));
    renameSync(temporary, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('E')) throw error;
    throw new SalvoError('usage', `--html: cannot write ${file} (${code})`);
  }
  process.stderr.write(`salvo compare: page written to ${file}\n`);
}

function resolveFormat(flags: CompareFlags): Format {
  if (flags.json === true && flags.format !== undefined && flags.format !== 'json') {
    throw new SalvoError('usage', `--json and --format ${flags.format} ask for two outputs: give one`);
  }
  return flags.json === true ? 'json' : (flags.format ?? 'terminal');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function alpha(value: string): number {
  const p = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(p > 0 && p <= 0.5)) {
    throw new InvalidArgumentError(`expected a significance level above 0 and at most 0.5 (e.g. 0.05), got "${value}"`);
  }
  return p;
}
