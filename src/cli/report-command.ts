/**
 * `salvo report RESULT`: a finished run as a self-contained HTML page
 * (default, written beside the result unless --output says where), as
 * Markdown for a CI job summary, or as one histogram's HdrHistogram
 * percentile distribution (.hgrm text). Markdown and hgrm go to stdout, or
 * to --output. Anything that is not a readable result: one line, exit 2.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { SalvoError } from '../errors.js';
import { LATENCY_KINDS, type LatencyKind } from '../metrics/index.js';
import {
  distributionFor,
  formatHgrm,
  formatMarkdown,
  kindsOf,
  loadResult,
  REPORT_FILE,
  writeReport,
} from '../report/index.js';
import type { RunResult } from '../results/result.js';

type Format = 'html' | 'markdown' | 'hgrm';

interface ReportFlags {
  output?: string;
  format: Format;
  kind?: LatencyKind;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      "turn a run's result into an HTML report, a Markdown summary or an HdrHistogram percentile distribution",
    )
    .argument('<result>', 'a result.json, or the run folder that holds it')
    .option(
      '--output <file>',
      'where to write (html: default report.html beside result.json; markdown, hgrm: default stdout)',
    )
    .addOption(
      new Option('--format <format>', 'html, markdown (CI job summaries) or hgrm (HdrHistogram percentile text)')
        .choices(['html', 'markdown', 'hgrm'])
        .default('html'),
    )
    .addOption(
      new Option('--kind <kind>', 'hgrm: which histogram (default: the first the result has)').choices([
        ...LATENCY_KINDS,
      ]),
    )
    .action((path: string, flags: ReportFlags) => {
      const { result, folder } = loadResult(path);
      if (flags.format === 'html') {
        const file = writeOut(flags.output ?? join(folder, REPORT_FILE), () =>
          writeReport(result, folder, flags.output),
        );
        process.stdout.write(`report: ${file}\n`);
        return;
      }
      const text =
        flags.format === 'markdown'
          ? formatMarkdown(result)
          : formatHgrm(distributionFor(result, hgrmKind(result, flags.kind)));
      if (flags.output === undefined) process.stdout.write(text);
      else writeOut(flags.output, () => writeFileSync(flags.output!, text));
    });
}

function hgrmKind(result: RunResult, kind: LatencyKind | undefined): LatencyKind {
  if (kind !== undefined) return kind;
  const first = kindsOf(result)[0];
  if (first === undefined) throw new SalvoError('usage', `run ${result.runId} recorded no latency histogram`);
  return first;
}

/** A file that cannot be written is the user's path to fix: one line, exit 2. */
function writeOut<T>(output: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only the file system's refusals are about the path; anything else is not the user's to fix.
    if (typeof code !== 'string' || !code.startsWith('E')) throw error;
    throw new SalvoError('usage', `--output: cannot write ${output} (${code})`);
  }
}
