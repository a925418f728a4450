/**
 * What `salvo run` leaves behind, as observers of the run: the result files
 * (result.json, the interval logs, report.html) and what goes to stdout
 * (the result JSON or the summary). A run that never started leaves nothing.
 */
import type { RunEnd, RunObserver } from '../coordinator/run-observer.js';
import { describeError, SalvoError } from '../errors.js';
import type { Plan } from '../plan/index.js';
import type { RunResult } from '../results/result.js';
import { formatSummary } from '../results/summary.js';
import { writeResult } from '../results/write.js';
import { writeReport } from '../report/index.js';

/** In the order they run: the files first, so that the summary can name them. */
export function runOutputs(plan: Pick<Plan, 'outputDir' | 'json' | 'quiet'>): RunObserver[] {
  return [resultFiles(plan.outputDir), printedResult(plan)];
}

function resultFiles(outputDir: string): RunObserver {
  return {
    finished({ outcome }: RunEnd): void {
      // A run that started writes what it measured, whatever ended it.
      if (!outcome.started) return;
      const { result, hlogs } = outcome;
      try {
        writeResult(outputDir, { result, hlogs });
      } catch (error) {
        const cause = (error as NodeJS.ErrnoException).code ?? describeError(error);
        throw new SalvoError('usage', `--output: cannot write ${outputDir} (${cause})`);
      }
      writeReportBeside(result, outputDir);
    },
  };
}

function printedResult({ outputDir, json, quiet }: Pick<Plan, 'outputDir' | 'json' | 'quiet'>): RunObserver {
  return {
    finished({ outcome }: RunEnd): void {
      const { result, started, withholdSummary } = outcome;
      if (!started) return;
      if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else if (!quiet && withholdSummary !== true) process.stdout.write(formatSummary(result, outputDir) + '\n');
    },
  };
}

/** report.html beside result.json; the result is already safe, so a failed report costs only itself. */
function writeReportBeside(result: RunResult, outputDir: string): void {
  try {
    writeReport(result, outputDir);
  } catch (error) {
    const again = `\`salvo report ${outputDir}\` tries again`;
    process.stderr.write(`salvo: report.html not written (${describeError(error)}); ${again}\n`);
  }
}
