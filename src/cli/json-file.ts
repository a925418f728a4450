/** A command's JSON record (capacity.json, calibration.json) written into its output folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, SalvoError } from '../errors.js';

/** Writes `value` as `dir/name`, the folder made first; a folder that cannot be written is a one-line usage error. */
export function writeJsonFile(dir: string, name: string, value: unknown): string {
  const file = join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
    throw new SalvoError('usage', `--output: cannot write ${file} (${reason})`);
  }
  return file;
}
