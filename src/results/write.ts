/** Writing a RunResult and its HDR interval logs to the run's folder. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './result.js';

export interface ResultFiles {
  result: RunResult;
  /** kind -> .hlog text */
  hlogs: Record<string, string>;
}

/** Writes atomically (temp file, rename) so a reader never sees half a result. */
export function writeResult(outputDir: string, files: ResultFiles): void {
  mkdirSync(outputDir, { recursive: true });
  writeAtomic(join(outputDir, 'result.json'), JSON.stringify(files.result, null, 2) + '\n');
  for (const [kind, text] of Object.entries(files.hlogs)) writeAtomic(join(outputDir, `${kind}.hlog`), text);
}

function writeAtomic(file: string, text: string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
