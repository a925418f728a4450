import { HistogramLogReader, listTags } from 'hdr-histogram-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Aggregator, formatHlog, initHistograms } from '../../src/metrics/index.js';
import { encoded, latencies, report } from './helpers.js';

beforeAll(async () => {
  await initHistograms();
});

const START_MS = Date.UTC(2026, 10, 26, 21, 30, 0, 250);

describe('formatHlog', () => {
  it('writes the standard header and interval lines', () => {
    const text = formatHlog(
      START_MS,
      [{ startMs: 0, lengthMs: 1000, tag: 'warmup', hdr: 'HISTxyz', maxUs: 1234.5 }],
      'salvo service latency, µs',
    );
    expect(text.split('\n')).toEqual([
      '#salvo service latency, µs',
      '#[Histogram log format version 1.3]',
      '#[StartTime: 1795728600.250 (seconds since epoch), 2026-11-26T21:30:00.250Z]',
      '#[BaseTime: 1795728600.250 (seconds since epoch)]',
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
      'Tag=warmup,0.000,1.000,1.234,HISTxyz',
      '',
    ]);
  });

  it('refuses a tag the format cannot carry', () => {
    expect(() => formatHlog(0, [{ startMs: 0, lengthMs: 1000, tag: 'a,b', hdr: 'x', maxUs: 0 }])).toThrow('hlog tag');
  });

  it('reads back with hdr-histogram-js’s HistogramLogReader, tags and times intact', () => {
    const agg = new Aggregator();
    const values = [latencies(1, 200), latencies(2, 300), latencies(3, 400)];
    values.forEach((vs, i) => agg.addInterval(report('A', i, { service: vs }, { warmup: i === 0 })));
    const text = formatHlog(START_MS, agg.hlogIntervals('service'));
    agg.free();

    expect(listTags(text)).toEqual(['NO TAG', 'warmup']);
    const reader = new HistogramLogReader(text);
    for (let i = 0; i < values.length; i++) {
      const h = reader.nextIntervalHistogram();
      expect(h).not.toBeNull();
      expect(h!.totalCount).toBe(values[i]!.length);
      expect(h!.tag).toBe(i === 0 ? 'warmup' : 'NO TAG');
      expect(h!.startTimeStampMsec).toBeCloseTo(START_MS + i * 1000, 0);
      expect(h!.endTimeStampMsec).toBeCloseTo(START_MS + (i + 1) * 1000, 0);
    }
    expect(reader.nextIntervalHistogram()).toBeNull();
  });

  it('keeps the encoded histogram byte for byte', () => {
    const hdr = encoded([5, 6, 7]);
    const text = formatHlog(START_MS, [{ startMs: 2000, lengthMs: 1000, hdr, maxUs: 7 }]);
    expect(text.trimEnd().split('\n').at(-1)).toBe(`2.000,1.000,0.007,${hdr}`);
  });
});
