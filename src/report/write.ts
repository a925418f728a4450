/** Writing report.html into a run's folder, atomically, as the result beside it is written. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results/result.js';
import { renderHtml } from './html.js';

export const REPORT_FILE = 'report.html';

/** Writes `file` (default: report.html in `folder`); returns its path. */
export function writeReport(result: RunResult, folder: string, file = join(folder, REPORT_FILE)): string {
  const html = renderHtml(result);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, file);
  return file;
}
