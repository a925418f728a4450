/**
 * Reading back the HdrHistogram interval logs salvo writes beside a result
 * (metrics/hlog.ts writes them), pure: one line per second, its start, whether
 * it is warm-up (`Tag=warmup`) and its histogram, still encoded. They give
 * single-run comparisons per-second values of every percentile, where the
 * result's time series has p50 and p99 only.
 */
import { WARMUP_TAG } from '../metrics/index.js';

export interface HlogLine {
  startS: number;
  warmup: boolean;
  /** Compressed base64 histogram. */
  hdr: string;
}

/** Interval lines in file order; comments, the legend and lines that do not parse are skipped. */
export function parseHlog(text: string): HlogLine[] {
  const lines: HlogLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = parseLine(raw.trim());
    if (line !== null) lines.push(line);
  }
  return lines;
}

function parseLine(line: string): HlogLine | null {
  if (line === '' || line.startsWith('#') || line.startsWith('"')) return null;
  let rest = line;
  let tag: string | undefined;
  if (rest.startsWith('Tag=')) {
    const comma = rest.indexOf(',');
    if (comma < 0) return null;
    tag = rest.slice('Tag='.length, comma);
    rest = rest.slice(comma + 1);
  }
  const fields = rest.split(',');
  if (fields.length !== 4) return null;
  const startS = Number(fields[0]);
  if (!Number.isFinite(startS) || fields[3] === '') return null;
  return { startS, warmup: tag === WARMUP_TAG, hdr: fields[3] };
}
