/**
 * HdrHistogram interval logs (.hlog, format version 1.3): the text format that
 * HdrHistogram's HistogramLogReader (Java), hdr-histogram-js's reader and
 * HistogramLogAnalyzer / HdrHistogramVisualizer read.
 *
 * Not a wrapper of hdr-histogram-js's HistogramLogWriter: that one takes live
 * Histogram objects and encodes them itself, while salvo's intervals are
 * already encoded (workers ship them that way), so wrapping it would mean a
 * decode and re-encode per line for the same text. This is the same format,
 * written as a pure function; the tests read it back with the library reader.
 */

export interface HlogInterval {
  /** Interval start, in ms after the log's start time. */
  startMs: number;
  lengthMs: number;
  /** E.g. 'warmup'; written as `Tag=warmup,`. No commas or white space. */
  tag?: string;
  /** The interval's histogram, compressed base64 (encodeHistogram). */
  hdr: string;
  maxUs: number;
}

const FORMAT_VERSION = '1.3';
const LEGEND = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"';
// Interval_Max is in ms, the unit HdrHistogram's own writers put it in
// (Java divides ns by 1e6, hdr-histogram-js µs by 1000); histograms stay µs.
const US_PER_MAX_UNIT = 1000;

/**
 * The whole log as text. Timestamps are written relative to startEpochMs and
 * a BaseTime line says so, which readers use to make them absolute again.
 */
export function formatHlog(startEpochMs: number, intervals: readonly HlogInterval[], comment?: string): string {
  const lines = header(startEpochMs, comment);
  for (const interval of intervals) lines.push(intervalLine(interval));
  return lines.join('\n') + '\n';
}

function header(startEpochMs: number, comment: string | undefined): string[] {
  const startSec = seconds(startEpochMs);
  const lines: string[] = [];
  if (comment !== undefined) lines.push(...comment.split(/\r?\n/).map((line) => `#${line}`));
  lines.push(`#[Histogram log format version ${FORMAT_VERSION}]`);
  lines.push(`#[StartTime: ${startSec} (seconds since epoch), ${new Date(startEpochMs).toISOString()}]`);
  lines.push(`#[BaseTime: ${startSec} (seconds since epoch)]`);
  lines.push(LEGEND);
  return lines;
}

function intervalLine(interval: HlogInterval): string {
  const fields = [
    seconds(interval.startMs),
    seconds(interval.lengthMs),
    (interval.maxUs / US_PER_MAX_UNIT).toFixed(3),
    interval.hdr,
  ].join(',');
  if (interval.tag === undefined) return fields;
  if (!/^[^\s,]+$/.test(interval.tag))
    throw new Error(`hlog tag must not be empty or contain commas or white space: ${JSON.stringify(interval.tag)}`);
  return `Tag=${interval.tag},${fields}`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
