/**
 * Reading one side of a comparison from disk: a result.json, a run folder
 * (results/<run-id>/ holding result.json), a folder of run folders or result
 * files (a set of repeated runs), or a quoted glob of any of those. The only
 * module of src/compare/ that touches the file system; what it returns is
 * checked by validate.ts before anything is compared.
 *
 * Beside a result.json, its interval logs (<kind>.hlog) are read too and
 * turned into per-second percentiles here, so that later stages get plain
 * numbers and never a histogram. A log that is missing or does not decode is
 * left out (the time series' p50 and p99 stand in).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { initHistograms, withDecoded, type LatencyKind } from '../metrics/index.js';
import type { RunResult } from '../results/result.js';
import { parseHlog } from './hlog-read.js';
import { PERCENTILE_POINTS, type PercentileKey } from './metrics.js';
import type { IntervalPercentiles, RunData } from './samples.js';
import { CompareInputError, usableResult, type SourcedResult } from './validate.js';

const RESULT_FILE = 'result.json';

/** Every usable result the argument names, in a stable (sorted) order; throws CompareInputError otherwise. */
export async function loadSide(argument: string): Promise<SourcedResult[]> {
  const loaded = resultFiles(argument).map((file) => ({ source: file, result: usableResult(readJson(file), file) }));
  await initHistograms();
  return loaded.map(({ source, result }) => ({ source, ...withIntervalLogs(source, result) }));
}

/**
 * The run's per-second percentiles from the logs beside its result.json (only that name: other files have no logs of
 * their own).
 */
function withIntervalLogs(file: string, result: RunResult): RunData {
  if (basename(file) !== RESULT_FILE) return { result };
  const perSecondLatency: NonNullable<RunData['perSecondLatency']> = {};
  for (const kind of Object.keys(result.latency) as LatencyKind[]) {
    const intervals = readIntervalLog(join(dirname(file), `${kind}.hlog`));
    if (intervals !== null) perSecondLatency[kind] = intervals;
  }
  return { result, perSecondLatency };
}

function readIntervalLog(file: string): IntervalPercentiles[] | null {
  if (!existsSync(file)) return null;
  try {
    return parseHlog(readFileSync(file, 'utf8')).map((line) =>
      withDecoded(line.hdr, (h) => {
        const values = {} as Record<PercentileKey, number>;
        for (const [key, percentile] of Object.entries(PERCENTILE_POINTS) as [PercentileKey, number][]) {
          values[key] = h.getValueAtPercentile(percentile);
        }
        return { warmup: line.warmup, count: h.totalCount, values };
      }),
    );
  } catch {
    return null;
  }
}

/** The result files an argument names. */
export function resultFiles(argument: string): string[] {
  if (argument.trim() === '') throw new CompareInputError('an empty path was given for a result');
  if (isGlob(argument)) {
    const matches = expandGlob(argument);
    if (matches.length === 0) throw new CompareInputError(`${argument}: no file or folder matches`);
    return matches.flatMap((match) => filesAt(match, argument));
  }
  if (!existsSync(argument)) throw new CompareInputError(`${argument}: no such file or folder`);
  return filesAt(argument, argument);
}

function filesAt(path: string, argument: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const own = join(path, RESULT_FILE);
  if (existsSync(own)) return [own];
  // A set: each run folder's result.json, and result files side by side.
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && existsSync(join(path, entry.name, RESULT_FILE)))
      files.push(join(path, entry.name, RESULT_FILE));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(join(path, entry.name));
  }
  if (files.length === 0) throw new CompareInputError(`${argument}: no ${RESULT_FILE} in ${path} or its sub-folders`);
  return files;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CompareInputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CompareInputError(`${file}: not a salvo result (not JSON)`);
  }
}

/** run-2 before run-10. */
function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function isGlob(path: string): boolean {
  return /[*?]/.test(path);
}

/**
 * `*` and `?` within one path segment (no `**`, no braces): enough for
 * `results/baselines/main-*` when the shell has been told not to expand it.
 * Hidden entries match only a segment that starts with a dot.
 */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((segment) => segment !== '');
  let paths = [absolute ? '/' : ''];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of paths) {
      if (!isGlob(segment)) {
        const candidate = base === '' ? segment : join(base, segment);
        if (existsSync(candidate)) next.push(candidate);
        continue;
      }
      const matcher = segmentMatcher(segment);
      const folder = base === '' ? '.' : base;
      if (!isFolder(folder)) continue;
      for (const name of readdirSync(folder).sort(byName)) {
        if (matcher.test(name) && (segment.startsWith('.') || !name.startsWith('.')))
          next.push(base === '' ? name : join(base, name));
      }
    }
    paths = next;
  }
  return paths.filter((path) => path !== '' && path !== '/');
}

function segmentMatcher(segment: string): RegExp {
  const source = [...segment]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
