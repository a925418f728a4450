/**
 * Reading a result back for the report: a result.json, or the run folder that
 * holds one. Anything that is not a readable salvo result is a usage error
 * with one line naming the file, so `salvo report` exits 2 without a trace.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SalvoError } from '../errors.js';
import { RESULT_SCHEMA, type RunResult } from '../results/result.js';

export interface LoadedResult {
  result: RunResult;
  /** The result.json read. */
  file: string;
  /** Its folder: where `salvo report` puts report.html unless told otherwise. */
  folder: string;
}

export function loadResult(path: string): LoadedResult {
  const file = resultFile(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SalvoError('usage', `cannot read ${file}: ${reason(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw notAResult(file, 'not JSON');
  }
  checkShape(parsed, file);
  return { result: parsed, file, folder: dirname(file) };
}

/** A folder means its result.json; a path that does not exist is said as such. */
function resultFile(path: string): string {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (error) {
    throw new SalvoError('usage', `cannot read ${path}: ${reason(error)}`);
  }
  if (!isFolder) return path;
  const file = join(path, 'result.json');
  try {
    statSync(file);
  } catch {
    throw new SalvoError('usage', `${path} holds no result.json: not a salvo run folder`);
  }
  return file;
}

/**
 * Enough of the schema that rendering cannot trip over a missing part; the
 * fields within are the run's own and are trusted as written.
 */
function checkShape(value: unknown, file: string): asserts value is RunResult {
  if (!isRecord(value) || value.schema !== RESULT_SCHEMA) throw notAResult(file, `no "schema": "${RESULT_SCHEMA}"`);
  for (const key of ['plan', 'environment', 'totals', 'latency'] as const) {
    if (!isRecord(value[key])) throw notAResult(file, `"${key}" missing`);
  }
  for (const key of ['checks', 'timeseries', 'problems'] as const) {
    if (!Array.isArray(value[key])) throw notAResult(file, `"${key}" missing`);
  }
  for (const [kind, summary] of Object.entries(value.latency as Record<string, unknown>)) {
    if (!isRecord(summary) || typeof summary.hdr !== 'string')
      throw notAResult(file, `latency.${kind} has no histogram ("hdr")`);
  }
}

function notAResult(file: string, why: string): SalvoError {
  return new SalvoError('usage', `${file} is not a salvo result: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a folder';
  return code ?? String(error);
}
